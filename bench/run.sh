#!/usr/bin/env bash
# The executor: `zoo run` against onnxruntime (bench/ort_run.py) on five networks of the zoo,
# batch 1, one and two threads. Usage: bench/run.sh [path/to/zoo] (`make bench` builds in release
# and makes the venv first).
#
# Each model is `zoo convert NAME --seed 1`, made once per run; both tools read the same input
# (standard normal, seed 1). Each row times zoo and then onnxruntime back to back, so both see
# the same machine state: one warm-up (zoo: its first run), then RUNS timed runs (default 20; VGG16_RUNS, default 5,
# for VGG-16 at one thread), median and minimum latency, and the peak RSS of that process (GNU
# time). A profiling run at two threads gives zoo's time per op kind, and `zoo verify` of VGG-16
# against itself is timed wall clock (median of VERIFY_RUNS, default 3). Results replace the
# "Executor" section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=$(realpath "${1:-.build/release/zoo}")
python=${PYTHON:-.venv/bin/python}
runs=${RUNS:-20}
vgg16_runs=${VGG16_RUNS:-5}
verify_runs=${VERIFY_RUNS:-3}
models=(resnet18 resnet50 vgg16 mobilenet googlenet)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/measure.sh
. bench/measure.sh

start=$SECONDS
input=$work/input.npy
for model in "${models[@]}"; do
  "$zoo" convert "$model" "$work/$model.onnx" --seed 1 >/dev/null 2>&1
done
# Every model takes a 1 x 3 x 224 x 224 input: one file serves them all.
"$python" bench/ort_run.py --draw-input "$work/resnet18.onnx" "$input"
cat "$work/vgg16.onnx" >/dev/null  # warm the page cache

rows=""
breakdowns=""
declare -A ratio
for model in "${models[@]}"; do
  file=$work/$model.onnx
  for threads in 1 2; do
    n=$runs
    [ "$model" = vgg16 ] && [ "$threads" = 1 ] && n=$vgg16_runs
    timed "$zoo" run "$file" --input "$input" --threads "$threads" --repeat "$n"
    zoo_median=$median zoo_min=$min zoo_rss=$rss
    live=$(sed -n 's/^peak live values: //p' "$work/out")
    timed "$python" bench/ort_run.py "$file" "$threads" "$n" "$input"
    ort_median=$median ort_min=$min ort_rss=$rss
    ratio[$model/$threads]=$(awk -v a="$zoo_median" -v b="$ort_median" 'BEGIN { printf "%.2f", a / b }')
    rows+="| $model | $threads | $n | $zoo_median ($zoo_min) | $ort_median ($ort_min) | ${ratio[$model/$threads]} | $zoo_rss | $ort_rss | $live |"$'\n'
    echo "$model, $threads thread(s), $n runs: zoo $zoo_median ms, onnxruntime $ort_median ms" >&2
  done
  timed "$zoo" run "$file" --input "$input" --threads 2 --repeat "$runs" --profile
  breakdowns+="$model (median $median ms in this profiling run):"$'\n\n'"\`\`\`"$'\n'
  breakdowns+="$(sed -n '/^op  /,$p' "$work/err")"$'\n'"\`\`\`"$'\n\n'
done

# verify: load both models, run both, compare every layer; checked once, then timed.
"$zoo" verify "$work/vgg16.onnx" "$work/vgg16.onnx" >"$work/verify" 2>&1 || { cat "$work/verify" >&2; exit 1; }
verify_ms=$(runs=$verify_runs median_ms "$zoo" verify "$work/vgg16.onnx" "$work/vgg16.onnx")
verify_rss=$(peak_rss_mib "$zoo" verify "$work/vgg16.onnx" "$work/vgg16.onnx")
verify_line=$(grep -m 1 '^compared ' "$work/verify" || true)

# goal MODEL FACTOR: whether zoo's median at two threads is within FACTOR of onnxruntime's.
goal() {
  awk -v r="${ratio[$1/2]}" -v f="$2" -v m="$1" 'BEGIN { printf "%s %.2fx (%s)", m, r, (r <= f ? "met" : "not met") }'
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

Models are \`zoo convert NAME NAME.onnx --seed 1\`, batch 1; both tools read the same
standard-normal input (seed 1). Each row runs \`zoo run NAME.onnx --threads T --repeat N\` and
then onnxruntime (intra_op_num_threads=T, inter_op_num_threads=1, sequential execution, every
graph optimization) back to back: one warm-up, then N timed runs (N = $runs; $vgg16_runs for VGG-16 at
one thread), median with the minimum in parentheses. Peak RSS is GNU time's for the whole
process, model loading included; onnxruntime's includes the Python interpreter. Peak live
values is zoo's own count of the intermediate values alive at once (weights excluded).

| model | threads | N | zoo median ms (min) | ORT median ms (min) | ratio zoo/ORT | zoo peak RSS (MiB) | ORT peak RSS (MiB) | zoo peak live values |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
$rows
Goal (from the issue): within 2x of onnxruntime on ResNet-50 and VGG-16 and within 3x on
MobileNet, with two threads. This run: $(goal resnet50 2), $(goal vgg16 2), $(goal mobilenet 3).

\`zoo verify vgg16.onnx vgg16.onnx\` (both models loaded and run, every layer compared; the issue
wants about a second): $verify_ms ms wall clock, process start included (median of $verify_runs),
peak RSS $verify_rss MiB; ${verify_line:-no summary line}.

Where zoo's time goes, per op kind: \`zoo run NAME.onnx --threads 2 --repeat $runs --profile\`
(same input, a separate run after the timed ones; "ms per run" is the mean over the runs, the
run's median latency is beside each name).

$breakdowns
MD
)

replace_section BENCHMARKS.md "Executor" "$section"
echo "$section"
