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

Usage: onnx_light_models.py path/to/zoo. Prints one line per model, then `N passed, N failed`;
exits 1 when a model failed.
"""
import json
import pathlib
import subprocess
import sys

import numpy
import onnx
from onnx import numpy_helper

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
    """None when the model passes, else what failed."""
    name = path.stem
    model = onnx.load(path)
    analysis = subprocess.run([zoo, "analyze", str(path), "--format", "json"], capture_output=True, text=True, timeout=120)
    if analysis.returncode != 0:
        return f"analyze exited {analysis.returncode}: {analysis.stderr.strip()}"
    params = json.loads(analysis.stdout)["totals"]["params"]
    expected = stored_parameters(model)
    if (params["trainable"], params["non_trainable"]) != expected:
        return f"parameters {params['trainable']} + {params['non_trainable']}, the file stores {expected[0]} + {expected[1]}"
    verify = subprocess.run(
        [zoo, "verify", str(path), "--reference", str(reference_folder(folder, model, name))] + VERIFY_OPTIONS,
        capture_output=True, text=True, timeout=300)
    if verify.returncode != 0:
        return f"verify exited {verify.returncode}: {(verify.stdout + verify.stderr).strip()[-600:]}"
    return None


def main():
    zoo = sys.argv[1]
    folder = fetch_wheel_folder(LIGHT_MODELS, CACHE)
    models = sorted(folder.glob("*.onnx"))
    failures = 0
    for path in models:
        problem = check(zoo, folder, path)
        print(f"{'ok  ' if problem is None else 'FAIL'}  {path.stem}" + ("" if problem is None else f": {problem}"))
        failures += problem is not None
    if len(models) != EXPECTED_MODELS:
        print(f"FAIL  expected {EXPECTED_MODELS} light models, found {len(models)} in {folder}")
        failures += 1
    print(f"{len(models) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
