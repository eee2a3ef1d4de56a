#!/usr/bin/env python3
"""Shrink a crashing ONNX input by its structure, keeping the crash.

libFuzzer's -minimize_crash=1 works on bytes, and almost every byte it erases from a protobuf
breaks an enclosing length, so it rarely gets far. This script parses the input with onnx and
greedily drops graph nodes, initializers, graph inputs and outputs, node attributes, value_info,
metadata and names, keeping each removal after which the fuzz target still fails with the same
message. Run it in the pinned venv:

    .venv/bin/python fuzz/minimize_onnx.py fuzz/artifacts/crash-... OUT.onnx ['Fatal error text']

Without the third argument the first "Fatal error:" / "ERROR: AddressSanitizer" line of the
original run is the signature to keep. Then try `-minimize_crash=1` on OUT.onnx for the bytes.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build-fuzz", "debug", "ZooONNXFuzz")
SCRATCH = "/tmp/zoo-minimize-onnx.onnx"
SIGNATURE = re.compile(r"(Fatal error: .*|ERROR: AddressSanitizer: [\w-]+|ERROR: libFuzzer: \w+)")


def signature(data: bytes) -> str | None:
    with open(SCRATCH, "wb") as f:
        f.write(data)
    run = subprocess.run([BINARY, "-timeout=10", "-rss_limit_mb=4096", SCRATCH], capture_output=True,
                         text=True, errors="replace", env={**os.environ, "SWIFT_BACKTRACE": "enable=no"})
    if run.returncode == 0:
        return None
    match = SIGNATURE.search(run.stderr)
    return match.group(1) if match else f"exit {run.returncode}"


def shrink(model: onnx.ModelProto, keep) -> onnx.ModelProto:
    """Greedy one-element removals over every repeated field below, until none applies."""
    def repeated_fields(m):
        g = m.graph
        yield g.node
        yield g.initializer
        yield g.input
        yield g.output
        yield g.value_info
        yield m.metadata_props
        yield m.opset_import
        for node in g.node:
            yield node.attribute
            yield node.input
            yield node.output

    changed = True
    while changed:
        changed = False
        for field in list(repeated_fields(model)):
            index = len(field) - 1
            while index >= 0:
                candidate = onnx.ModelProto()
                candidate.CopyFrom(model)
                # Find the same field in the copy by walking both generators in step.
                for original, copy in zip(repeated_fields(model), repeated_fields(candidate)):
                    if original is field:
                        del copy[index]
                        break
                if keep(candidate):
                    model = candidate
                    changed = True
                    break  # the field objects changed: restart the walk
                index -= 1
            if changed:
                break
    for clear in ("doc_string", "producer_name", "producer_version", "domain", "model_version"):
        candidate = onnx.ModelProto()
        candidate.CopyFrom(model)
        candidate.ClearField(clear)
        if keep(candidate):
            model = candidate
    return model


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__)
        return 2
    source, target = sys.argv[1], sys.argv[2]
    data = open(source, "rb").read()
    wanted = sys.argv[3] if len(sys.argv) == 4 else signature(data)
    if wanted is None:
        print(f"{source} does not fail")
        return 1
    print(f"keeping: {wanted}")
    model = onnx.ModelProto()
    model.ParseFromString(data)

    def keep(candidate: onnx.ModelProto) -> bool:
        found = signature(candidate.SerializeToString())
        return found is not None and wanted in found

    model = shrink(model, keep)
    out = model.SerializeToString()
    with open(target, "wb") as f:
        f.write(out)
    print(f"{len(data)} -> {len(out)} bytes: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
