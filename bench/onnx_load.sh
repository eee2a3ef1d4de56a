#!/usr/bin/env bash
# Loading a VGG-16-sized ONNX model (553 MB of float32 weights): zoo against onnx.load and cat,
# in the same run. Usage: bench/onnx_load.sh [path/to/zoo] (`make bench` builds in release and
# makes the venv first).
#
# Figures: median wall time of RUNS runs (default 5) and peak resident memory (GNU time), plus
# zoo's own split of load and analysis and its resident memory once loaded (--timings).
# Results replace the "ONNX loading" section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=$(realpath "${1:-.build/release/zoo}")
python=${PYTHON:-.venv/bin/python}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

model=$work/vgg16.onnx
"$zoo" convert vgg16 "$model" --seed 1 2>/dev/null
bytes=$(stat -c %s "$model")
cat "$model" >/dev/null  # warm the page cache

# shellcheck source=bench/measure.sh
. bench/measure.sh

onnx_load=("$python" -c "import onnx, sys; onnx.load(sys.argv[1])" "$model")
zoo_analyze=("$zoo" analyze "$model" --format json)

cat_ms=$(median_ms cat "$model")
onnx_ms=$(median_ms "${onnx_load[@]}")
zoo_ms=$(median_ms "${zoo_analyze[@]}")
onnx_peak=$(peak_rss_mib "${onnx_load[@]}")
zoo_peak=$(peak_rss_mib "${zoo_analyze[@]}")
timings=$("$zoo" analyze "$model" --format json --timings 2>&1 >/dev/null | sed 's/^zoo: //' | paste -sd ';' | sed 's/;/; /g')
file_mib=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
loaded_mib=$(echo "$timings" | sed -n 's/.*after loading \([0-9.]*\) MiB.*/\1/p')
speedup=$(awk -v a="$onnx_ms" -v b="$zoo_ms" 'BEGIN { printf "%.1f", a / b }')
peak_ratio=$(awk -v a="$zoo_peak" -v b="$file_mib" 'BEGIN { printf "%.2f", a / b }')
loaded_ratio=$(awk -v a="$loaded_mib" -v b="$file_mib" 'BEGIN { if (a == "") print "n/a"; else printf "%.2f", a / b }')

section=$(cat <<MD
## ONNX loading

\`bench/onnx_load.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, release build, warm page cache, median
of $runs runs in one run of the script). The model is \`zoo convert vgg16 vgg16.onnx --seed 1\`:
$file_mib MiB, 138,357,544 float32 weights.

| command | wall (ms) | peak RSS (MiB) |
|---|---:|---:|
| \`cat vgg16.onnx > /dev/null\` | $cat_ms | - |
| \`onnx.load\` (onnx $("$python" -c 'import onnx; print(onnx.__version__)')) | $onnx_ms | $onnx_peak |
| \`zoo analyze vgg16.onnx --format json\` (process start, load, analysis) | $zoo_ms | $zoo_peak |

- zoo is ${speedup}x faster than onnx.load; its peak RSS is ${peak_ratio}x the file and its
  resident memory once loaded ${loaded_ratio}x (\`--timings\`: $timings).
- What bounds the load: protobuf-c copies every bytes field out of the input, so each weight
  lands in fresh memory once; first writes to new pages cost more than reading the file
  (docs/PLATFORM.md). zoo maps the file with MAP_POPULATE (one call instead of a page fault per
  4 KiB) and gives protobuf-c an allocator that puts fields of 1 MiB or more in anonymous
  mappings populated the same way, which halved the load here (481 ms before, in an earlier
  run). The file is unmapped after unpacking, so the peak is the mapped file plus the
  unpacked message and the steady state the unpacked message alone; every float32 weight is
  borrowed from it rather than copied a third time.
MD
)

replace_section BENCHMARKS.md "ONNX loading" "$section"
echo "$section"
