#!/usr/bin/env python3
"""The onnx 1.22.0 wheel's "light" models (AlexNet, DenseNet-121, Inception v1/v2, ResNet-50,
ShuffleNet, SqueezeNet, VGG-19, ZFNet-512 from the ONNX model zoo, converted by onnx-caffe2 at
opset 9) through zoo: files no one on the project wrote, whose every weight is a ConstantOfShape
node (a few KB describing up to 575 MB of weights) and whose Dropout nodes declare unread masks.

1. The models are cached in .cache/onnx-light-1.22.0/ (git-ignored), fetched like the node tests
   (onnx_node_conformance.fetch_wheel_folder).
2. `zoo analyze --format json` must give, as trainable + non-trainable parameters, every float
   tensor the graph uses, counted here from the file: the product of each ConstantOfShape's
   shape plus each float initializer some node reads (an initializer nothing reads, such as
   ResNet-50's one-element `imagenet1k_blobs_queue` blob, is no weight of the model), and as
   non-trainable the BatchNormalization means and variances.
3. `zoo verify MODEL --reference DIR --rtol 1e-3 --atol 1e-7` must pass on the wheel's stored
   output, fed the input the ONNX backend test runner feeds these models: arange(n) / n.
   With every weight one constant, a model's logits can be so large that float32 spaces them
   more than 1 apart (SqueezeNet's are 9.5e9, 1,024 apart), and its final Softmax is then decided
   by their last bits: any other summation order (OpenBLAS picks its kernels by CPU) turns the
   uniform 0.001 into a spike. For such a model the Softmax's input is judged instead: zoo's
   against onnxruntime's on the same input, within the same tolerance.

Usage: onnx_light_models.py path/to/zoo. Prints one line per model, then `N passed, N failed`;
exits 1 when a model failed.
"""
import json
import pathlib
import subprocess
import sys

import numpy
import onnx
import onnxruntime
from onnx import helper, numpy_helper

from onnx_node_conformance import ROOT, VERIFY_OPTIONS, fetch_wheel_folder

CACHE = ROOT / ".cache" / "onnx-light-1.22.0"
LIGHT_MODELS = "onnx/backend/test/data/light/"
EXPECTED_MODELS = 9


def stored_parameters(model):
    """(trainable, non_trainable): the float elements of every ConstantOfShape output and used
    initializer; batch-norm statistics (inputs 3 and 4) are non-trainable."""
    graph = model.graph
    sizes = {init.name: int(numpy.prod(init.dims)) for init in graph.initializer if init.data_type == onnx.TensorProto.FLOAT}
    shape_values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "ConstantOfShape":
            sizes[node.output[0]] = int(numpy.prod(shape_values[node.input[0]]))
    # A weight reaches its op directly or through shape-only ops (Reshape, Unsqueeze).
    origin = {name: name for name in sizes}
    for node in graph.node:
        if node.op_type in ("Reshape", "Unsqueeze") and node.input[0] in origin:
            origin[node.output[0]] = origin[node.input[0]]
    statistics, used = set(), set()
    for node in graph.node:
        if node.op_type in ("Reshape", "Unsqueeze", "ConstantOfShape"):
            continue
        for position, name in enumerate(node.input):
            if name in origin:
                used.add(origin[name])
                if node.op_type == "BatchNormalization" and position >= 3:
                    statistics.add(origin[name])
    non_trainable = sum(sizes[name] for name in statistics)
    return sum(sizes[name] for name in used) - non_trainable, non_trainable


def reference_folder(folder, model, name):
    """A test_data_set folder for `name`: the arange(n) / n input and the wheel's output."""
    data = folder / "reference" / name / "test_data_set_0"
    if not data.is_dir():
        data.mkdir(parents=True)
        initializers = {init.name for init in model.graph.initializer}
        value = next(item for item in model.graph.input if item.name not in initializers)
        shape = [dim.dim_value for dim in value.type.tensor_type.shape.dim]
        count = int(numpy.prod(shape))
        x = (numpy.arange(count, dtype=numpy.float32) / count).reshape(shape)
        (data / "input_0.pb").write_bytes(numpy_helper.from_array(x, value.name).SerializeToString())
        (data / "output_0.pb").write_bytes((folder / f"{name}_output_0.pb").read_bytes())
    return data


def check(zoo, folder, path):
    """(None, a note or None) when the model passes, else (what failed, None)."""
    name = path.stem
    model = onnx.load(path)
    analysis = subprocess.run([zoo, "analyze", str(path), "--format", "json"], capture_output=True, text=True, timeout=120)
    if analysis.returncode != 0:
        return f"analyze exited {analysis.returncode}: {analysis.stderr.strip()}", None
    params = json.loads(analysis.stdout)["totals"]["params"]
    expected = stored_parameters(model)
    if (params["trainable"], params["non_trainable"]) != expected:
        return f"parameters {params['trainable']} + {params['non_trainable']}, the file stores {expected[0]} + {expected[1]}", None
    verify = subprocess.run(
        [zoo, "verify", str(path), "--reference", str(reference_folder(folder, model, name))] + VERIFY_OPTIONS,
        capture_output=True, text=True, timeout=300)
    if verify.returncode != 0:
        problem = f"verify exited {verify.returncode}: {(verify.stdout + verify.stderr).strip()[-600:]}"
        return softmax_input_check(zoo, folder, model, name) or (problem, None)
    return None, None


def softmax_input_check(zoo, folder, model, name):
    """When `model` ends in a Softmax whose input float32 spaces more than 1 apart (its output is
    then decided by rounding), check()'s answer from zoo's Softmax input against onnxruntime's;
    None when the Softmax is well conditioned (the verify failure stands)."""
    last = model.graph.node[-1]
    if last.op_type != "Softmax" or last.output[0] != model.graph.output[0].name:
        return None
    cut = onnx.ModelProto()
    cut.CopyFrom(model)
    cut.graph.node.pop()
    del cut.graph.output[:]
    cut.graph.output.append(helper.make_tensor_value_info(last.input[0], onnx.TensorProto.FLOAT, None))
    data = reference_folder(folder, model, name)
    x = numpy_helper.to_array(onnx.load_tensor(str(data / "input_0.pb")))
    session = onnxruntime.InferenceSession(cut.SerializeToString(), providers=["CPUExecutionProvider"])
    logits = session.run(None, {session.get_inputs()[0].name: x})[0]
    spacing = float(numpy.spacing(numpy.float32(numpy.abs(logits).max())))
    if spacing <= 1:
        return None
    cut_data = folder / "reference" / f"{name}_softmax_input" / "test_data_set_0"
    cut_data.mkdir(parents=True, exist_ok=True)
    (cut_data / "input_0.pb").write_bytes((data / "input_0.pb").read_bytes())
    (cut_data / "output_0.pb").write_bytes(numpy_helper.from_array(logits, last.input[0]).SerializeToString())
    cut_path = folder / "reference" / f"{name}_softmax_input.onnx"
    onnx.save(cut, str(cut_path))
    verify = subprocess.run([zoo, "verify", str(cut_path), "--reference", str(cut_data)] + VERIFY_OPTIONS,
                            capture_output=True, text=True, timeout=300)
    if verify.returncode != 0:
        return f"the Softmax input differs from onnxruntime's: {(verify.stdout + verify.stderr).strip()[-600:]}", None
    return None, (f"judged at the Softmax input, which matches onnxruntime's: logits of {numpy.abs(logits).max():.2g}, "
                  f"{spacing:g} apart in float32, decide the Softmax by their last bits")


def main():
    zoo = sys.argv[1]
    folder = fetch_wheel_folder(LIGHT_MODELS, CACHE)
    models = sorted(folder.glob("*.onnx"))
    failures = 0
    for path in models:
        problem, note = check(zoo, folder, path)
        print(f"{'ok  ' if problem is None else 'FAIL'}  {path.stem}" + (f": {problem}" if problem else f" ({note})" if note else ""))
        failures += problem is not None
    if len(models) != EXPECTED_MODELS:
        print(f"FAIL  expected {EXPECTED_MODELS} light models, found {len(models)} in {folder}")
        failures += 1
    print(f"{len(models) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
