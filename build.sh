#!/usr/bin/env bash
# BatchFcn build and test entry point.
#
#   ./build.sh build   restore and build everything (Release)
#   ./build.sh test    build, then run every test project and print "N passed, N failed, N skipped"
#   ./build.sh clean   remove build outputs
#
# The test command sets up what the tests need itself (libvips from Debian, with OpenSlide, for the
# imaging and scanning tests), so it runs on a fresh machine with only the .NET SDK.
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
  build
  rm -rf "$results"
  mkdir -p "$results"
  echo "==> dotnet test"
  local status=0
  dotnet test BatchFcn.sln -c Release --no-build -nologo \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=$?
  # The SIMD pre-processing again with narrower instruction sets, so every path runs (STYLE.md).
  local flag
  for flag in DOTNET_EnableAVX2 DOTNET_EnableHWIntrinsic; do
    echo "==> SIMD tests with $flag=0"
    env "$flag=0" dotnet test tests/BatchFcn.Inference.Tests -c Release --no-build -nologo --filter "FullyQualifiedName~PixelConversion" \
      --logger "trx;LogFileName=simd-$flag.trx" --results-directory "$results" || status=$?
  done
  summarise "$status"
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
