#!/usr/bin/env python3
"""The Python half of `make test`: ONNX files that zoo writes, checked by the reference tools.

1. Every ONNX fixture with reference outputs (fixtures/manifest.json) is rewritten by
   `zoo convert FIXTURE OUT.onnx` (ONNX -> IR -> ONNX); the output must pass
   onnx.checker.check_model(full_check=True), and onnxruntime must reproduce the fixture's
   stored outputs from its stored inputs within the manifest's tolerances. Fixtures listed in
   DECOMPOSED are also written at the opset given there, below which the writer decomposes one
   of their ops (Gelu before opset 20), and checked the same way; those in NEWER_OPSET are
   written at the opset given there instead of the default (an op the default cannot state).
2. Zoo networks written by `zoo convert NAME OUT.onnx --seed 1` must pass the checker and run
   in onnxruntime with finite outputs, at the default opset and at 11 and 25, and once with
   --external-data.
3. Every Keras fixture with reference outputs (fixtures/keras/manifest.json: Keras 3 .h5,
   .keras, weights-only with its architecture, Keras 2 .h5) converted by `zoo convert FILE
   OUT.onnx` must pass the checker, and onnxruntime must reproduce the outputs Keras itself
   computed, in Keras's layout (NHWC in, NHWC or NC out); KERAS_OPSET and KERAS_REFUSED name
   the fixtures written at a newer opset, and those the writer must refuse by name.

Usage: cross_check_onnx.py path/to/zoo. Prints one line per check and `N passed, N failed`.
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
NETWORKS = ["lenet5", "alexnet2012", "googlenet", "resnet18", "mobilenet", "mobilenetv2"]


def session(path):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def convert(zoo, source, output, *extra):
    result = subprocess.run([zoo, "convert", str(source), str(output), *extra], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"zoo convert exited {result.returncode}: {result.stderr.strip()}")


# Fixtures with ops the writer decomposes below some opset, also written at that opset (Gelu
# before Gelu-20, LayerNormalization before 17: their function bodies; GroupNormalization before
# 21 through InstanceNormalization).
DECOMPOSED = {"unary_ops20": 13, "layernorm17": 13, "layernorm17_axis1": 13, "norms21": 13}
# Fixtures with an op the default opset cannot state (antialias and axes need Resize-18,
# half_pixel_symmetric Resize-19), written at that opset instead.
NEWER_OPSET = {"resize18_axes": 18, "resize19_symmetric": 19}
# Keras fixtures likewise (Resizing with antialias), and those the writer refuses by name, with
# the words of the refusal (Keras's bicubic Resizing rounds its tap fractions to TensorFlow's
# 1/1024 table, which ONNX Resize does not state).
KERAS_OPSET = {"resizing_antialias_mini": 18}
KERAS_REFUSED = {"resizing_mini": "TensorFlow's bicubic table"}


def check_fixture(zoo, entry, folder, opset=None):
    reference = entry["expect"]["reference"]
    data = FIXTURES / reference["dir"] / "test_data_set_0"
    output = folder / (entry["name"] + (f"-{opset}" if opset else "") + ".onnx")
    # Symbolic sizes other than the batch are bound as the manifest gives them; the batch stays N.
    bound = [f"--input-shape={name}=" + ",".join(["N"] + [str(size) for size in shape[1:]])
             for name, shape in entry["expect"].get("input_shape", {}).items()]
    convert(zoo, FIXTURES / entry["file"], output, *bound, *(["--opset", str(opset)] if opset else []))
    onnx.checker.check_model(onnx.load(str(output)), full_check=True)
    run = session(output)
    feeds = {}
    for index, info in enumerate(run.get_inputs()):
        feeds[info.name] = numpy_helper.to_array(onnx.load_tensor(str(data / f"input_{index}.pb")))
    outputs = run.run(None, feeds)
    stored = sum(1 for path in data.iterdir() if re.fullmatch(r"output_\d+\.pb", path.name))  # not output_keras_N.pb
    if len(outputs) != stored:
        raise AssertionError(f"{len(outputs)} outputs, the reference stores {stored}")
    for index, got in enumerate(outputs):
        want = numpy_helper.to_array(onnx.load_tensor(str(data / f"output_{index}.pb")))
        np.testing.assert_allclose(got, want, rtol=reference["rtol"], atol=reference["atol"])


def check_keras(zoo, entry, folder):
    reference = entry["expect"]["reference"]
    output = folder / (entry["name"].replace("/", "_") + ".onnx")
    extra = ["--architecture", str(FIXTURES / entry["architecture"])] if entry.get("architecture") else []
    model = next((name for name in {**KERAS_OPSET, **KERAS_REFUSED} if entry["name"].startswith(name + "_")), None)
    if model in KERAS_REFUSED:
        result = subprocess.run([zoo, "convert", str(FIXTURES / entry["file"]), str(output), *extra], capture_output=True, text=True)
        if result.returncode != 2 or KERAS_REFUSED[model] not in result.stderr or output.exists():
            raise AssertionError(f"expected a refusal naming {KERAS_REFUSED[model]!r}, got {result.returncode}: {result.stderr.strip()}")
        return
    if model in KERAS_OPSET:
        extra += ["--opset", str(KERAS_OPSET[model])]
    convert(zoo, FIXTURES / entry["file"], output, *extra)
    onnx.checker.check_model(onnx.load(str(output)), full_check=True)
    run = session(output)
    if len(run.get_inputs()) != len(reference["inputs"]) or len(run.get_outputs()) != len(reference["outputs"]):
        raise AssertionError(f"{len(run.get_inputs())} inputs and {len(run.get_outputs())} outputs, the Keras model has "
                             f"{len(reference['inputs'])} and {len(reference['outputs'])}")
    feeds = {info.name: np.load(FIXTURES / reference["dir"] / name)
             for info, name in zip(run.get_inputs(), reference["inputs"])}
    for got, name in zip(run.run(None, feeds), reference["outputs"]):
        want = np.load(FIXTURES / reference["dir"] / name)
        np.testing.assert_allclose(got, want, rtol=reference["rtol"], atol=reference["atol"])


def check_network(zoo, name, folder, opset, *extra):
    output = folder / f"{name}-{opset}{'-external' if extra else ''}.onnx"
    convert(zoo, name, output, "--seed", "1", "--opset", str(opset), *extra)
    # A path, not a loaded model, so that the checker follows external data.
    onnx.checker.check_model(str(output), full_check=True)
    run = session(output)
    info = run.get_inputs()[0]
    shape = [2 if isinstance(dim, str) else dim for dim in info.shape]
    result = run.run(None, {info.name: np.random.default_rng(0).standard_normal(shape).astype(np.float32)})[0]
    if not np.isfinite(result).all():
        raise AssertionError("outputs are not finite")


def main():
    zoo = sys.argv[1]
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    passed, failed = 0, 0
    with tempfile.TemporaryDirectory() as temporary:
        folder = pathlib.Path(temporary)
        checks = []
        for entry in manifest["fixtures"]:
            expect = entry.get("expect") or {}
            if entry.get("format") != "onnx" or "reference" not in expect:
                continue
            if any(item.get("dtype") != "float32" for item in expect["inputs"]):
                # zoo computes and writes float32; a float16/float64 graph's rewrite takes float32 inputs.
                print(f"skip  fixture {entry['name']}: its inputs are not float32")
                continue
            default = NEWER_OPSET.get(entry["name"])
            checks.append((f"fixture {entry['name']}" + (f" at opset {default}" if default else ""),
                           lambda entry=entry, default=default: check_fixture(zoo, entry, folder, default)))
            if entry["name"] in DECOMPOSED:
                opset = DECOMPOSED[entry["name"]]
                checks.append((f"fixture {entry['name']} at opset {opset}",
                               lambda entry=entry, opset=opset: check_fixture(zoo, entry, folder, opset)))
        for name in NETWORKS:
            for opset in (13, 11, 25):
                checks.append((f"network {name} opset {opset}", lambda name=name, opset=opset: check_network(zoo, name, folder, opset)))
        checks.append(("network resnet18 with external data", lambda: check_network(zoo, "resnet18", folder, 13, "--external-data")))
        keras = json.loads((FIXTURES / "keras" / "manifest.json").read_text())
        for entry in keras["fixtures"]:
            if "reference" in (entry.get("expect") or {}):
                checks.append((f"keras {entry['name']}", lambda entry=entry: check_keras(zoo, entry, folder)))
        for label, check in checks:
            try:
                check()
                passed += 1
                print(f"ok    {label}")
            except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
                failed += 1
                print(f"FAIL  {label}: {str(error).splitlines()[0] if str(error) else type(error).__name__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
