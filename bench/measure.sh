# Shared by the bench/ scripts (sourced): timing and memory of whole commands. The caller sets
# `runs` (how many timed runs) and `work` (a scratch folder).

# median_ms COMMAND...: the median wall time of `runs` runs, in milliseconds with one decimal.
median_ms() {
  local samples=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    samples+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'
}

# timed COMMAND...: runs COMMAND under GNU time; its stdout lands in $work/out, its stderr in
# $work/err, and the globals median, min (ms) and rss (MiB) are set from the `latency:` line
# (printed on either stream) and GNU time.
timed() {
  if ! /usr/bin/time -o "$work/rss" -f '%M' "$@" >"$work/out" 2>"$work/err"; then
    echo "$(basename "$0"): failed: $*" >&2
    cat "$work/err" >&2
    exit 1
  fi
  local line
  line=$(cat "$work/out" "$work/err" | grep -m 1 '^latency: median ')
  median=$(echo "$line" | sed 's/^latency: median \([0-9.]*\) ms.*/\1/')
  min=$(echo "$line" | sed 's/.*, min \([0-9.]*\) ms.*/\1/')
  rss=$(tail -n 1 "$work/rss" | awk '{ printf "%.1f", $1 / 1024 }')
}

# peak_rss_mib COMMAND...: the peak resident set of one run in MiB, from GNU time.
peak_rss_mib() {
  /usr/bin/time -f '%M' "$@" 2>"$work/rss" >/dev/null
  tail -n 1 "$work/rss" | awk '{ printf "%.1f", $1 / 1024 }'
}

# replace_section FILE HEADING TEXT: replaces the "## HEADING" section of FILE (up to the next
# "## " heading) with TEXT, or appends TEXT.
replace_section() {
  local file=$1 heading=$2 text=$3
  [ -f "$file" ] || printf '# Benchmarks\n\nMeasured by the scripts in bench/; figures vary between runs on shared machines, so compare\nwithin one run.\n' >"$file"
  awk -v section="$text" -v heading="## $heading" '
    /^## / { if (skipping) skipping = 0 }
    $0 == heading { print section; printed = 1; skipping = 1; next }
    !skipping { print }
    END { if (!printed) { print ""; print section } }
  ' "$file" >"$work/report"
  mv "$work/report" "$file"
}

# zoo_commit: the commit the measured zoo was built from, noting uncommitted source changes.
zoo_commit() {
  local commit
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ -n "$(git status --porcelain -- Sources Package.swift 2>/dev/null)" ] && commit+=" plus uncommitted changes to Sources/"
  echo "$commit"
}

# against_onnxruntime LABEL MODEL.onnx INPUT.npy THREADS: times `zoo run` (the caller's $zoo),
# then onnxruntime (bench/ort_run.py in $python), back to back on the same input; appends the
# row "| LABEL | THREADS | zoo | onnxruntime | ratio |" to the global `rows` and sets
# zoo_median (ms).
against_onnxruntime() {
  local label=$1 model=$2 input=$3 threads=$4 zoo_min ratio
  timed "$zoo" run "$model" --input "$input" --threads "$threads" --repeat "$runs"
  zoo_median=$median zoo_min=$min
  timed "$python" bench/ort_run.py "$model" "$threads" "$runs" "$input"
  ratio=$(awk -v a="$zoo_median" -v b="$median" 'BEGIN { printf "%.2f", a / b }')
  rows+="| $label | $threads | $zoo_median ($zoo_min) | $median ($min) | $ratio |"$'\n'
  echo "$label, $threads thread(s): zoo $zoo_median ms, onnxruntime $median ms" >&2
}

# one_run_note: how to read one run's figures, with onnxruntime's version.
one_run_note() {
  echo "onnxruntime $("$python" -c 'import onnxruntime; print(onnxruntime.__version__)'). One run: the ratios come from it, and
figures move 2-7x between runs on these shared machines."
}
