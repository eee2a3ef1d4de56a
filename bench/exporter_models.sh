#!/usr/bin/env bash
# The new kernels on exporter-style graphs at a realistic size: the YOLOv8-style detector at
# 640x640 (Resize nearest, Split, Concat, Sigmoid * Mul, Reshape, Transpose, Softmax) and the
# U-Net at 512x512 (ConvTranspose, Resize linear, Concat) of fixtures/onnx/exporter_models.py,
# written by bench/exporter_models.py, in `zoo run` against onnxruntime in the same run, batch 1,
# one and two threads. Usage: bench/exporter_models.sh [path/to/zoo] (needs .venv).
#
# Each row times zoo, then onnxruntime, back to back (bench/run.sh's method: one warm-up, RUNS
# timed runs, default 10; median and minimum). A profiling run of each at two threads shows the
# time per op kind, beside onnxruntime's profile per op type (bench/ort_profile.py). Results
# replace the "Exporter models" section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=$(realpath "${1:-.build/release/zoo}")
python=${PYTHON:-.venv/bin/python}
runs=${RUNS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/measure.sh
. bench/measure.sh

start=$SECONDS
"$python" bench/exporter_models.py "$work"
rows="" profiles=""
for model in yolo_head unet; do
  "$python" bench/ort_run.py --draw-input "$work/$model.onnx" "$work/$model.npy"
  for threads in 1 2; do
    against_onnxruntime "$model" "$work/$model.onnx" "$work/$model.npy" "$threads"
  done
  timed "$zoo" run "$work/$model.onnx" --input "$work/$model.npy" --threads 2 --repeat "$runs" --profile
  profiles+="$model, zoo:"$'\n'"$(sed -n '/^op  /,/^slowest/p' "$work/err" | sed '$d')"$'\n\n'
  profiles+="$model, onnxruntime:"$'\n'"$("$python" bench/ort_profile.py "$work/$model.onnx" "$work/$model.npy" 2 "$runs")"$'\n\n'
done
commit=$(zoo_commit)
elapsed=$((SECONDS - start))

section=$(cat <<MD
## Exporter models

\`bench/exporter_models.sh\` ($(date -u +%Y-%m-%d); the script took ${elapsed} s), zoo at $commit,
$(one_run_note)

\`yolo_head\` is the YOLOv8-style detector of \`fixtures/onnx/exporter_models.py\` at 640x640 (width 16,
80 classes), \`unet\` its U-Net at 512x512 (width 16), both as PyTorch's exporter writes them at
opset 17. Batch 1, $runs timed runs after one warm-up, median (min) in ms; goal: the new kernels no
slower than 2x onnxruntime.

| model | threads | zoo | onnxruntime | zoo / onnxruntime |
|---|---:|---:|---:|---:|
$rows
Where the time goes at two threads, per op type: zoo's steps after its rewriting (\`zoo run
--threads 2 --profile\`), then onnxruntime's nodes after its own (bench/ort_profile.py: FusedConv
is a conv with its activation, QuickGelu the x * sigmoid(x) it fuses, Upsample its nearest
Resize):

\`\`\`
$profiles\`\`\`
MD
)

replace_section BENCHMARKS.md "Exporter models" "$section"
echo "$section"
