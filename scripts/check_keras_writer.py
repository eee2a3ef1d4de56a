#!/usr/bin/env python3
"""Real Keras 3 reads the Keras files zoo writes (`make check-keras`, in .venv-tf; not part of
`make test`, which must not need TensorFlow).

For every Keras fixture with a reference (fixtures/keras/manifest.json), every ONNX fixture with
a reference (fixtures/manifest.json) and a few zoo networks, `zoo convert SOURCE OUT.h5` and
`OUT.keras` are loaded with `keras.models.load_model` and must reproduce the source's outputs:
Keras's own (Keras fixtures), onnxruntime's (ONNX fixtures), or `zoo run`'s on a seeded input
(networks), within rtol 1e-4, atol 1e-5. The zoo networks carry seeded random weights whose
outputs reach hundreds; TensorFlow and zoo's fast path (Winograd, fusion) sum in different
orders, so for them atol is 1e-5 of the largest output instead. Sources that hold ops Keras cannot express exactly
(LRN, a division, ...) must be refused by zoo with exit status 2 and are counted as refused.

Usage: check_keras_writer.py path/to/zoo. Prints one line per check and `N passed, N failed`.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
NETWORKS = ["lenet5", "resnet18", "googlenet", "mobilenetv2", "vgg16"]


def convert(zoo, source, output, *extra):
    """Runs `zoo convert`; returns (exit status, last line of stderr)."""
    result = subprocess.run([zoo, "convert", str(source), str(output), *extra], capture_output=True, text=True)
    return result.returncode, (result.stderr.strip().splitlines() or [""])[-1]


def sources(zoo, folder):
    """(label, source path or name, extra convert arguments, inputs, expected outputs, whether
    the tolerance scales with the largest output)."""
    keras_manifest = json.loads((FIXTURES / "keras" / "manifest.json").read_text())
    for entry in keras_manifest["fixtures"]:
        reference = (entry.get("expect") or {}).get("reference")
        if reference is None or entry.get("architecture"):
            continue
        load = lambda name, reference=reference: np.load(FIXTURES / reference["dir"] / name)
        yield (f"keras {entry['name']}", FIXTURES / entry["file"], [],
               [load(name) for name in reference["inputs"]], [load(name) for name in reference["outputs"]], False)
    onnx_manifest = json.loads((FIXTURES / "manifest.json").read_text())
    for entry in onnx_manifest["fixtures"]:
        expect = entry.get("expect") or {}
        if entry.get("format") != "onnx" or "reference" not in expect:
            continue
        if any(item.get("dtype") != "float32" for item in expect["inputs"]):
            continue
        data = FIXTURES / expect["reference"]["dir"] / "test_data_set_0"
        count = lambda prefix: next(k for k in range(1000) if not (data / f"{prefix}_{k}.pb").exists())
        load = lambda name: numpy_helper.to_array(onnx.load_tensor(str(data / name)))
        # A model with symbolic sizes is written with them bound as its manifest binds them,
        # the batch left symbolic (the references hold batch 2).
        bind = [argument for name, dims in (expect.get("input_shape") or {}).items()
                for argument in ("--input-shape", f"{name}={','.join(['N', *map(str, dims[1:])])}")]
        yield (f"onnx {entry['name']}", FIXTURES / entry["file"], bind,
               [load(f"input_{k}.pb") for k in range(count("input"))], [load(f"output_{k}.pb") for k in range(count("output"))], False)
    for name in NETWORKS:
        shape = [1, 1, 32, 32] if name == "lenet5" else [1, 3, 224, 224]
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        np.save(folder / f"{name}_input.npy", x)
        output = folder / f"{name}_output.npy"
        subprocess.run([zoo, "run", name, "--seed", "1", "--input", str(folder / f"{name}_input.npy"), "--output", str(output)],
                       check=True, capture_output=True)
        yield (f"network {name}", name, ["--seed", "1"], [x], [np.load(output)], True)


# The sources zoo must refuse to write as Keras, by name: each uses something Keras cannot
# express exactly (LRN, reflect/edge/wrap/non-zero padding, pools Keras cannot express, clip
# bounds other than ReLU's, a grouped transposed conv, transposed-conv crops that no one Keras
# padding gives on every axis). A refusal outside this set, or a conversion of one of them, fails.
EXPECTED_REFUSALS = {
    "onnx alexnet2012_mini", "onnx auto_pad_variants", "onnx avgpool19_dilations", "onnx clip11_inputs",
    "onnx clip6_attrs", "onnx maxpool10_ceil", "onnx pad11_input", "onnx pad18_axes", "onnx pad19_wrap",
    "onnx pad2_attrs", "onnx convtranspose_variants", "onnx convtranspose10_output_shape",
    # gelu's tanh approximation (Keras's gelu activation is exact), pow, per-channel constant
    # operands (Keras's Rescaling takes scalars), as tf2onnx writes batch norms after biased convs
    "onnx unary_ops20", "onnx pow15", "onnx conv_scale_shift", "onnx tf_resnet_bias_bn_opset13",
    # a channel or strided slice, a gather, an expand, a reshape across the batch
    "onnx split13_head", "onnx slice13_steps", "onnx gather13_variants", "onnx expand13_bias",
    "onnx range11_fold", "onnx shape15_size",
    "onnx reduce11", "onnx reduce18", "onnx layernorm_decomposed", "onnx layernorm_decomposed_nchw", "onnx norms21",
    "onnx variadic13", "onnx softmax_axes13",
    # Keras 3 raw operations Keras has no layer for (abs, sqrt, pow, a division)
    "keras ops_mini_keras",
}


def main():
    zoo = sys.argv[1]
    passed = failed = refused = 0
    with tempfile.TemporaryDirectory() as temporary:
        folder = pathlib.Path(temporary)
        for label, source, extra, inputs, outputs, scaled in sources(zoo, folder):
            for suffix in ("h5", "keras"):
                output = folder / f"{label.replace(' ', '_').replace('/', '_')}.{suffix}"
                status, message = convert(zoo, source, output, *extra)
                expected_refusal = label in EXPECTED_REFUSALS
                if status == 2 and "Keras cannot express" in message and expected_refusal:
                    refused += 1
                    print(f"refused {label} .{suffix}: {message.split('Received: ')[-1]}")
                    continue
                try:
                    if expected_refusal:
                        raise RuntimeError(f"expected a refusal by name, got exit {status}: {message}")
                    if status != 0:
                        raise RuntimeError(f"zoo convert exited {status}: {message}")
                    model = keras.models.load_model(str(output), compile=False)
                    got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
                    got = got if isinstance(got, list) else [got]
                    if len(got) != len(outputs):
                        raise RuntimeError(f"{len(got)} outputs, the source has {len(outputs)}")
                    for actual, expected in zip(got, outputs):
                        atol = 1e-5 * float(np.abs(expected).max()) if scaled else 1e-5
                        np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=atol)
                    passed += 1
                    print(f"ok      {label} .{suffix}")
                except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
                    failed += 1
                    lines = [line for line in str(error).splitlines() if line.strip()]
                    print(f"FAIL    {label} .{suffix}: {' / '.join(lines[:4]) if lines else type(error).__name__}")
    print(f"{refused} refused by name")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
