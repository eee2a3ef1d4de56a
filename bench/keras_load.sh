#!/usr/bin/env bash
# Loading a VGG-16-sized Keras model (553 MB of float32 weights), legacy .h5 and .keras (as Keras
# wrote it, and with its weights entry moved off 4-byte alignment): zoo
# against h5py, keras.models.load_model and cat, in the same run. Usage: bench/keras_load.sh
# [path/to/zoo] (`make bench` builds in release and makes the TensorFlow venv first).
#
# The model is keras.applications.VGG16(weights=None) with seeded random weights, written once
# per run by bench/keras_make_vgg16.py into a scratch folder. Figures: median wall time of RUNS
# runs (default 5; KERAS_RUNS, default 1, for load_model, which takes seconds), the time each
# tool reports for the load itself (zoo's --timings; the Python peers time themselves, imports
# excluded) and peak resident memory (GNU time; the largest of zoo and its sandboxed child). zoo
# reads libhdf5's part of each file in a sandboxed child by default; the --hdf5-in-process rows
# read it in zoo's own process, for the sandbox's cost. Results replace the "Keras loading"
# section of BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
zoo=$(realpath "${1:-.build/release/zoo}")
python=${PYTHON:-.venv-tf/bin/python}
runs=${RUNS:-5}
keras_runs=${KERAS_RUNS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
load_before=$(cut -d ' ' -f 1 /proc/loadavg)
# The sources as the run starts (the binary is meant to be built from them).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- Sources Package.swift 2>/dev/null)" ] && commit+=" plus uncommitted changes to Sources/"

# shellcheck source=bench/measure.sh
. bench/measure.sh

"$python" bench/keras_make_vgg16.py "$work" >/dev/null 2>"$work/make.log" || { cat "$work/make.log" >&2; exit 1; }
h5=$work/vgg16.h5
archive=$work/vgg16.keras
misaligned=$work/vgg16_misaligned.keras
cat "$h5" "$archive" "$misaligned" >/dev/null  # warm the page cache
weight_count=138357544
weight_mib=$(awk -v n="$weight_count" 'BEGIN { printf "%.1f", n * 4 / 1048576 }')

# median NUMBER...: the median, with one decimal.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] }'; }

# timed N COMMAND...: N runs of COMMAND; prints the median wall time and the median of the
# "load X ms" the command reports itself (zoo's --timings on stderr, the Python peers on stdout),
# in milliseconds with one decimal.
timed() {
  local count=$1 walls=() loads=() begin end
  shift
  for _ in $(seq "$count"); do
    begin=$(date +%s%N)
    "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; return 1; }
    end=$(date +%s%N)
    walls+=($(( (end - begin) / 1000 )))
    loads+=("$(sed -n 's/.*load \([0-9.]*\) ms.*/\1/p' "$work/out" | head -n 1)")
    [ -n "${loads[-1]}" ] || { echo "keras_load.sh: no 'load N ms' in the output of $*:" >&2; cat "$work/out" >&2; return 1; }
  done
  printf '%s %s\n' "$(median "${walls[@]}" | awk '{ printf "%.1f", $1 / 1000 }')" "$(median "${loads[@]}")"
}

# h5py reading every dataset below model_weights into NumPy arrays, all kept until the end (as zoo
# keeps them); it checks the count.
h5py_read=("$python" -c "
import sys, time
import h5py
begin = time.perf_counter()
arrays = []
with h5py.File(sys.argv[1], 'r') as f:
    f['model_weights'].visititems(lambda name, obj: arrays.append(obj[()]) if isinstance(obj, h5py.Dataset) else None)
elapsed = (time.perf_counter() - begin) * 1000
assert sum(a.size for a in arrays) == $weight_count, sum(a.size for a in arrays)
print(f'load {elapsed:.1f} ms')
" "$h5")
# Reading every byte of the mapped .h5 once (summed as 64-bit words): what zoo's borrowed
# weights cost when they are first used (zoo maps the file and borrows the float32 datasets in
# place; a run then reads them from the page cache, without a copy). zoo's load plus this is
# the honest counterpart of h5py reading every weight.
read_mapped=("$python" -c "
import mmap, sys, time
import numpy as np
with open(sys.argv[1], 'rb') as f:
    begin = time.perf_counter()
    mapped = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    words = np.frombuffer(mapped, dtype=np.uint64, count=len(mapped) // 8)
    total = int(words.sum())
    elapsed = (time.perf_counter() - begin) * 1000
print(f'load {elapsed:.1f} ms ({words.nbytes} bytes, word sum {total})')
" "$h5")
keras_load=("$python" -c "
import os, sys, time
os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import keras
begin = time.perf_counter()
model = keras.models.load_model(sys.argv[1])
elapsed = (time.perf_counter() - begin) * 1000
assert model.count_params() == $weight_count
print(f'load {elapsed:.1f} ms')
")

cat_ms=$(median_ms cat "$h5")
result=$(timed "$runs" "${h5py_read[@]}")
read -r h5py_ms h5py_load <<<"$result"
result=$(timed "$runs" "${read_mapped[@]}")
read -r read_ms read_load <<<"$result"
result=$(timed "$runs" "$zoo" analyze "$h5" --format json --timings)
read -r zoo_h5_ms zoo_h5_load <<<"$result"
result=$(timed "$runs" "$zoo" analyze "$archive" --format json --timings)
read -r zoo_keras_ms zoo_keras_load <<<"$result"
result=$(timed "$runs" "$zoo" analyze "$misaligned" --format json --timings)
read -r zoo_mis_ms zoo_mis_load <<<"$result"
result=$(timed "$runs" "$zoo" analyze "$h5" --format json --timings --hdf5-in-process)
read -r zoo_h5_in_ms zoo_h5_in_load <<<"$result"
result=$(timed "$runs" "$zoo" analyze "$archive" --format json --timings --hdf5-in-process)
read -r zoo_keras_in_ms zoo_keras_in_load <<<"$result"
result=$(timed "$keras_runs" "${keras_load[@]}" "$h5")
read -r keras_h5_ms keras_h5_load <<<"$result"
result=$(timed "$keras_runs" "${keras_load[@]}" "$archive")
read -r keras_keras_ms keras_keras_load <<<"$result"
h5py_peak=$(peak_rss_mib "${h5py_read[@]}")
zoo_h5_peak=$(peak_rss_mib "$zoo" analyze "$h5" --format json)
zoo_keras_peak=$(peak_rss_mib "$zoo" analyze "$archive" --format json)
zoo_mis_peak=$(peak_rss_mib "$zoo" analyze "$misaligned" --format json)
zoo_h5_in_peak=$(peak_rss_mib "$zoo" analyze "$h5" --format json --hdf5-in-process)
zoo_keras_in_peak=$(peak_rss_mib "$zoo" analyze "$archive" --format json --hdf5-in-process)
keras_h5_peak=$(peak_rss_mib "${keras_load[@]}" "$h5")
keras_keras_peak=$(peak_rss_mib "${keras_load[@]}" "$archive")
zoo_timings() { "$zoo" analyze "$1" --format json --timings 2>&1 >/dev/null | sed 's/^zoo: //' | paste -sd ';' | sed 's/;/; /g'; }
zoo_h5_timings=$(zoo_timings "$h5")
zoo_keras_timings=$(zoo_timings "$archive")

versions=$("$python" -c "
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import h5py, keras, tensorflow
print(f'h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version}), keras {keras.__version__}, tensorflow-cpu {tensorflow.__version__}')
" 2>/dev/null)
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
h5_bytes=$(commas "$(stat -c %s "$h5")")
keras_bytes=$(commas "$(stat -c %s "$archive")")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g ? "met" : "missed") }'; }
h5_time_ratio=$(ratio "$zoo_h5_load" "$h5py_load")
h5_read_ratio=$(ratio "$(awk -v a="$zoo_h5_load" -v b="$read_load" 'BEGIN { print a + b }')" "$h5py_load")
h5_wall_ratio=$(ratio "$zoo_h5_ms" "$h5py_ms")
keras_time_ratio=$(ratio "$zoo_keras_load" "$h5py_load")
keras_wall_ratio=$(ratio "$zoo_keras_ms" "$h5py_ms")
h5_peak_ratio=$(ratio "$zoo_h5_peak" "$weight_mib")
keras_peak_ratio=$(ratio "$zoo_keras_peak" "$weight_mib")
h5py_peak_ratio=$(ratio "$h5py_peak" "$weight_mib")
load_after=$(cut -d ' ' -f 1 /proc/loadavg)
elapsed=$((SECONDS - start))

section=$(cat <<MD
## Keras loading

\`bench/keras_load.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, release build of $commit, warm page
cache; load average $load_before at the start, $load_after at the end; the script took ${elapsed} s).
$versions.
The model is \`keras.applications.VGG16(weights=None)\` with seeded random weights
(\`bench/keras_make_vgg16.py\`), saved as the legacy \`vgg16.h5\` ($h5_bytes bytes) and
\`vgg16.keras\` ($keras_bytes bytes, entries stored): 138,357,544 float32 weights, $weight_mib MiB.
"wall" is the median of $runs runs of the whole command, process start and imports included
(load_model: $keras_runs run(s) only, as each takes seconds; KERAS_RUNS sets more); "load" is the
time the tool reports for the load itself, median of the same runs: zoo's \`--timings\` (reading
the file, building the IR, checking its shapes), the Python peers' own clock after their imports.

| command | wall (ms) | load (ms) | peak RSS (MiB) | peak RSS / weights |
|---|---:|---:|---:|---:|
| \`cat vgg16.h5 > /dev/null\` | $cat_ms | - | - | - |
| h5py: every dataset of \`model_weights\` read with \`ds[()]\` and kept (baseline) | $h5py_ms | $h5py_load | $h5py_peak | $h5py_peak_ratio |
| \`zoo analyze vgg16.h5 --format json\` | $zoo_h5_ms | $zoo_h5_load | $zoo_h5_peak | $h5_peak_ratio |
| reading every byte of the mapped vgg16.h5 once (NumPy over \`mmap\`): the later cost of zoo's borrowed weights | $read_ms | $read_load | - | - |
| \`zoo analyze vgg16.keras --format json\` | $zoo_keras_ms | $zoo_keras_load | $zoo_keras_peak | $keras_peak_ratio |
| \`zoo analyze vgg16_misaligned.keras --format json\` (weights entry at 1 mod 4) | $zoo_mis_ms | $zoo_mis_load | $zoo_mis_peak | $(ratio "$zoo_mis_peak" "$weight_mib") |
| \`zoo analyze vgg16.h5 --format json --hdf5-in-process\` (no sandbox) | $zoo_h5_in_ms | $zoo_h5_in_load | $zoo_h5_in_peak | $(ratio "$zoo_h5_in_peak" "$weight_mib") |
| \`zoo analyze vgg16.keras --format json --hdf5-in-process\` (no sandbox) | $zoo_keras_in_ms | $zoo_keras_in_load | $zoo_keras_in_peak | $(ratio "$zoo_keras_in_peak" "$weight_mib") |
| \`keras.models.load_model("vgg16.h5")\` | $keras_h5_ms | $keras_h5_load | $keras_h5_peak | $(ratio "$keras_h5_peak" "$weight_mib") |
| \`keras.models.load_model("vgg16.keras")\` | $keras_keras_ms | $keras_keras_load | $keras_keras_peak | $(ratio "$keras_keras_peak" "$weight_mib") |

How zoo loads: the file is mapped, and libhdf5 opens it as an image in a sandboxed child
process forked for the read, which sends back the configuration and each weight's place in the
file (the child sees the parent's mapping copy-on-write, so nothing is copied to it); contiguous float32 datasets are borrowed where they lie, so the Dense
kernels (89% of VGG-16's weights) are neither read nor copied at load, only the conv kernels
are (transposed to OIHW, 56 MiB). The weights' pages are read from the page cache when first
used, without a copy — the "every byte of the mapped" row is that cost, paid once by a run, and
the verdict below adds it to zoo's load; once they are read, the mapped pages count in RSS too
(file pages shared with the page cache, not copies: 0.28x private plus the 1.0x file). The
.keras weights entry is stored, so it is used in place in the mapped archive the same way, and
its CRC-32 is checked over all 553 MB on the other cores while the model is built (so its peak
RSS counts the whole entry's page-cache pages, which are shared with the page cache, not
copies). A .keras whose weights entry does not start at a multiple of 4 bytes (Keras does not
align it; \`vgg16_misaligned.keras\` is the same zip with the entry moved to 1 mod 4) has each
dataset copied out of the mapping instead, while the CRC-32 runs.

Goal (from the issue): read every weight of the .h5 within 1.5x of h5py's time with a peak RSS of
at most 1.1x the weights, and the .keras within 2.5x of h5py's time. This run:
- .h5: load plus reading every mapped byte ${h5_read_ratio}x h5py's ($(verdict "$h5_read_ratio" 1.5); the load alone
  ${h5_time_ratio}x, whole commands ${h5_wall_ratio}x),
  peak RSS of the load ${h5_peak_ratio}x the weights ($(verdict "$h5_peak_ratio" 1.1) for memory of zoo's own; a run that
  reads every weight adds the file's mapped pages, about 1.0x, shared with the page cache).
  A separate run with \`--timings\`: $zoo_h5_timings.
- .keras: load ${keras_time_ratio}x h5py's ($(verdict "$keras_time_ratio" 2.5); whole commands ${keras_wall_ratio}x;
  the misaligned copy $(ratio "$zoo_mis_load" "$h5py_load")x, $(verdict "$(ratio "$zoo_mis_load" "$h5py_load")" 2.5)),
  peak RSS ${keras_peak_ratio}x the weights.
  A separate run with \`--timings\`: $zoo_keras_timings.

Goal for the sandbox (issue 11): loading through it within 1.1x of the in-process load's time and
peak RSS. This run: .h5 load $(ratio "$zoo_h5_load" "$zoo_h5_in_load")x ($(verdict "$(ratio "$zoo_h5_load" "$zoo_h5_in_load")" 1.1); whole commands
$(ratio "$zoo_h5_ms" "$zoo_h5_in_ms")x), peak RSS $(ratio "$zoo_h5_peak" "$zoo_h5_in_peak")x ($(verdict "$(ratio "$zoo_h5_peak" "$zoo_h5_in_peak")" 1.1)); .keras load $(ratio "$zoo_keras_load" "$zoo_keras_in_load")x
($(verdict "$(ratio "$zoo_keras_load" "$zoo_keras_in_load")" 1.1); whole commands $(ratio "$zoo_keras_ms" "$zoo_keras_in_ms")x), peak RSS $(ratio "$zoo_keras_peak" "$zoo_keras_in_peak")x ($(verdict "$(ratio "$zoo_keras_peak" "$zoo_keras_in_peak")" 1.1)).
MD
)

replace_section BENCHMARKS.md "Keras loading" "$section"
echo "$section"
