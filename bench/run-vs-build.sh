#!/usr/bin/env bash
# `run` of this checkout against `run` of another commit on the same slide, alternated new, old, new, old … (7 pairs
# by default), whole-process wall seconds; prints each side's median and the median of the pair ratios new/old.
# Both CLIs are built the same way (dotnet build -c Release); a git worktree of OLD is made and removed here.
#
#   bench/run-vs-build.sh OLD_COMMIT [SIZE] [-- RUN OPTIONS…]
#     OLD_COMMIT  e.g. 019fdbd (before plan/tile/finalize became services over a blob store)
#     SIZE        the demo slide's side (default 16384)
#     RUN OPTIONS added to both runs after --tissue off, e.g. -- --tile 1870 --split off to compare the same tiles
# PAIRS=N sets the number of pairs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
old_commit="${1:?usage: bench/run-vs-build.sh OLD_COMMIT [SIZE] [-- RUN OPTIONS]}"
shift
size=16384
if [[ $# -gt 0 && "$1" != "--" ]]; then size="$1"; shift; fi
if [[ $# -gt 0 && "$1" == "--" ]]; then shift; fi
extra=("$@")
pairs="${PAIRS:-7}"
work="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$work/old-src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
dotnet build src/BatchFcn.Cli -c Release -o "$work/new" -nologo -v q >/dev/null
git worktree add --detach "$work/old-src" "$old_commit" >/dev/null 2>&1
dotnet build "$work/old-src/src/BatchFcn.Cli" -c Release -o "$work/old" -nologo -v q >/dev/null
model=models/demo/lesion_classifier.onnx
dotnet "$work/new/batchfcn.dll" demo --size "$size" --out "$work/demo" >/dev/null
slide="$work/demo/demo-slide-$size.tif"
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.hugetlb=1}" # as ./batchfcn sets it

# wall CLI_DIR: whole-process wall seconds of one run into a fresh folder
wall() {
  local start end
  rm -rf "$work/out"
  start=$(date +%s.%N)
  dotnet "$1/batchfcn.dll" run --image "$slide" --model "$model" --out "$work/out" --tissue off "${extra[@]}" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

wall "$work/new" >/dev/null # warm-up: the new build measures the node once and caches it
wall "$work/old" >/dev/null
new_times=() old_times=() ratios=()
for ((pair = 1; pair <= pairs; pair++)); do
  n=$(wall "$work/new")
  o=$(wall "$work/old")
  new_times+=("$n") old_times+=("$o") ratios+=("$(echo "$n / $o" | bc -l)")
  printf 'pair %d: new %.2f s, old %.2f s, new/old %.3f\n' "$pair" "$n" "$o" "${ratios[-1]}"
done
printf 'median: new %.2f s, old %.2f s; paired new/old %.3f (%d pairs, %s² demo slide%s)\n' \
  "$(printf '%s\n' "${new_times[@]}" | median)" "$(printf '%s\n' "${old_times[@]}" | median)" \
  "$(printf '%s\n' "${ratios[@]}" | median)" "$pairs" "$size" "${extra[*]:+, run options: ${extra[*]}}"
