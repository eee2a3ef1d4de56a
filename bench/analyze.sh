#!/usr/bin/env bash
# Analysis speed of `zoo analyze`, process start included, and how it scales with the number of
# layers. Usage: bench/analyze.sh [path/to/zoo]  (`make bench` builds in release first).
#
# Every figure is the median of RUNS wall-clock runs (default 21) on this machine, measured in
# one run of this script; the baseline `zoo --version` is the process-start floor the same run
# pays. Results replace the "Analysis" section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=$(realpath "${1:-.build/release/zoo}")
runs=${RUNS:-21}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/measure.sh
. bench/measure.sh

# A chain of `blocks` conv + batch norm + ReLU blocks on a 64x56x56 input: 3 layers a block.
chain_spec() {
  local blocks=$1 file=$work/chain$1.yaml
  {
    echo "name: chain$blocks"
    echo "input: [64, 56, 56]"
    echo "blocks:"
    echo "  cbr:"
    echo "    params: []"
    echo "    layers:"
    echo "      - conv: {op: conv, filters: 64, kernel: 3, pad: 1, bias: false}"
    echo "      - bn: {op: batchnorm}"
    echo "      - relu"
    echo "layers:"
    echo "  - stage: {block: cbr, repeat: $blocks}"
  } >"$file"
  echo "$file"
}

baseline=$(median_ms "$zoo" --version)
rows=""
for network in lenet5 alexnet vgg16 googlenet resnet18 resnet50 mobilenetv2; do
  layers=$("$zoo" analyze "$network" --format csv | tail -n +2 | wc -l)
  table=$(median_ms "$zoo" analyze "$network")
  json=$(median_ms "$zoo" analyze "$network" --format json)
  rss=$(peak_rss_mib "$zoo" analyze "$network")
  rows+="| \`zoo analyze $network\` | $layers | $table | $json | $rss |"$'\n'
done

scaling=""
for blocks in 250 500 1000 2000 4000; do
  spec=$(chain_spec "$blocks")
  layers=$((blocks * 3))
  time=$(median_ms "$zoo" analyze "$spec" --format json)
  per_layer=$(awk -v t="$time" -v b="$baseline" -v n="$layers" 'BEGIN { printf "%.1f", (t - b) * 1000 / n }')
  scaling+="| $layers | $time | $per_layer |"$'\n'
done

section=$(cat <<MD
## Analysis

\`bench/analyze.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, release build, median of $runs runs,
wall clock with process start; the baseline \`zoo --version\` took $baseline ms in the same run).
No peer tool analyzes a zoo spec, so the floor is zoo's own process start.

| command | layers | table (ms) | json (ms) | peak RSS (MiB) |
|---|---:|---:|---:|---:|
$rows
Scaling: chains of conv + batch norm + ReLU blocks on a 64x56x56 input, analyzed to JSON. The
cost per layer is (time - baseline) / layers; a flat column means linear growth.

| layers | time (ms) | µs per layer above the baseline |
|---:|---:|---:|
$scaling
MD
)

replace_section BENCHMARKS.md "Analysis" "$section"
echo "$section"
