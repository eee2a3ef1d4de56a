#!/usr/bin/env bash
# The executor: `zoo run` against onnxruntime (bench/ort_run.py) on eight CNNs, batch 1 and 8, one
# and two threads. Usage: bench/run.sh [path/to/zoo] (`make bench` builds in release and makes
# both venvs first).
#
# Six models are `zoo convert NAME --seed 1` of the zoo's specs; two are tf2onnx exports of
# Keras applications with seeded weights (bench/tf2onnx_export.py, in .venv-tf), as TensorFlow
# users bring them. Each is made once per run. Both tools read the same input per model and
# batch (standard normal, seed 1). Each row times zoo and then onnxruntime back to back, so both
# see the same machine state: one warm-up (zoo: its first run), then N timed runs (RUNS, default
# 20, at batch 1; BATCH8_RUNS, default 5, at batch 8; VGG16_RUNS, default 5, for VGG-16 at one
# thread), median and minimum latency, the peak RSS of that process (GNU time), and zoo's
# GFLOP/s (the model's FLOPs by zoo's rules times the batch, over the median). The machine's
# sgemm peak (bench/sgemm_peak.py, NumPy's OpenBLAS) and its ceiling for multiply-adds alone
# (bench/fma_peak.c, built with $CC or cc) are measured in the same run. A profiling
# run at two threads, batch 1, gives zoo's time per op and kernel, and `zoo verify` of VGG-16
# against itself is timed wall clock (median of VERIFY_RUNS, default 3). Results replace the
# "Executor" section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=$(realpath "${1:-.build/release/zoo}")
python=${PYTHON:-.venv/bin/python}
python_tf=${PYTHON_TF:-.venv-tf/bin/python}
runs=${RUNS:-20}
batch8_runs=${BATCH8_RUNS:-5}
vgg16_runs=${VGG16_RUNS:-5}
verify_runs=${VERIFY_RUNS:-3}
specs=(resnet18 resnet50 vgg16 mobilenet mobilenetv2 googlenet)
declare -A applications=([efficientnetb0]=EfficientNetB0 [mobilenetv3small]=MobileNetV3Small)
models=("${specs[@]}" efficientnetb0 mobilenetv3small)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/measure.sh
. bench/measure.sh

start=$SECONDS
for model in "${specs[@]}"; do
  "$zoo" convert "$model" "$work/$model.onnx" --seed 1 >/dev/null 2>&1
done
for model in efficientnetb0 mobilenetv3small; do
  "$python_tf" bench/tf2onnx_export.py "${applications[$model]}" "$work/$model.onnx" >/dev/null 2>"$work/tf.log" || { cat "$work/tf.log" >&2; exit 1; }
done
declare -A flops
for model in "${models[@]}"; do
  flops[$model]=$("$zoo" analyze "$work/$model.onnx" --format json | "$python" -c 'import json, sys; print(json.load(sys.stdin)["totals"]["flops"])')
  for batch in 1 8; do
    "$python" bench/ort_run.py --draw-input "$work/$model.onnx" "$work/$model.$batch.npy" "$batch"
  done
done
cat "$work/vgg16.onnx" >/dev/null  # warm the page cache
peak1=$("$python" bench/sgemm_peak.py 1)
peak2=$("$python" bench/sgemm_peak.py 2)
"${CC:-cc}" -O2 -pthread bench/fma_peak.c -o "$work/fma_peak"
fma1=$("$work/fma_peak" 1)
fma2=$("$work/fma_peak" 2)

rows=""
breakdowns=""
declare -A ratio
worst=0
for model in "${models[@]}"; do
  file=$work/$model.onnx
  for batch in 1 8; do
    input=$work/$model.$batch.npy
    for threads in 1 2; do
      n=$runs
      [ "$batch" = 8 ] && n=$batch8_runs
      [ "$model" = vgg16 ] && [ "$threads" = 1 ] && n=$vgg16_runs
      timed "$zoo" run "$file" --input "$input" --threads "$threads" --repeat "$n"
      zoo_median=$median zoo_min=$min zoo_rss=$rss
      live=$(sed -n 's/^peak live values: //p' "$work/out")
      timed "$python" bench/ort_run.py "$file" "$threads" "$n" "$input"
      ort_median=$median ort_min=$min ort_rss=$rss
      key=$model/$batch/$threads
      ratio[$key]=$(awk -v a="$zoo_median" -v b="$ort_median" 'BEGIN { printf "%.2f", a / b }')
      worst=$(awk -v a="$worst" -v b="${ratio[$key]}" 'BEGIN { print (b > a ? b : a) }')
      rate=$(awk -v f="${flops[$model]}" -v b="$batch" -v ms="$zoo_median" 'BEGIN { printf "%.0f", f * b / ms / 1e6 }')
      rows+="| $model | $batch | $threads | $n | $zoo_median ($zoo_min) | $ort_median ($ort_min) | ${ratio[$key]} | $rate | $zoo_rss | $ort_rss | $live |"$'\n'
      echo "$model, batch $batch, $threads thread(s), $n runs: zoo $zoo_median ms, onnxruntime $ort_median ms" >&2
    done
  done
  timed "$zoo" run "$file" --input "$work/$model.1.npy" --threads 2 --repeat "$runs" --profile
  breakdowns+="$model (median $median ms in this profiling run):"$'\n\n'"\`\`\`"$'\n'
  breakdowns+="$(sed -n '/^load: /,$p' "$work/err")"$'\n'"\`\`\`"$'\n\n'
done

# verify: load both models, run both, compare every layer; checked once, then timed.
"$zoo" verify "$work/vgg16.onnx" "$work/vgg16.onnx" >"$work/verify" 2>&1 || { cat "$work/verify" >&2; exit 1; }
verify_ms=$(runs=$verify_runs median_ms "$zoo" verify "$work/vgg16.onnx" "$work/vgg16.onnx")
verify_rss=$(peak_rss_mib "$zoo" verify "$work/vgg16.onnx" "$work/vgg16.onnx")
verify_line=$(grep -m 1 '^compared ' "$work/verify" || true)

# goal MODEL FACTOR: whether zoo's median at batch 1 and two threads is within FACTOR of onnxruntime's.
goal() {
  awk -v r="${ratio[$1/1/2]}" -v f="$2" -v m="$1" 'BEGIN { printf "%s %.2fx (%s)", m, r, (r <= f ? "met" : "not met") }'
}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- Sources Package.swift 2>/dev/null)" ] && commit+=" plus uncommitted changes to Sources/"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
ort_version=$("$python" -c 'import onnxruntime; print(onnxruntime.__version__)')
elapsed=$((SECONDS - start))

section=$(cat <<MD
## Executor

\`bench/run.sh\` ($(date -u +%Y-%m-%d); the script took ${elapsed} s).
zoo: release build of $commit.
onnxruntime $ort_version through \`bench/ort_run.py\`.
Machine: $(nproc) shared cores ($cpu). One run of the script: every ratio comes from that one
run, and the same figure can move 2-7x between runs on these machines (docs/PLATFORM.md).

Models: the zoo's specs as \`zoo convert NAME NAME.onnx --seed 1\` (resnet18 to googlenet) and
the tf2onnx exports of Keras's EfficientNetB0 and MobileNetV3Small with seeded weights
(\`bench/tf2onnx_export.py\`). Both tools read the same standard-normal input (seed 1) per model
and batch. Each row runs \`zoo run NAME.onnx --threads T --repeat N\` and then onnxruntime
(intra_op_num_threads=T, inter_op_num_threads=1, sequential execution, every graph
optimization) back to back: one warm-up, then N timed runs (N = $runs at batch 1, $batch8_runs at batch 8;
$vgg16_runs for VGG-16 at one thread), median with the minimum in parentheses. zoo GFLOP/s is the
model's FLOPs (\`zoo analyze\`, zoo's rules) times the batch over zoo's median; the machine's
sgemm peak in this run (NumPy's OpenBLAS, 2048 x 2048, best of 10) was $peak1 GFLOP/s on one
thread and $peak2 on two, and its ceiling for fused multiply-adds alone (\`bench/fma_peak.c\`: the
widest vectors, nothing loaded) $fma1 and $fma2. Winograd's layers are counted at the direct
convolution's FLOPs, so a model can pass the sgemm figure. Peak RSS is GNU time's for the whole process, model loading included;
onnxruntime's includes the Python interpreter. Peak live values is zoo's own count of the
intermediate values alive at once (weights excluded).

| model | batch | threads | N | zoo median ms (min) | ORT median ms (min) | ratio zoo/ORT | zoo GFLOP/s | zoo peak RSS (MiB) | ORT peak RSS (MiB) | zoo peak live values |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$rows
Goal (issue 12): zoo's median at most 1.0x onnxruntime's on every row, and at most 0.9x on
ResNet-50 and MobileNet v1 at two threads. This run: the largest ratio is $worst;
$(goal resnet50 0.9), $(goal mobilenet 0.9) (batch 1).

\`zoo verify vgg16.onnx vgg16.onnx\` (both models loaded and run, every layer compared; the issue
wants about a second): $verify_ms ms wall clock, process start included (median of $verify_runs),
peak RSS $verify_rss MiB; ${verify_line:-no summary line}.

Where zoo's time goes: \`zoo run NAME.onnx --threads 2 --repeat $runs --profile\` at batch 1
(a separate run after the timed ones): the load (reading, then preparing: shapes, fusion,
filters packed), then per op and kernel and for the slowest steps the median ms per run and
GFLOP/s (Winograd's counted as the direct convolution's FLOPs).

$breakdowns
MD
)

replace_section BENCHMARKS.md "Executor" "$section"
echo "$section"
