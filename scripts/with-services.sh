#!/usr/bin/env bash
# Runs a command with the services the tests use started the way ./build.sh test starts them: Azurite (in memory) and a
# RabbitMQ node of its own, both on free loopback ports, their addresses exported (BATCHFCN_TEST_AZURE_STORAGE,
# BATCHFCN_TEST_RABBITMQ, BATCHFCN_TEST_RABBITMQ_MANAGEMENT); both stopped after.
#
#   scripts/with-services.sh dotnet test tests/BatchFcn.Distributed.Tests -c Release
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/ensure-deps.sh
source "$root/scripts/ensure-deps.sh"
[[ $# -gt 0 ]] || { echo "usage: scripts/with-services.sh COMMAND [ARGS...]" >&2; exit 2; }
ensure_libvips
ensure_prometheus
trap 'stop_rabbitmq; stop_azurite' EXIT
start_azurite "$root/.tools" "$root/artifacts/azurite.log"
start_rabbitmq "$root/artifacts"
"$@"
