#!/usr/bin/env bash
# compare.sh: seam vs ONNX Runtime on the same ONNX models and thread counts.
#
#   [BACKENDS="onednn xnnpack"] [ROUNDS=3] bash tools/ort_bench/compare.sh [BUILD_DIR] [MODELS] [RUNS]
#
# Exports torchvision models to ONNX (tools/convert/export_torchvision.py,
# Debian's python3-torch), converts them with `seam convert`, then measures
# `seam bench` on each of $BACKENDS and ONNX Runtime
# (onnxruntime-node, installed here on first use with --ignore-scripts) at 1
# and 2 threads, interleaved in $ROUNDS rounds so machine noise hits all alike.
# Prints a markdown table of the median of the rounds' medians (ms) and the
# seam/ORT ratios; each round's figures go to stderr.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
models=${2:-resnet50,mobilenet_v2,vgg16,densenet121,googlenet}
runs=${3:-20}
seam=$build/tools/seam
work=$build/ort_compare
mkdir -p "$work"
python=/usr/bin/python3
if [[ ! -d "$root/tools/ort_bench/node_modules/onnxruntime-node" ]]; then
  npm install --prefix "$root/tools/ort_bench" --ignore-scripts --no-save onnxruntime-node@1.20.1 >&2
fi
"$python" "$root/tools/convert/export_torchvision.py" --out "$work" --models "$models" >&2

backends=${BACKENDS:-onednn xnnpack}
rounds=${ROUNDS:-3}
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ort_ms() {
  node "$root/tools/ort_bench/ort_bench.js" "$work/$1.onnx" --shape "$2" --threads "$3" \
    --runs "$runs" --warmup 3 | sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p'
}
seam_ms() {
  "$seam" bench "$work/$1.seam" --backend "$2" --threads "$3" --runs "$runs" --warmup 3 --json |
    sed -n 's/.*"median_ms": *\([0-9.]*\).*/\1/p'
}
printf '| model | threads | ORT ms |'
for b in $backends; do printf ' seam %s ms | %s / ORT |' "$b" "$b"; done
printf '\n|---|---|---|'
for b in $backends; do printf -- '---|---|'; done
printf '\n'
for m in ${models//,/ }; do
  "$seam" convert "$work/$m.onnx" -o "$work/$m.seam" >/dev/null
  shape=$("$python" -c "import numpy; print(','.join(map(str, numpy.load('$work/$m.in0.npy').shape)))")
  for t in 1 2; do
    # $rounds rounds, each running ORT and every backend back to back, so a
    # noisy moment hits all runners alike; the table shows the median of the
    # rounds' medians, and every round's figures go to stderr.
    declare -A samples=()
    for ((r = 1; r <= rounds; ++r)); do
      samples[ort]+="$(ort_ms "$m" "$shape" "$t") "
      for b in $backends; do samples[$b]+="$(seam_ms "$m" "$b" "$t") "; done
    done
    for k in ort $backends; do echo "$m threads=$t $k rounds: ${samples[$k]}" >&2; done
    ort=$(tr ' ' '\n' <<<"${samples[ort]}" | grep . | median)
    printf '| %s | %s | %.2f |' "$m" "$t" "$ort"
    for b in $backends; do
      ms=$(tr ' ' '\n' <<<"${samples[$b]}" | grep . | median)
      printf ' %.2f | %.2f |' "$ms" "$(echo "$ms / $ort" | bc -l)"
    done
    printf '\n'
    unset samples
  done
done
