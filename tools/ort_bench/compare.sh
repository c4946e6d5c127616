#!/usr/bin/env bash
# compare.sh: seam vs ONNX Runtime on the same ONNX models and thread counts.
#
#   [BACKENDS="onednn xnnpack"] bash tools/ort_bench/compare.sh [BUILD_DIR] [MODELS] [RUNS]
#
# Exports torchvision models to ONNX (tools/convert/export_torchvision.py,
# Debian's python3-torch), converts them with `seam convert`, then measures
# `seam bench` on each of $BACKENDS and ONNX Runtime
# (onnxruntime-node, installed here on first use with --ignore-scripts) at 1
# and 2 threads, interleaved per model so machine noise hits all alike. Prints
# a markdown table of medians (ms) and the seam/ORT ratios.
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
printf '| model | threads | ORT ms |'
for b in $backends; do printf ' seam %s ms | %s / ORT |' "$b" "$b"; done
printf '\n|---|---|---|'
for b in $backends; do printf -- '---|---|'; done
printf '\n'
for m in ${models//,/ }; do
  "$seam" convert "$work/$m.onnx" -o "$work/$m.seam" >/dev/null
  shape=$("$python" -c "import numpy; print(','.join(map(str, numpy.load('$work/$m.in0.npy').shape)))")
  for t in 1 2; do
    ort=$(node "$root/tools/ort_bench/ort_bench.js" "$work/$m.onnx" --shape "$shape" --threads "$t" \
          --runs "$runs" --warmup 3 | sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p')
    printf '| %s | %s | %.2f |' "$m" "$t" "$ort"
    for b in $backends; do
      ms=$("$seam" bench "$work/$m.seam" --backend "$b" --threads "$t" --runs "$runs" --warmup 3 --json |
           sed -n 's/.*"median_ms": *\([0-9.]*\).*/\1/p')
      printf ' %.2f | %.2f |' "$ms" "$(echo "$ms / $ort" | bc -l)"
    done
    printf '\n'
  done
done
