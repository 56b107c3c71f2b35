# Sourced by ./batchfcn and ./build.sh: installs what BatchFcn needs beyond the .NET SDK, once.
# Debian/Ubuntu only; as root, or through sudo. Other systems: install libvips 8.14+ with OpenSlide.

# apt_install "PACKAGE..." WHY: installs Debian packages as root or through sudo, or says how to.
apt_install() {
  echo "==> installing $1 (Debian) $2" >&2
  local sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: $1 is missing; install it with 'apt-get install $1' (as root)" >&2
      return 1
    fi
  fi
  # shellcheck disable=SC2086 # $1 may name several packages
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $1 >&2
}

ensure_libvips() {
  # grep reads all of ldconfig's output (no -q): with pipefail, a grep that stops at the first match can kill
  # ldconfig with SIGPIPE, and the check would then fail now and then although libvips is installed.
  if ldconfig -p 2>/dev/null | grep 'libvips\.so\.42' >/dev/null; then
    return 0
  fi
  apt_install libvips42 "(libvips, with OpenSlide)"
}

# The tests read scores.zarr the way users do, with the zarr library: Debian's python3-zarr (brings numpy).
ensure_python_zarr() {
  if /usr/bin/python3 -c 'import zarr, numpy' >/dev/null 2>&1; then
    return 0
  fi
  apt_install python3-zarr "for the interoperability tests"
}

# Azurite, the Azure Storage emulator, for the Azure store tests: installed from npm into .tools/azurite.
AZURITE_VERSION=3.37.0

ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    return 0
  fi
  apt_install "nodejs npm" "to install Azurite (the Azure Storage emulator) for the tests"
}

# ensure_azurite TOOLS: installs Azurite $AZURITE_VERSION under TOOLS/azurite unless it is there.
# (npm warns EBADENGINE on Node < 22 but installs; the blob service was checked on Node 20. Debian 12 ships Node 18,
# where it has not been tried.)
ensure_azurite() {
  local dir="$1/azurite"
  if [[ -x "$dir/node_modules/.bin/azurite" ]] &&
    grep -q "\"version\": \"$AZURITE_VERSION\"" "$dir/node_modules/azurite/package.json" 2>/dev/null; then
    return 0
  fi
  ensure_node
  echo "==> installing Azurite $AZURITE_VERSION from npm into $dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION" >&2
}

# A TCP port on 127.0.0.1 that nothing answers on now (random, so tests on one machine rarely collide;
# start_azurite tries again if Azurite still finds it taken).
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
}

# Whether an HTTP server answers on 127.0.0.1:PORT (any status: Azurite answers 403 to an unsigned request).
http_answers() {
  local line
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /devstoreaccount1?comp=list HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 5 line <&3 && [[ "$line" == HTTP/* ]]
  ) 2>/dev/null
}

AZURITE_PID=""

# start_azurite TOOLS LOG: starts Azurite's blob, queue and table services in memory on free ports, waits until
# they answer and exports BATCHFCN_TEST_AZURE_STORAGE (the connection string the tests read). Stop it with
# stop_azurite (build.sh does so in an EXIT trap, so also when tests fail).
start_azurite() {
  local tools="$1" log="$2" attempt blob queue table waited
  ensure_azurite "$tools"
  mkdir -p "$(dirname "$log")"
  for attempt in 1 2 3 4 5; do
    blob="$(free_port)"; queue="$(free_port)"; table="$(free_port)"
    # --inMemoryPersistence: nothing on disk (it cannot be combined with --location); --skipApiVersionCheck:
    # Azure.Storage.Blobs 12.30 sends an API version newer than Azurite 3.37 knows.
    "$tools/azurite/node_modules/.bin/azurite" \
      --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
      --tableHost 127.0.0.1 --tablePort "$table" \
      --inMemoryPersistence --loose --skipApiVersionCheck --disableTelemetry --silent >"$log" 2>&1 &
    AZURITE_PID=$!
    for ((waited = 0; waited < 300; waited++)); do
      if ! kill -0 "$AZURITE_PID" 2>/dev/null; then
        break # exited: most likely a port was taken meanwhile; try other ports
      fi
      if http_answers "$blob" && http_answers "$table"; then
        local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
        export BATCHFCN_TEST_AZURE_STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
        echo "==> Azurite $AZURITE_VERSION (pid $AZURITE_PID): blob 127.0.0.1:$blob, table 127.0.0.1:$table, in memory" >&2
        return 0
      fi
      sleep 0.1
    done
    echo "Azurite did not start (attempt $attempt); its log:" >&2
    sed 's/^/    /' "$log" >&2 || true
    stop_azurite
  done
  return 1
}

stop_azurite() {
  if [[ -n "$AZURITE_PID" ]]; then
    kill "$AZURITE_PID" 2>/dev/null || true
    wait "$AZURITE_PID" 2>/dev/null || true
    AZURITE_PID=""
  fi
}

# RabbitMQ, for the distributed tests: Debian's rabbitmq-server (it does not start itself on install).
ensure_rabbitmq() {
  if [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
    return 0
  fi
  apt_install rabbitmq-server "(the message broker) for the distributed worker tests"
}

# Prometheus, for the test that scrapes a running worker as operations would: Debian's (it does not start itself).
# Exports BATCHFCN_TEST_PROMETHEUS, the server binary the test starts on a free port.
ensure_prometheus() {
  if ! [[ -x /usr/bin/prometheus ]]; then
    apt_install prometheus "(the metrics server) for the worker telemetry test"
  fi
  export BATCHFCN_TEST_PROMETHEUS=/usr/bin/prometheus
}

RABBITMQ_DIR=""
RABBITMQ_NODE=""

# rabbitmq_ctl ARGS...: rabbitmqctl against the node start_rabbitmq started.
rabbitmq_ctl() {
  RABBITMQ_CONF_ENV_FILE="$RABBITMQ_DIR/rabbitmq-env.conf" HOME="$RABBITMQ_DIR" \
    /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBITMQ_NODE" "$@"
}

# start_rabbitmq DIR: starts a RabbitMQ node of its own (own node name, data and log folders under DIR, every listener
# on 127.0.0.1 on free ports, management API for queue depths), as the current user, waits until it is ready and
# exports BATCHFCN_TEST_RABBITMQ (amqp://guest:guest@127.0.0.1:PORT/), BATCHFCN_TEST_RABBITMQ_MANAGEMENT
# (http://127.0.0.1:PORT), BATCHFCN_TEST_RABBITMQ_PROMETHEUS (its metrics, as a dashboard's Prometheus scrapes them) and, for a test that restarts it, BATCHFCN_TEST_RABBITMQ_NODE and _DIR. Stop it with
# stop_rabbitmq.
start_rabbitmq() {
  local dir="$1" amqp management dist prometheus waited
  ensure_rabbitmq
  amqp="$(free_port)"; management="$(free_port)"; dist="$(free_port)"; prometheus="$(free_port)"
  RABBITMQ_DIR="$dir/rabbitmq-$amqp"
  RABBITMQ_NODE="batchfcn-$amqp@localhost"
  rm -rf "$RABBITMQ_DIR"
  mkdir -p "$RABBITMQ_DIR/mnesia" "$RABBITMQ_DIR/log"
  # The guest user may log in over loopback only (RabbitMQ's default), which is all the tests need.
  cat >"$RABBITMQ_DIR/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp
management.tcp.ip = 127.0.0.1
management.tcp.port = $management
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $prometheus
collect_statistics_interval = 1000
CONF
  echo "[rabbitmq_management,rabbitmq_prometheus]." >"$RABBITMQ_DIR/enabled_plugins"
  cat >"$RABBITMQ_DIR/rabbitmq-env.conf" <<CONF
NODENAME=$RABBITMQ_NODE
NODE_IP_ADDRESS=127.0.0.1
NODE_PORT=$amqp
DIST_PORT=$dist
CONFIG_FILE=$RABBITMQ_DIR/rabbitmq.conf
ENABLED_PLUGINS_FILE=$RABBITMQ_DIR/enabled_plugins
MNESIA_BASE=$RABBITMQ_DIR/mnesia
LOG_BASE=$RABBITMQ_DIR/log
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CONF
  export ERL_EPMD_ADDRESS=127.0.0.1
  RABBITMQ_CONF_ENV_FILE="$RABBITMQ_DIR/rabbitmq-env.conf" HOME="$RABBITMQ_DIR" \
    /usr/lib/rabbitmq/bin/rabbitmq-server -detached >"$RABBITMQ_DIR/log/startup.log" 2>&1
  # await_startup fails at once while the node has not registered with epmd yet: poll for it first.
  for ((waited = 0; waited < 120; waited++)); do
    rabbitmq_ctl -q status >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! rabbitmq_ctl await_startup --timeout 60 >/dev/null 2>&1; then
    echo "RabbitMQ did not start; its log:" >&2
    tail -40 "$RABBITMQ_DIR"/log/*.log >&2 || true
    return 1
  fi
  export BATCHFCN_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:$amqp/"
  export BATCHFCN_TEST_RABBITMQ_MANAGEMENT="http://127.0.0.1:$management"
  export BATCHFCN_TEST_RABBITMQ_PROMETHEUS="http://127.0.0.1:$prometheus"
  # What a test needs to restart the node (rabbitmqctl -n NODE with RABBITMQ_CONF_ENV_FILE and HOME = DIR).
  export BATCHFCN_TEST_RABBITMQ_NODE="$RABBITMQ_NODE" BATCHFCN_TEST_RABBITMQ_DIR="$RABBITMQ_DIR"
  echo "==> RabbitMQ ($RABBITMQ_NODE): amqp 127.0.0.1:$amqp, management 127.0.0.1:$management" >&2
}

stop_rabbitmq() {
  if [[ -n "$RABBITMQ_NODE" ]]; then
    rabbitmq_ctl -q stop >/dev/null 2>&1 || true
    rm -rf "$RABBITMQ_DIR"
    RABBITMQ_NODE=""
  fi
}
