#!/usr/bin/env bash
# One warm worker through the queue (`submit --wait`) against `run` on the same slide, alternated by farm-bench.
# Needs RabbitMQ (run it under scripts/with-services.sh, which starts one and sets BATCHFCN_TEST_RABBITMQ); the scan
# state, inputs and results are local folders (one node), so storage is the same as run's.
#
#   scripts/with-services.sh bench/worker-vs-run.sh [SIZE]        (SIZE: the demo slide's side, default 16384)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
size="${1:-16384}"
work="$(mktemp -d)"
trap 'kill "${worker:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build src/BatchFcn.Cli -c Release -o "$work/cli" -nologo -v q >/dev/null
cli="$work/cli/batchfcn.dll"
model=models/demo/lesion_classifier.onnx
dotnet "$cli" demo --size "$size" --out "$work/demo" >/dev/null
slide="$work/demo/demo-slide-$size.tif"
export BATCHFCN_RABBITMQ="$BATCHFCN_TEST_RABBITMQ"
export BatchFcn__Distributed__StateFolder="$work/state" BatchFcn__Distributed__ResultsFolder="$work/results" BatchFcn__Distributed__InputsFolder="$work/inputs"
dotnet "$cli" worker ${WORKER_ARGS:-} >"$work/worker.log" 2>&1 &
worker=$!
sleep 8
farm-bench -n 5 --timeout 1500 \
  --vs "sh -c 'rm -rf $work/run && exec dotnet $cli run --image $slide --model $model --out $work/run --tissue off'" \
  -- dotnet "$cli" submit --image "$slide" --model "$model" --tissue off --wait
