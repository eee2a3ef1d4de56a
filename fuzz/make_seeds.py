#!/usr/bin/env python3
"""Make the seed inputs of the ONNX reader's fuzzer (`make fuzz`) in fuzz/seeds/onnx/, and of the
tensor-file readers' fuzzer (`make fuzz-tensor`) in fuzz/seeds/tensor/.

Run it in the pinned venv: `.venv/bin/python fuzz/make_seeds.py`. It writes
  gen-<name>.onnx      tiny valid models built with onnx.helper, one per reader path worth
                       reaching (conv + relu + pool, Gemm, a tf2onnx-style Shape/Gather/Concat/
                       Reshape flatten, Constant-node weights, Pad-11, Clip-11, an initializer
                       listed as a graph input, ...), with weights of a few elements only
  fixture-<name>.onnx  copies of the small files in fixtures/onnx/ and fixtures/onnx/malformed/
                       (when present; files over FIXTURE_LIMIT bytes are left out)
and keeps the whole folder under TOTAL_LIMIT bytes, so that libFuzzer's -max_len (the largest
seed) stays small. The tensor seeds are copies of fixtures/tensors/ (.npy of every element type
and format version, stored and deflated .npz, raw_data and float_data .pb) and of the small
input_0.pb files of the ONNX fixtures' test data. The output is deterministic: the same bytes on
every run.
"""
from __future__ import annotations

import glob
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FUZZ_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ_DIR)
SEEDS_DIR = os.path.join(FUZZ_DIR, "seeds", "onnx")
TENSOR_SEEDS_DIR = os.path.join(FUZZ_DIR, "seeds", "tensor")
TENSOR_FIXTURES_DIR = os.path.join(ROOT, "fixtures", "tensors")
TENSOR_SEED_LIMIT = 4 * 1024  # bytes: a larger tensor adds elements, not reader paths
FIXTURES_DIR = os.path.join(ROOT, "fixtures", "onnx")
FIXTURE_LIMIT = 16 * 1024  # bytes: larger fixtures add weight bytes, not reader paths
TOTAL_LIMIT = 200 * 1024
F32 = TensorProto.FLOAT
BATCH = "N"


def weights(shape, salt=0):
    """Small deterministic float32 values (no RNG: identical bytes on every numpy)."""
    count = int(np.prod(shape)) if shape else 1
    return ((np.arange(count, dtype=np.float32) + salt) % 7 / 7 - 0.5).reshape(shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def ints(name, values):
    return init(name, np.array(values, dtype=np.int64))


def model(name, nodes, inputs, outputs, initializers=(), opset=13, ir_version=None):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        list(initializers))
    opsets = [helper.make_opsetid("", opset)]
    return helper.make_model(graph, opset_imports=opsets,
                             ir_version=ir_version or helper.find_min_ir_version_for(opsets),
                             producer_name="zoo fuzz seeds")


def conv_relu_pool():
    return model("conv_relu_pool", [
        helper.make_node("Conv", ["x", "w", "b"], ["conv"], name="conv", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1),
        helper.make_node("Relu", ["conv"], ["relu"], name="relu"),
        helper.make_node("MaxPool", ["relu"], ["pool"], name="pool", kernel_shape=[2, 2],
                         strides=[2, 2], ceil_mode=1),
        helper.make_node("AveragePool", ["pool"], ["avg"], name="avg", kernel_shape=[2, 2],
                         auto_pad="SAME_UPPER", count_include_pad=1),
        helper.make_node("GlobalAveragePool", ["avg"], ["gap"], name="gap"),
    ], [("x", F32, [BATCH, 1, 6, 6])], [("gap", F32, None)],
        [init("w", weights((2, 1, 3, 3))), init("b", weights((2,), 3))], opset=13)


def gemm():
    return model("gemm", [
        helper.make_node("Flatten", ["x"], ["flat"], name="flat", axis=1),
        helper.make_node("Gemm", ["flat", "B", "C"], ["fc1"], name="fc1", alpha=0.5, beta=2.0,
                         transB=1),
        helper.make_node("Gemm", ["fc1", "B2"], ["fc2"], name="fc2"),
        helper.make_node("MatMul", ["fc2", "M"], ["mm"], name="mm"),
        helper.make_node("Add", ["mm", "bias"], ["dense"], name="dense"),
        helper.make_node("Softmax", ["dense"], ["prob"], name="prob", axis=-1),
    ], [("x", F32, [BATCH, 2, 2])], [("prob", F32, None)],
        [init("B", weights((3, 4))), init("C", weights((3,), 1)), init("B2", weights((3, 2), 2)),
         init("M", weights((2, 2), 4)), init("bias", weights((2,), 5))], opset=13)


def tf_flatten():
    """tf2onnx's Flatten: an NHWC input transposed, then Shape -> Gather -> Unsqueeze ->
    Concat(-1) -> Reshape, with a Cast and a Slice as tf2onnx also writes them."""
    return model("tf_flatten", [
        helper.make_node("Transpose", ["x"], ["nchw"], name="to_nchw", perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["nchw", "w"], ["conv"], name="conv", kernel_shape=[1, 1],
                         auto_pad="VALID"),
        helper.make_node("Shape", ["conv"], ["shape"], name="shape"),
        helper.make_node("Cast", ["shape"], ["shape64"], name="cast", to=TensorProto.INT64),
        helper.make_node("Gather", ["shape64", "zero"], ["batch"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch1"], name="unsqueeze"),
        helper.make_node("Slice", ["shape64", "one", "two"], ["chan"], name="slice"),
        helper.make_node("Concat", ["batch1", "minus1"], ["target"], name="concat", axis=0),
        helper.make_node("Reshape", ["conv", "target"], ["flat"], name="reshape"),
        helper.make_node("MatMul", ["flat", "fc"], ["out"], name="fc"),
    ], [("x", F32, ["unk__0", 2, 2, 3])], [("out", F32, ["unk__0", 2])],
        [init("w", weights((2, 3, 1, 1))), ints("zero", 0), ints("axes0", [0]), ints("one", [1]),
         ints("two", [2]), ints("minus1", [-1]), init("fc", weights((8, 2)))], opset=13)


def constant_nodes():
    """Weights in Constant nodes, as Paddle exports them (value tensor, value_floats,
    value_ints), and a ConstantOfShape."""
    w = numpy_helper.from_array(weights((2, 2, 1, 1)), "w")
    w16 = numpy_helper.from_array(weights((2,), 1).astype(np.float16), "b")
    return model("constant_nodes", [
        helper.make_node("Constant", [], ["w"], name="w", value=w),
        helper.make_node("Constant", [], ["b16"], name="b16", value=w16),
        helper.make_node("Cast", ["b16"], ["b"], name="b", to=TensorProto.FLOAT),
        helper.make_node("Conv", ["x", "w", "b"], ["conv"], name="conv"),
        helper.make_node("Constant", [], ["scale"], name="scale", value_floats=[0.5, 2.0]),
        helper.make_node("Constant", [], ["shape"], name="shape", value_ints=[1, 2, 1, 1]),
        helper.make_node("Reshape", ["scale", "shape"], ["scale4"], name="scale4"),
        helper.make_node("Mul", ["conv", "scale4"], ["mul"], name="mul"),
        helper.make_node("Constant", [], ["one"], name="one", value_float=1.0),
        helper.make_node("Constant", [], ["dims"], name="dims", value_ints=[1]),
        helper.make_node("ConstantOfShape", ["dims"], ["zeros"], name="zeros",
                         value=numpy_helper.from_array(np.array([0.25], np.float32))),
        helper.make_node("Add", ["mul", "zeros"], ["out"], name="add"),
    ], [("x", F32, [BATCH, 2, 3, 3])], [("out", F32, None)], opset=13)


def pad11():
    return model("pad11", [
        helper.make_node("Pad", ["x", "pads", "value"], ["padded"], name="pad", mode="constant"),
        helper.make_node("Pad", ["padded", "pads"], ["reflected"], name="reflect", mode="reflect"),
        helper.make_node("Pad", ["reflected", "pads"], ["edged"], name="edge", mode="edge"),
    ], [("x", F32, [BATCH, 1, 3, 3])], [("edged", F32, None)],
        [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1]), init("value", np.array(0.5, np.float32))],
        opset=11)


def clip11():
    return model("clip11", [
        helper.make_node("Clip", ["x", "lo", "hi"], ["clipped"], name="clip"),
        helper.make_node("Clip", ["clipped", "", "hi"], ["capped"], name="cap"),
        helper.make_node("LeakyRelu", ["capped"], ["leaky"], name="leaky", alpha=0.1),
        helper.make_node("Dropout", ["leaky"], ["out"], name="dropout", ratio=0.5),
    ], [("x", F32, [BATCH, 4])], [("out", F32, None)],
        [init("lo", np.array(0.0, np.float32)), init("hi", np.array(6.0, np.float32))], opset=11)


def ir3_initializer_input():
    """IR version 3: initializers also listed as graph inputs."""
    initializers = [init("W", weights((2, 1, 2, 2))), init("B", weights((2,), 2)),
                    init("scale", weights((2,), 3) + 1), init("bias", weights((2,), 4)),
                    init("mean", weights((2,), 5)), init("var", weights((2,), 6) + 1)]
    inputs = [("x", F32, [1, 1, 3, 3])] + [(i.name, F32, list(i.dims)) for i in initializers]
    return model("ir3_initializer_input", [
        helper.make_node("Conv", ["x", "W", "B"], ["conv"], name="conv", kernel_shape=[2, 2]),
        helper.make_node("BatchNormalization", ["conv", "scale", "bias", "mean", "var"], ["bn"],
                         name="bn", epsilon=1e-5),
        helper.make_node("Sigmoid", ["bn"], ["out"], name="sigmoid"),
    ], inputs, [("out", F32, None)], initializers, opset=7, ir_version=3)


def squeeze13():
    """Squeeze/Unsqueeze-13 (axes as inputs), Reshape-14 allowzero, Pad-18 axes, typed-field
    (float_data, int64_data, double_data) initializers."""
    typed = helper.make_tensor("w", F32, [2, 1, 1, 1], [0.5, -0.5])
    double = helper.make_tensor("b", TensorProto.DOUBLE, [2], [0.25, -0.25])
    return model("squeeze13", [
        helper.make_node("Cast", ["b"], ["b32"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("Conv", ["x", "w", "b32"], ["conv"], name="conv"),
        helper.make_node("Squeeze", ["conv", "axes"], ["sq"], name="squeeze"),
        helper.make_node("Unsqueeze", ["sq", "axes"], ["unsq"], name="unsqueeze"),
        helper.make_node("Reshape", ["unsq", "target"], ["reshaped"], name="reshape", allowzero=0),
        helper.make_node("Pad", ["reshaped", "pads", "", "padaxes"], ["out"], name="pad",
                         mode="wrap"),
    ], [("x", F32, [BATCH, 1, 1, 4])], [("out", F32, None)],
        [typed, double, helper.make_tensor("axes", TensorProto.INT64, [1], [2]),
         helper.make_tensor("target", TensorProto.INT64, [3], [0, 2, 4]),
         ints("pads", [1, 1]), ints("padaxes", [-1])], opset=19)


def external_data():
    """An initializer in external data (the file need not exist: the error path is a path too)."""
    tensor = helper.make_tensor("w", F32, [2, 1, 1, 1], [0.5, -0.5])
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "weights.bin"), ("offset", "0"), ("length", "8")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return model("external_data", [
        helper.make_node("Conv", ["x", "w"], ["out"], name="conv"),
    ], [("x", F32, [BATCH, 1, 2, 2])], [("out", F32, None)], [tensor], opset=13)


def activations():
    """Opset 14+ activations and the ops that need runtime pairs (Concat, Sum, binary Add)."""
    return model("activations", [
        helper.make_node("HardSwish", ["x"], ["hs"], name="hs"),
        helper.make_node("HardSigmoid", ["x"], ["hsig"], name="hsig", alpha=0.2, beta=0.5),
        helper.make_node("Tanh", ["x"], ["tanh"], name="tanh"),
        helper.make_node("Sum", ["hs", "hsig", "tanh"], ["sum"], name="sum"),
        helper.make_node("Concat", ["sum", "x"], ["cat"], name="cat", axis=1),
        helper.make_node("LRN", ["cat"], ["lrn"], name="lrn", size=3),
        helper.make_node("GlobalMaxPool", ["lrn"], ["gmp"], name="gmp"),
        helper.make_node("Identity", ["gmp"], ["out"], name="identity"),
    ], [("x", F32, [BATCH, 2, 2, 2])], [("out", F32, None)], opset=14)


def with_output_shapes(proto):
    """The graph outputs typed with their inferred shapes (the checker wants a shape)."""
    inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True)
    types = {v.name: v.type for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    for output in proto.graph.output:
        if output.name in types:
            output.type.CopyFrom(types[output.name])
    return proto


def shape_arithmetic():
    """Shape arithmetic folded at import: Shape with start/end (opset 15), Gather with negative
    indices, Add/Sub/Mul/Div of shape vectors, Size, Slice with axes and steps, ConstantOfShape
    with an integer fill, Identity, Squeeze of a constant."""
    return model("shape_arithmetic", [
        helper.make_node("Shape", ["x"], ["spatial"], name="spatial", start=2, end=-1),
        helper.make_node("Shape", ["x"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "last"], ["width"], name="width", axis=0),
        helper.make_node("Mul", ["width", "two"], ["doubled"], name="doubled"),
        helper.make_node("Div", ["doubled", "two"], ["halved"], name="halved"),
        helper.make_node("Sub", ["halved", "one"], ["less"], name="less"),
        helper.make_node("Add", ["less", "one"], ["again"], name="again"),
        helper.make_node("Slice", ["shape", "starts", "ends", "axes", "steps"], ["tail"], name="tail"),
        helper.make_node("Size", ["x"], ["size"], name="size"),
        helper.make_node("ConstantOfShape", ["one"], ["ones"], name="ones",
                         value=numpy_helper.from_array(np.array([1], np.int64))),
        helper.make_node("Identity", ["ones"], ["ones2"], name="ones2"),
        helper.make_node("Squeeze", ["ones2", "axis0"], ["scalar1"], name="scalar1"),
        helper.make_node("Unsqueeze", ["scalar1", "axis0"], ["ones3"], name="ones3"),
        helper.make_node("Concat", ["ones3", "minus1", "spatial", "again"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["reshaped"], name="reshape"),
        helper.make_node("Flatten", ["reshaped"], ["out"], name="flatten", axis=1),
    ], [("x", F32, [1, 2, 3, 4])], [("out", F32, [1, 24])],
        [ints("last", [-1]), ints("two", [2]), ints("one", [1]), ints("starts", [-2]),
         ints("ends", [2**62]), ints("axes", [0]), ints("steps", [1]), ints("axis0", [0]),
         ints("minus1", [-1])], opset=15)


def opset9_attributes():
    """Opset 9: Slice, Unsqueeze and Squeeze with attributes, Softmax-1 semantics,
    BatchNormalization-9, Pad-2 attributes, MaxPool-8 without ceil_mode."""
    initializers = [init("scale", weights((2,), 3) + 1), init("bias", weights((2,), 4)),
                    init("mean", weights((2,), 5)), init("var", weights((2,), 6) + 1)]
    return model("opset9_attributes", [
        helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["bn"],
                         name="bn"),
        helper.make_node("Pad", ["bn"], ["padded"], name="pad", pads=[0, 0, 1, 1, 0, 0, 1, 1],
                         mode="constant", value=0.0),
        helper.make_node("MaxPool", ["padded"], ["pool"], name="pool", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Shape", ["pool"], ["shape"], name="shape"),
        helper.make_node("Slice", ["shape"], ["batch"], name="batch", starts=[0], ends=[1],
                         axes=[0]),
        helper.make_node("Concat", ["batch", "minus1"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["pool", "target"], ["flat"], name="flat"),
        helper.make_node("Unsqueeze", ["flat"], ["flat3"], name="unsqueeze", axes=[2]),
        helper.make_node("Squeeze", ["flat3"], ["flat2"], name="squeeze", axes=[2]),
        helper.make_node("Softmax", ["flat2"], ["out"], name="softmax"),
    ], [("x", F32, [BATCH, 2, 2, 2])], [("out", F32, [BATCH, 8])],
        initializers + [ints("minus1", [-1])], opset=9)


GENERATED = [conv_relu_pool, gemm, tf_flatten, constant_nodes, pad11, clip11,
             ir3_initializer_input, squeeze13, external_data, activations, shape_arithmetic,
             opset9_attributes]


def main() -> int:
    if os.path.isdir(SEEDS_DIR):
        shutil.rmtree(SEEDS_DIR)
    os.makedirs(SEEDS_DIR)
    total = 0
    for make in GENERATED:
        proto = with_output_shapes(make())
        if make is not external_data:  # the checker wants the external file; the reader need not
            onnx.checker.check_model(proto, full_check=True)  # the seeds are valid models
        data = proto.SerializeToString(deterministic=True)
        with open(os.path.join(SEEDS_DIR, f"gen-{make.__name__}.onnx"), "wb") as f:
            f.write(data)
        total += len(data)
    fixtures = sorted(glob.glob(os.path.join(FIXTURES_DIR, "*.onnx")) +
                      glob.glob(os.path.join(FIXTURES_DIR, "malformed", "*.onnx")))
    skipped = []
    for path in fixtures:
        size = os.path.getsize(path)
        if size > FIXTURE_LIMIT or total + size > TOTAL_LIMIT:
            skipped.append(os.path.relpath(path, ROOT))
            continue
        prefix = "fixture-malformed-" if os.path.basename(os.path.dirname(path)) == "malformed" else "fixture-"
        shutil.copyfile(path, os.path.join(SEEDS_DIR, prefix + os.path.basename(path)))
        total += size
    count = len(os.listdir(SEEDS_DIR))
    print(f"make_seeds: {count} seeds, {total} bytes in {os.path.relpath(SEEDS_DIR, ROOT)}"
          f" ({len(skipped)} larger fixtures left out)")
    tensor_seeds()
    return 0


def tensor_seeds():
    """fuzz/seeds/tensor/: the tensor fixtures and the ONNX fixtures' small input_0.pb files."""
    if os.path.isdir(TENSOR_SEEDS_DIR):
        shutil.rmtree(TENSOR_SEEDS_DIR)
    os.makedirs(TENSOR_SEEDS_DIR)
    paths = sorted(glob.glob(os.path.join(TENSOR_FIXTURES_DIR, "*.np[yz]")) +
                   glob.glob(os.path.join(TENSOR_FIXTURES_DIR, "*.pb")))
    paths += sorted(glob.glob(os.path.join(FIXTURES_DIR, "*", "test_data_set_0", "input_0.pb")))
    total = 0
    for path in paths:
        if os.path.getsize(path) > TENSOR_SEED_LIMIT:
            continue
        relative = os.path.relpath(path, os.path.join(ROOT, "fixtures"))
        shutil.copyfile(path, os.path.join(TENSOR_SEEDS_DIR, relative.replace(os.sep, "-")))
        total += os.path.getsize(path)
    print(f"make_seeds: {len(os.listdir(TENSOR_SEEDS_DIR))} seeds, {total} bytes in "
          f"{os.path.relpath(TENSOR_SEEDS_DIR, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
