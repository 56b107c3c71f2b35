#!/usr/bin/env bash
# One warm worker through the queue (`submit --wait`) against `run` on the same slide, alternated A B A B (5 pairs),
# whole-process wall seconds; prints each side's median and the median of the pair ratios A/B.
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
# wall COMMAND...: whole-process wall seconds
wall() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

a_times=() b_times=() ratios=()
wall dotnet "$cli" submit --image "$slide" --model "$model" --tissue off --wait >/dev/null # warm-up (uploads the inputs)
for pair in 1 2 3 4 5; do
  a=$(wall dotnet "$cli" submit --image "$slide" --model "$model" --tissue off --wait)
  rm -rf "$work/run"
  b=$(wall dotnet "$cli" run --image "$slide" --model "$model" --out "$work/run" --tissue off)
  a_times+=("$a") b_times+=("$b") ratios+=("$(echo "$a / $b" | bc -l)")
  echo "pair $pair: submit --wait $(printf '%.2f' "$a") s, run $(printf '%.2f' "$b") s"
done
echo "A = submit --wait through one warm worker: median $(printf '%s\n' "${a_times[@]}" | median) s"
echo "B = run: median $(printf '%s\n' "${b_times[@]}" | median) s"
echo "A/B paired median: $(printf '%s\n' "${ratios[@]}" | median)"
