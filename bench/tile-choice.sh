#!/usr/bin/env bash
# Is the default tile size and cut (chosen by measured run costs) as fast as the best fixed choice?
#
#   bench/tile-choice.sh SLIDE ROUNDS MODEL [MODEL ...]
#
# For each model, on SLIDE (an 8192² tissue TIFF: ./batchfcn demo --size 8192 makes one), with --tissue off: one cold
# default run first (it calibrates; the calibration's seconds are reported), then ROUNDS rounds of every configuration
# in turn (A B C D E, A B C D E, ...): the default; --tile 1024, 2048 and 4096 with --split off; and the automatic choice
# by planned FLOPs alone (BatchFcn__Node__Calibrate=false, the previous default, which may cut the network). Prints each
# configuration's median whole-process wall seconds and the default's ratio to the best fixed one, and the converted
# network's best in-memory throughput (from the calibration) against the default run's.
# Uses the Release CLI build (./build.sh build first). Keep the machine otherwise idle.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
slide="$1" rounds="$2"; shift 2
cli=(dotnet "$root/src/BatchFcn.Cli/bin/Release/net10.0/batchfcn.dll")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export BatchFcn__Node__CacheDirectory="$work/cache"

configs=(default tile1024 tile2048 tile4096 flops)
args_for() {
  case "$1" in
    default) echo "" ;;
    tile*) echo "--tile ${1#tile} --split off" ;;
    flops) echo "" ;;
  esac
}

# run MODEL CONFIG: prints the whole process's wall seconds
run() {
  local model="$1" config="$2" start end
  local -a extra
  read -r -a extra <<<"$(args_for "$config")"
  start=$(date +%s.%N)
  if [[ "$config" == flops ]]; then
    BatchFcn__Node__Calibrate=false "${cli[@]}" run --image "$slide" --model "$model" --out "$work/out" --tissue off --overwrite "${extra[@]}" >"$work/last.log" 2>&1
  else
    "${cli[@]}" run --image "$slide" --model "$model" --out "$work/out" --tissue off --overwrite "${extra[@]}" >"$work/last.log" 2>&1
  fi
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

printf '%-28s %9s %9s %9s %9s %9s %12s %10s %12s\n' network default tile1024 tile2048 tile4096 flops "default/best" calib_s "run/in-mem"
for model in "$@"; do
  name="$(basename "$model" .onnx)"
  cold=$(run "$model" default)
  calibration=$(sed -n 's/.*Calibrated tile costs in \([0-9.]*\) s.*/\1/p' "$work/last.log" | head -1)
  choice=$(sed -n 's/.*Tiles: \(.*\), by predicted seconds.*/\1/p' "$work/last.log" | head -1)
  declare -A times=()
  for ((r = 0; r < rounds; r++)); do
    for c in "${configs[@]}"; do
      times[$c]+="$(run "$model" "$c") "
    done
  done
  declare -A med=()
  for c in "${configs[@]}"; do
    med[$c]=$(tr ' ' '\n' <<<"${times[$c]}" | grep . | median)
  done
  best=$(printf '%s\n' "${med[tile1024]}" "${med[tile2048]}" "${med[tile4096]}" "${med[flops]}" | sort -g | head -1)
  # In-memory yardstick: the calibration's fastest measured run of the whole network (pixels per second), over the
  # slide's pixels, against the default run's whole-process wall.
  inmem=$(python3 - "$work/cache" <<'PY'
import glob, json, sys
best = 0
for f in glob.glob(sys.argv[1] + "/calibration/*.json"):
    for p in json.load(open(f))["whole"]["points"]:
        best = max(best, p["pixels"] / p["seconds"])
print(best)
PY
)
  pixels=$(sed -n 's/.*scanned \([0-9]*\)x\([0-9]*\) px.*/\1 * \2/p' "$work/last.log" | head -1 | bc)
  ratio_mem=$(echo "($pixels / $inmem) / ${med[default]}" | bc -l)
  printf '%-28s %9.2f %9.2f %9.2f %9.2f %9.2f %12.3f %10s %12.2f\n' "$name" "${med[default]}" "${med[tile1024]}" "${med[tile2048]}" "${med[tile4096]}" "${med[flops]}" \
    "$(echo "${med[default]} / $best" | bc -l)" "${calibration:-cached}" "$ratio_mem"
  echo "    default chose: ${choice:-?}; cold first run (with calibration) ${cold}s; in-memory best $(printf '%.1f' "$(echo "$inmem / 1000000" | bc -l)") Mpx/s"
  unset times med
  rm -rf "$work/cache"
done
