#!/usr/bin/env bash
# Validates the container and telemetry files without a Docker engine: docker-compose.yml (Compose v1's schema, with
# every profile, and dclint's current Compose Specification schema plus its non-style rules), the Prometheus
# configuration (promtool), the OpenTelemetry Collector and Grafana provisioning YAML, the Grafana dashboard JSON,
# the RabbitMQ plugin list, the bind-mounted paths and the two worker Dockerfiles' required instructions.
# Installs what it lacks (Debian docker-compose, prometheus and nodejs/npm with --no-install-recommends; dclint from
# npm into ${BATCHFCN_TOOLS:-<repo>/.tools}); a second run installs nothing. Prints one line per check and exits 1
# when any check fails.
#
#   scripts/check-compose.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${BATCHFCN_TOOLS:-$root/.tools}"
dclint_version=3.1.0
cd "$root"

sudo=()
if [[ $EUID -ne 0 ]]; then
  sudo=(sudo)
fi

apt_updated=0
# apt_install PACKAGE...: Debian packages without their recommends (docker-compose's would pull the Docker engine).
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then
    "${sudo[@]}" apt-get update -qq -o DPkg::Lock::Timeout=300 >&2
    apt_updated=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "$@" >&2
}

failures=0
# check NAME COMMAND...: runs COMMAND quietly; prints "ok" or "FAIL" and, on failure, what it printed.
check() {
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    printf 'ok    %s\n' "$name"
  else
    printf 'FAIL  %s\n' "$name"
    [[ -z "$out" ]] || printf '%s\n' "$out" | sed 's/^/      /'
    failures=$((failures + 1))
  fi
}

# --- tools -----------------------------------------------------------------------------------------------------------
command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose
command -v promtool >/dev/null 2>&1 || apt_install prometheus
command -v npm >/dev/null 2>&1 || apt_install nodejs npm
dclint="$tools/dclint-$dclint_version/node_modules/.bin/dclint"
if [[ ! -x "$dclint" ]]; then
  mkdir -p "$tools/dclint-$dclint_version"
  npm install --prefix "$tools/dclint-$dclint_version" --no-audit --no-fund --loglevel=error "dclint@$dclint_version" >&2
fi
# The YAML checks need PyYAML: Debian's python3 has it as a dependency of docker-compose.
python=/usr/bin/python3
[[ -x "$python" ]] || python=python3

# --- compose ---------------------------------------------------------------------------------------------------------
# Compose v1 (1.29) validates against an older schema than Compose v2 and rejects newer keys (a top-level name:),
# so the file is kept within what both accept; its --profile enables the gated services for validation.
check "docker-compose config (default services)" docker-compose -f docker-compose.yml config -q
check "docker-compose config (--profile gpu --profile tools)" \
  docker-compose -f docker-compose.yml --profile gpu --profile tools config -q

node_major() { node -p 'process.versions.node.split(".")[0]'; }
if [[ "$(node_major)" -lt 20 ]]; then
  printf 'FAIL  dclint %s: needs Node.js 20 or newer, found %s\n' "$dclint_version" "$(node --version)"
  failures=$((failures + 1))
else
  # Schema checks, image tags, ports bound to an interface, build+image without pull_policy, duplicate names and
  # ports; style rules are off (deploy/.dclintrc).
  check "dclint $dclint_version (deploy/.dclintrc)" \
    "$dclint" --no-color --max-warnings 0 -c deploy/.dclintrc docker-compose.yml
fi

bind_mounts() {
  "$python" - <<'EOF'
import os, sys, yaml
compose = yaml.safe_load(open("docker-compose.yml"))
missing = []
for name, service in compose["services"].items():
    for volume in service.get("volumes", []):
        source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
        # ./data is the CLI's folder of slides and downloads: Docker creates it on first use.
        if source.startswith("./") and source != "./data" and not os.path.exists(source):
            missing.append(f"{name}: {source}")
if missing:
    sys.exit("bind-mounted paths missing: " + ", ".join(missing))
EOF
}
check "bind-mounted files exist" bind_mounts

# --- telemetry configuration -----------------------------------------------------------------------------------------
check "promtool check config deploy/prometheus/prometheus.yml" promtool check config deploy/prometheus/prometheus.yml

yaml_parses() {
  "$python" -c 'import sys, yaml
for path in sys.argv[1:]:
    if not isinstance(yaml.safe_load(open(path)), dict):
        sys.exit(f"{path}: not a YAML mapping")' "$@"
}
check "deploy/otel-collector.yaml parses" yaml_parses deploy/otel-collector.yaml
check "Grafana provisioning YAML parses" yaml_parses \
  deploy/grafana/provisioning/datasources/datasources.yml deploy/grafana/provisioning/dashboards/batchfcn.yml

collector_pipelines() {
  "$python" - <<'EOF'
import sys, yaml
config = yaml.safe_load(open("deploy/otel-collector.yaml"))
errors = []
for kind, pipeline in config["service"]["pipelines"].items():
    for section, key in (("receivers", "receivers"), ("processors", "processors"), ("exporters", "exporters")):
        for component in pipeline.get(key, []):
            if component not in (config.get(section) or {}):
                errors.append(f"pipeline {kind} names {section[:-1]} {component}, which is not defined")
if errors:
    sys.exit("\n".join(errors))
EOF
}
check "collector pipelines name defined components" collector_pipelines

dashboard() {
  "$python" - <<'EOF'
import json, sys
path = "deploy/grafana/dashboards/batchfcn.json"
board = json.load(open(path))
errors = []
def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))
for panel in panels(board["panels"]):
    if panel.get("type") == "row":
        continue
    if not panel.get("targets"):
        errors.append(f"panel {panel.get('title')!r} has no queries")
    for target in panel.get("targets", []):
        if not target.get("expr", "").strip():
            errors.append(f"panel {panel.get('title')!r} has a query without expr")
if not board.get("uid"):
    errors.append("no uid")
if errors:
    sys.exit(f"{path}: " + "; ".join(errors))
EOF
}
check "deploy/grafana/dashboards/batchfcn.json parses, every panel has queries" dashboard

check "deploy/rabbitmq/enabled_plugins lists rabbitmq_prometheus" \
  grep -Eq '^\[([a-z_]+,)*rabbitmq_prometheus(,[a-z_]+)*\]\.$' deploy/rabbitmq/enabled_plugins

# --- Dockerfiles (no engine to build them; the instructions the stack relies on) --------------------------------------
dockerfile() {
  local file="$1" missing=()
  local pattern
  for pattern in '^USER 10001' '^HEALTHCHECK ' '/healthz/ready' '^ENTRYPOINT \["dotnet", "/app/batchfcn.dll"\]' \
    '^CMD \["worker"' 'BatchFcn__Node__CacheDirectory=/cache' 'BatchFcn__Distributed__HealthPort=8080' \
    'BatchFcn__Telemetry__MetricsPort=9464' '^EXPOSE 8080 9464' 'libvips42t64'; do
    grep -Eq -- "$pattern" "$file" || missing+=("$pattern")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    printf '%s lacks: %s\n' "$file" "${missing[*]}"
    return 1
  fi
}
check "deploy/worker.Dockerfile" dockerfile deploy/worker.Dockerfile
check "deploy/worker-gpu.Dockerfile" dockerfile deploy/worker-gpu.Dockerfile

if [[ $failures -gt 0 ]]; then
  printf '%d check(s) failed\n' "$failures"
  exit 1
fi
echo "all checks passed"
