#!/usr/bin/env python3
"""Write the tf2onnx export of Keras's ResNet-50 for bench/foreign_exports.sh: OUT.onnx.

Usage: .venv-tf/bin/python bench/tf2onnx_resnet50.py OUT.onnx

The model is `keras.applications.ResNet50(weights=None)` (224x224x3, the 1000-class top) with
seeded random weights (NumPy's default_rng(1); no download): kernels and biases standard normal
scaled by 0.01 (nonzero conv biases: with the zero biases of a fresh model tf2onnx drops them and
folds every batch norm into its conv, while a trained ResNet-50 exports as Conv -> Mul -> Add),
batch-norm gamma and moving variance in [0.5, 1.5], beta and moving mean small. Exported by
tf2onnx.convert.from_keras at opset 13 with a symbolic batch, as TensorFlow users do; the script
checks that the export has its batch norms as per-channel Mul and Add. Run it in the pinned
TensorFlow venv (`make venv-tf`); tf2onnx needs a few GB of memory for this model.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import onnx  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402


def main(out):
    model = keras.applications.ResNet50(weights=None)
    rng = np.random.default_rng(1)
    for layer in model.layers:
        weights = []
        for variable in layer.weights:
            name = variable.path.split("/")[-1]
            shape = tuple(variable.shape)
            if name in ("gamma", "moving_variance"):
                weights.append(rng.uniform(0.5, 1.5, shape).astype(np.float32))
            else:
                weights.append((0.01 * rng.standard_normal(shape)).astype(np.float32))
        if weights:
            layer.set_weights(weights)
    spec = (tf.TensorSpec((None, 224, 224, 3), tf.float32, name="input"),)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=13)
    muls = sum(1 for node in proto.graph.node if node.op_type == "Mul")
    if muls < 50:
        sys.exit(f"tf2onnx_resnet50.py: expected the batch norms as Mul + Add, found {muls} Mul nodes")
    onnx.save(proto, out)
    print(f"{out}: {len(proto.graph.node)} nodes, {muls} Mul, Keras params {model.count_params():,}")


if __name__ == "__main__":
    main(sys.argv[1])
