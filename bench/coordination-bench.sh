#!/usr/bin/env bash
# Coordination cost per tile: a cohort of 12 small scans with 128 px tiles (784 tiles each) through one worker
# (queue + blob store + tile record) against `run` computing one of them in one process. Needs RabbitMQ and Azurite:
#
#   scripts/with-services.sh bench/coordination-bench.sh [CONCURRENT_TILES]      (default 8)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'kill "${worker:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build src/BatchFcn.Cli -c Release -o "$work/cli" -nologo -v q >/dev/null
cli="$work/cli/batchfcn.dll"
model=models/demo/lesion_classifier.onnx
dotnet "$cli" demo --size 2048 --out "$work/demo" >/dev/null 2>&1 || true
mkdir -p "$work/slides"
for i in $(seq 1 12); do cp "$work/demo/demo-slide-2048.tif" "$work/slides/s$i.tif"; done
suffix="$(date +%s)"
export BATCHFCN_RABBITMQ="$BATCHFCN_TEST_RABBITMQ" BATCHFCN_STORAGE="$BATCHFCN_TEST_AZURE_STORAGE"
export BatchFcn__Distributed__StateFolder="az://bench-state-$suffix" BatchFcn__Distributed__ResultsFolder="az://bench-results-$suffix" \
  BatchFcn__Distributed__InputsFolder="az://bench-inputs-$suffix"
dotnet "$cli" worker --concurrent-tiles "${1:-8}" >"$work/worker.log" 2>&1 &
worker=$!
sleep 8
dotnet "$cli" submit --image "$work/demo/demo-slide-2048.tif" --model "$model" --tile 128 --tissue off --scan-id warm --wait >/dev/null 2>&1
start=$(date +%s.%N)
dotnet "$cli" submit --image "$work/slides" --model "$model" --tile 128 --tissue off --scan-id cohort --wait >"$work/submit.log" 2>&1
end=$(date +%s.%N)
tiles=$(dotnet "$cli" status cohort-1 | cut -f3 | cut -d/ -f2 | cut -d' ' -f1)
python3 -c "w=$end-$start; n=12*$tiles; print(f'cohort: 12 scans x $tiles tiles = {n} tiles in {w:.1f} s: {n/w:.0f} tiles/s, {1000*w/n:.1f} ms per tile end to end')"
start=$(date +%s.%N)
for i in 1 2 3; do rm -rf "$work/run"; dotnet "$cli" run --image "$work/slides/s1.tif" --model "$model" --tile 128 --tissue off --out "$work/run" >/dev/null 2>&1; done
end=$(date +%s.%N)
python3 -c "
import json; s=json.load(open('$work/run/summary.json')); t=s['timings']['wallSeconds']; n=s['tiles']['computed']
print(f'run, one slide: {n} tiles in {t:.2f} s in-scan ({1000*t/n:.1f} ms per tile), {($end-$start)/3:.2f} s per process')"
