#!/usr/bin/env bash
# Runs a command with Azurite (the Azure Storage emulator) started the way ./build.sh test starts it: installed
# into .tools/azurite if missing, in memory, on free ports, BATCHFCN_TEST_AZURE_STORAGE exported; stopped after.
#
#   scripts/with-azurite.sh dotnet test tests/BatchFcn.Storage.Tests -c Release
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/ensure-deps.sh
source "$root/scripts/ensure-deps.sh"
[[ $# -gt 0 ]] || { echo "usage: scripts/with-azurite.sh COMMAND [ARGS...]" >&2; exit 2; }
ensure_libvips # the benchmarks and imaging tests run under it read slides
trap stop_azurite EXIT
start_azurite "$root/.tools" "$root/artifacts/azurite.log"
"$@"
