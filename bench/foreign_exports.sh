#!/usr/bin/env bash
# Foreign exports: the tf2onnx export of Keras's ResNet-50 (bench/tf2onnx_export.py ResNet50: batch
# norms as per-channel Mul + Add after biased convs) against zoo's own ResNet-50 conversion
# (`zoo convert resnet50 --seed 1`) in `zoo run`, with onnxruntime on both in the same run, batch
# 1, one and two threads. Usage: bench/foreign_exports.sh [path/to/zoo] (needs .venv and .venv-tf).
#
# Each row times zoo, then onnxruntime, back to back (bench/run.sh's method: one warm-up, RUNS
# timed runs, default 20; median and minimum). A profiling run of the export shows the steps zoo
# runs after its graph rewriting. Results replace the "Foreign exports" section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=$(realpath "${1:-.build/release/zoo}")
python=${PYTHON:-.venv/bin/python}
python_tf=${PYTHON_TF:-.venv-tf/bin/python}
runs=${RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/measure.sh
. bench/measure.sh

start=$SECONDS
"$python_tf" bench/tf2onnx_export.py ResNet50 "$work/tf2onnx.onnx" >/dev/null 2>"$work/tf.log" || { cat "$work/tf.log" >&2; exit 1; }
"$zoo" convert resnet50 "$work/own.onnx" --seed 1 >/dev/null 2>&1
for model in tf2onnx own; do
  "$python" bench/ort_run.py --draw-input "$work/$model.onnx" "$work/$model.npy"
done
params=$("$zoo" analyze "$work/tf2onnx.onnx" --format json | "$python" -c 'import json, sys; print("{:,}".format(json.load(sys.stdin)["totals"]["params"]["total"]))')

rows=""
declare -A zoo_ms
for threads in 1 2; do
  for model in own tf2onnx; do
    against_onnxruntime "$model" "$work/$model.onnx" "$work/$model.npy" "$threads"
    zoo_ms[$model/$threads]=$zoo_median
  done
done
timed "$zoo" run "$work/tf2onnx.onnx" --input "$work/tf2onnx.npy" --threads 2 --repeat "$runs" --profile
profile=$(sed -n '/^op  /,/^slowest/p' "$work/err" | sed '$d')
export_ratio() {
  awk -v a="${zoo_ms[tf2onnx/$1]}" -v b="${zoo_ms[own/$1]}" 'BEGIN { printf "%.2fx", a / b }'
}
verdict=$(awk -v a="${zoo_ms[tf2onnx/2]}" -v b="${zoo_ms[own/2]}" 'BEGIN { print (a / b <= 1.2 ? "met" : "not met") }')
commit=$(zoo_commit)
elapsed=$((SECONDS - start))

section=$(cat <<MD
## Foreign exports

\`bench/foreign_exports.sh\` ($(date -u +%Y-%m-%d); the script took ${elapsed} s), zoo at $commit,
$(one_run_note)

\`tf2onnx\` is \`bench/tf2onnx_export.py ResNet50\`: Keras's ResNet-50 with seeded nonzero weights, exported
by tf2onnx 1.17 at opset 13 (NHWC input, every batch norm a per-channel Mul and Add after its
conv; zoo counts $params parameters, every float the file stores). \`own\` is
\`zoo convert resnet50 --seed 1\`. Batch 1, $runs timed runs after one warm-up, median (min) in ms.

| model | threads | zoo | onnxruntime | zoo / onnxruntime |
|---|---:|---:|---:|---:|
$rows
The export against zoo's own conversion in \`zoo run\`: $(export_ratio 1) at one thread, $(export_ratio 2) at
two (goal: within 1.2x at two threads, $verdict).

The export's steps after zoo's rewriting (\`zoo run --threads 2 --profile\`):

\`\`\`
$profile
\`\`\`
MD
)

replace_section BENCHMARKS.md "Foreign exports" "$section"
echo "$section"
