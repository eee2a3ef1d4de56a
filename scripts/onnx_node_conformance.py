#!/usr/bin/env python3
"""The ONNX backend node conformance tests (onnx 1.22.0) run through `zoo verify`.

1. The node tests are cached in .cache/onnx-node-1.22.0/ (git-ignored). When the folder is
   missing, the onnx 1.22.0 wheel is fetched with `pip download` (the onnx 1.23 wheel no longer
   ships the data) and its onnx/backend/test/data/node/ folder extracted, atomically.
2. A test is in scope when every node maps to IR ops at run time: each op type of the default
   domain is one `zoo ops --format json` lists in `onnx_op_types`, at the opsets given there, and
   every graph input and output is a tensor. The others are "not in the IR": ops zoo has no
   kernel for, ops it only evaluates at import when their inputs are constants (Constant, Shape,
   Gather, Slice, ...: the tests feed them at run time), and sequence or optional values.
3. In scope, a test is left out only for one of SKIP_REASONS; every other test runs as
   `zoo verify DIR/model.onnx --reference DIR --rtol 1e-3 --atol 1e-7` and passes on exit 0.

Usage: onnx_node_conformance.py path/to/zoo. Prints each failure, the skipped tests by reason,
the count of tests not in the IR, the tests run listed by op type, then `N passed, N failed`;
exits 1 when a test failed.
"""
import concurrent.futures
import json
import math
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile
from typing import NamedTuple

import onnx

ROOT = pathlib.Path(__file__).resolve().parent.parent
ONNX_WHEEL = "onnx==1.22.0"
CACHE = ROOT / ".cache" / "onnx-node-1.22.0"
NODE_TESTS = "onnx/backend/test/data/node/"
VERIFY_OPTIONS = ["--rtol", "1e-3", "--atol", "1e-7"]
WORKERS = 2
TIMEOUT_SECONDS = 60
DEFAULT_DOMAINS = ("", "ai.onnx")
FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE}
SKIP_REASONS = {
    "spatial3d": "3-D spatial ops (5-D tensors)",
    "training": "training-mode Dropout (a training_mode input)",
    "extra_outputs": "extra outputs (a node's second or later output in use)",
    "non_float": "integer, boolean or other non-float data (a data input or output not float, float16 or double)",
}
NOT_IN_IR = "not in the IR"
# Op types zoo imports every output of (Split: one slice layer per output); a later output of
# any other node in use is an extra output.
READS_EVERY_OUTPUT = {"Split"}


class Reading(NamedTuple):
    """How zoo reads one ONNX op type: the opsets, and how many leading inputs are data (the
    rest are weight slots, bound as constants; math.inf when every input is data)."""

    first: int
    last: int
    data_inputs: float


def fetch_node_tests():
    """The cached node test folder (see fetch_wheel_folder)."""
    return fetch_wheel_folder(NODE_TESTS, CACHE)


def fetch_wheel_folder(prefix, cache):
    """The folder `prefix` of the onnx 1.22.0 wheel, cached at `cache` and made first when
    missing: the wheel is downloaded into a temporary folder next to the cache, the folder
    extracted there and renamed into place."""
    if cache.is_dir():
        return cache
    cache.parent.mkdir(parents=True, exist_ok=True)
    print(f"fetching {ONNX_WHEEL} for {prefix} into {cache.relative_to(ROOT)}", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=cache.parent) as temporary:
        folder = pathlib.Path(temporary)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--only-binary", ":all:", ONNX_WHEEL, "-d", str(folder / "wheel")],
            check=True)
        wheel = next((folder / "wheel").glob("onnx-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            members = [name for name in archive.namelist() if name.startswith(prefix) and not name.endswith("/")]
            archive.extractall(folder / "extracted", members)
        try:
            os.rename(folder / "extracted" / prefix, cache)
        except OSError:
            if not cache.is_dir():  # not another run that got there first
                raise
    return cache


def input_count(text):
    """The most inputs an IR op takes, from `zoo ops`' `inputs` ("1 input", "1 or 2 inputs",
    "at least 1 inputs")."""
    return math.inf if "at least" in text else max(int(number) for number in re.findall(r"\d+", text))


def zoo_reads(zoo):
    """What zoo reads at run time, from `zoo ops --format json`: {op type: Reading} for the
    default domain, and the op types that work on spatial axes (their `computes` says so)."""
    listing = subprocess.run([zoo, "ops", "--format", "json"], check=True, capture_output=True, text=True)
    rows = json.loads(listing.stdout)
    reads, spatial = {}, set()
    for row in rows:
        for spelling in row["onnx_op_types"]:
            op, reading = spelling["op_type"], Reading(spelling["first"], spelling["last"], input_count(row["inputs"]))
            known = reads.get(op, reading)
            reads[op] = Reading(
                min(known.first, reading.first), max(known.last, reading.last),
                max(known.data_inputs, reading.data_inputs))
            if "spatial" in row["computes"]:
                spatial.add(op)
    return reads, spatial


def rank(value):
    """The rank of a tensor ValueInfo (0 when unknown or not a tensor)."""
    return len(value.type.tensor_type.shape.dim) if value is not None and value.type.HasField("tensor_type") else 0


def classify(model, reads, spatial):
    """NOT_IN_IR when zoo does not read one of the model's nodes at its opset, a SKIP_REASONS key
    when the test is left out, or None when it runs."""
    graph = model.graph
    opset = next((entry.version for entry in model.opset_import if entry.domain in DEFAULT_DOMAINS), None)
    for node in graph.node:
        reading = reads.get(node.op_type) if node.domain in DEFAULT_DOMAINS else None
        if reading is None or opset is None or not reading.first <= opset <= reading.last:
            return NOT_IN_IR
    if not all(value.type.HasField("tensor_type") for value in [*graph.input, *graph.output]):
        return NOT_IN_IR
    inferred = onnx.shape_inference.infer_shapes(model).graph
    values = {value.name: value for value in [*inferred.input, *inferred.value_info, *inferred.output]}
    if any(node.op_type in spatial and rank(values.get(node.input[0])) >= 5 for node in graph.node):
        return "spatial3d"
    if any(node.op_type == "Dropout" and len(node.input) > 2 and node.input[2] for node in graph.node):
        return "training"
    used = {name for node in graph.node for name in node.input} | {output.name for output in graph.output}
    if any(name and name in used for node in graph.node if node.op_type not in READS_EVERY_OUTPUT for name in node.output[1:]):
        return "extra_outputs"
    data_names = {
        name for node in graph.node
        for position, name in enumerate(node.input) if position < reads[node.op_type].data_inputs}
    data = [value for value in graph.input if value.name in data_names] + list(graph.output)
    if any(value.type.HasField("tensor_type") and value.type.tensor_type.elem_type not in FLOAT_TYPES
           for value in data):
        return "non_float"
    return None


def verify(zoo, folder):
    """Runs `zoo verify` on one test: (exit status or "timeout", the last line of stderr)."""
    command = [zoo, "verify", str(folder / "model.onnx"), "--reference", str(folder), *VERIFY_OPTIONS]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return "timeout", f"no answer within {TIMEOUT_SECONDS} s"
    lines = result.stderr.strip().splitlines()
    return result.returncode, lines[-1] if lines else ""


# The node tests in scope with onnx 1.22.0's data and zoo's ops today; fewer means the
# classification silently lost ops (a change in `zoo ops --format json`) or the data.
MINIMUM_RUNS = 372


def print_by_op_type(runs, failures):
    """One line per ONNX op type the run tests hold: how many of its tests ran and passed, and
    their names (a test with several op types counts for each)."""
    failed = {name for name, _, _ in failures}
    by_type = {}
    for folder in runs:
        for op_type in sorted({node.op_type for node in onnx.load(str(folder / "model.onnx")).graph.node}):
            by_type.setdefault(op_type, []).append(folder.name)
    print("run, by op type:")
    for op_type, names in sorted(by_type.items()):
        passed = sum(1 for name in names if name not in failed)
        print(f"    {op_type}: {len(names)} run, {passed} passed: {', '.join(names)}")


def main():
    """Classifies every node test, runs those in scope on WORKERS threads and prints the report;
    returns the exit status."""
    zoo = sys.argv[1]
    tests = sorted(path for path in fetch_node_tests().iterdir() if (path / "model.onnx").is_file())
    reads, spatial = zoo_reads(zoo)
    runs, skipped, not_in_ir = [], {key: [] for key in SKIP_REASONS}, 0
    for folder in tests:
        verdict = classify(onnx.load(str(folder / "model.onnx")), reads, spatial)
        if verdict is None:
            runs.append(folder)
        elif verdict == NOT_IN_IR:
            not_in_ir += 1
        else:
            skipped[verdict].append(folder.name)
    if len(runs) < MINIMUM_RUNS:
        print(f"only {len(runs)} node tests in scope, expected at least {MINIMUM_RUNS}: did `zoo ops --format json` "
              "or the test data change?")
        return 1
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda folder: verify(zoo, folder), runs))
    failures = [(folder.name, status, line) for folder, (status, line) in zip(runs, results) if status != 0]
    print(f"{len(tests)} ONNX node tests ({ONNX_WHEEL}): {len(runs)} run, "
          f"{sum(map(len, skipped.values()))} skipped, {not_in_ir} not in the IR")
    for name, status, line in failures:
        print(f"FAIL {name} (exit {status}): {line}")
    for key, names in skipped.items():
        print(f"skipped, {SKIP_REASONS[key]}: {len(names)}")
        if names:
            print("    " + ", ".join(names))
    print(f"{NOT_IN_IR}: {not_in_ir}")
    print_by_op_type(runs, failures)
    print(f"{len(runs) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
