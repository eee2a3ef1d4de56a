#!/usr/bin/env python3
"""Sort the inputs `make fuzz-keras` kept (fuzz/artifacts/isolated/, and libFuzzer's own crash-*,
timeout-*, oom-* files) into classes, and adopt one input per class as a hostile fixture.

  triage_keras.py ZOO FUZZ_BINARY [FOLDER...]   prints one line per input, grouped by class
  triage_keras.py ZOO FUZZ_BINARY --adopt [FOLDER...]
                                                also copies the smallest input of each class of
                                                faults (see below) to fixtures/hostile/keras/ and
                                                records it in fixtures/hostile/manifest.json

For each input it runs, with a time limit:
1. the release `zoo analyze` on the input as a file (the sandboxed path users get): the exit
   status, the seconds, and the error line, which names the contained fault (crashed, no
   progress, CPU time, exited early) and libhdf5's step, or gives an ordinary refusal;
2. the fuzz binary on it in process (ZOO_FUZZ_IN_PROCESS=1, debug + ASan): the first line of
   ASan's or libFuzzer's report and the first libhdf5 frame of its stack, which says what the
   fault is (a heap overflow, a wild read, an endless loop, a huge allocation). Without
   ASan, in release, the same input may crash, or be refused when the wild read happens to land
   in mapped memory; the sandbox makes both one error.

A class is the sandbox's outcome with libhdf5's step (paths and numbers dropped) plus ASan's
diagnosis. A class of faults is one where the sandbox contained a fault, ASan reports one in
process, or libFuzzer itself saved the input (a crash-*, timeout-* or oom-* file: a fault in
zoo's own code, fixed before adoption). The other classes are ordinary refusals: under ASan the
sandboxed child has no stderr and a tight address space, so ASan's own allocator failing there
also ends as "exited early", and the release build then refuses the file cleanly. The manifest entry records both, and what the Swift test asserts: status 2 within
the time bound, one error line, `malformedFile`.
"""
import concurrent.futures
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "fixtures" / "hostile"
MANIFEST = HOSTILE / "manifest.json"
ZOO_SECONDS = 60
ASAN_SECONDS = 30


def sandboxed(zoo, path):
    """(status, seconds, error line) of `zoo analyze` on a copy of `path` named .h5 or .keras."""
    suffix = ".keras" if path.read_bytes()[:4] == b"PK\x03\x04" else ".h5"
    copy = pathlib.Path("/tmp") / f"zoo-triage-{os.getpid()}-{path.name}{suffix}"
    shutil.copyfile(path, copy)
    start = time.monotonic()
    try:
        result = subprocess.run([zoo, "analyze", str(copy)], capture_output=True, text=True, timeout=ZOO_SECONDS)
        status, error = result.returncode, result.stderr.strip().splitlines()
    except subprocess.TimeoutExpired:
        status, error = "timeout", [f"no answer in {ZOO_SECONDS} s"]
    seconds = time.monotonic() - start
    copy.unlink()
    return status, seconds, (error[-1] if error else "").replace(str(copy), "FILE")


def in_process(fuzz_binary, path):
    """The first line of ASan's or libFuzzer's report on `path` read in process, and the first
    libhdf5 (or else zoo) frame of its stack; ("", "") when the input reads without a fault."""
    environment = dict(os.environ, ZOO_FUZZ_IN_PROCESS="1", SWIFT_BACKTRACE="enable=no",
                       ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0")
    try:
        result = subprocess.run([fuzz_binary, "-timeout=10", "-rss_limit_mb=4096", str(path)], capture_output=True,
                                text=True, errors="replace", timeout=ASAN_SECONDS, env=environment, cwd=ROOT)
        report = result.stderr
    except subprocess.TimeoutExpired as expired:
        report = (expired.stderr or b"").decode(errors="replace") + "\nERROR: no answer in process"
    summary = next((line.strip() for line in report.splitlines() if "ERROR:" in line or "Fatal error" in line), "")
    summary = re.sub(r"0x[0-9a-f]+", "ADDR", re.sub(r"==\d+==", "", summary)).strip()
    frames = [line for line in report.splitlines() if re.match(r"\s+#\d+ ", line)]
    frame = next((line for line in frames if "libhdf5" in line), next((line for line in frames if "Zoo" in line), ""))
    function = re.search(r" in (\S+)", frame)
    return summary, function.group(1) if function else ""


def class_of(status, error, summary):
    """The outcome with quoted names and numbers dropped, plus ASan's diagnosis."""
    if status != 2:
        outcome = f"status {status}: {error}"
    else:
        # Paths (layer and dataset names) vary between mutations; attribute names do not.
        outcome = re.sub(r"'[^']*/[^']*'", "'…'", error.removeprefix("zoo: error: FILE: "))
        outcome = re.sub(r"\d+", "N", outcome)
    diagnosis = re.sub(r"\d+", "N", summary)
    return outcome[:200], diagnosis[:120]


def fault_of(error):
    for fault, phrase in (("crashed", "must read a file without crashing"), ("stalled", "must finish reading a file in bounded time"),
                          ("cpuTime", "must read a file within its CPU time"), ("exitedEarly", "must read a file to the end")):
        if phrase in error:
            return fault
    return None


def main():
    arguments = [argument for argument in sys.argv[1:] if argument != "--adopt"]
    adopt = "--adopt" in sys.argv
    if len(arguments) < 2:
        print(__doc__)
        return 2
    zoo, fuzz_binary = arguments[0], arguments[1]
    folders = [pathlib.Path(folder) for folder in arguments[2:]] or [ROOT / "fuzz" / "artifacts" / "isolated", ROOT / "fuzz" / "artifacts"]
    inputs = sorted(path for folder in folders for path in folder.iterdir()
                    if path.is_file() and not path.name.endswith(".txt"))
    classes = {}

    def triage(path):
        return (path, *sandboxed(zoo, path), *in_process(fuzz_binary, path))

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for path, status, seconds, error, summary, frame in pool.map(triage, inputs):
            key = class_of(status, error, summary)
            classes.setdefault(key, []).append((path, status, seconds, error, summary, frame))
            print(f"{path.name}\t{status}\t{seconds:.1f} s\t{error[:160]}\t{summary[:100]}\t{frame}", flush=True)
    print(f"\n{len(inputs)} inputs, {len(classes)} classes:")
    adopted = []
    for (outcome, diagnosis), members in sorted(classes.items(), key=lambda item: -len(item[1])):
        smallest = min(members, key=lambda member: member[0].stat().st_size)
        print(f"{len(members):4d}  {outcome}  [{diagnosis or 'no fault in process'}]  smallest {smallest[0].name} "
              f"({smallest[0].stat().st_size} bytes)")
        path, status, seconds, error, summary, frame = smallest
        if fault_of(error) or summary or any(member[0].name.startswith(("crash-", "timeout-", "oom-")) for member in members):
            adopted.append(smallest)
    if adopt:
        write_fixtures(adopted)
    return 0


def write_fixtures(adopted):
    """Copies each class's smallest input into fixtures/hostile/keras/ (named by its content's
    hash) and merges its entry into the manifest."""
    folder = HOSTILE / "keras"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {"fixtures": []}
    known = {entry["file"] for entry in manifest["fixtures"]}
    for path, status, seconds, error, summary, frame in adopted:
        data = path.read_bytes()
        suffix = ".keras" if data[:4] == b"PK\x03\x04" else ".h5"
        name = f"fuzz-{hashlib.sha1(data).hexdigest()[:12]}{suffix}"
        relative = f"hostile/keras/{name}"
        if relative in known:
            continue
        (folder / name).write_bytes(data)
        manifest["fixtures"].append({
            "file": relative,
            "found_by": "make fuzz-keras (" + time.strftime("%Y-%m-%d") + ")",
            "sandboxed": {"status": status, "seconds": round(seconds, 1), "fault": fault_of(error), "error": error},
            "in_process": {"report": summary, "libhdf5_frame": frame},
        })
    manifest["fixtures"].sort(key=lambda entry: entry["file"])
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(adopted)} classes of faults; {len(manifest['fixtures'])} hostile fixtures in {MANIFEST.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
