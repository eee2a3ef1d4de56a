#!/usr/bin/env python3
"""Write the tf2onnx export of a Keras application for the bench/ scripts: OUT.onnx.

Usage: .venv-tf/bin/python bench/tf2onnx_export.py APPLICATION OUT.onnx
  APPLICATION: ResNet50 (bench/foreign_exports.sh), EfficientNetB0 or MobileNetV3Small
  (bench/run.sh)

The model is `keras.applications.APPLICATION(weights=None)` (224x224x3, the 1000-class top)
with seeded random weights (NumPy's default_rng(1); no download): kernels and biases standard
normal scaled by 0.01 (nonzero conv biases: with the zero biases of a fresh model tf2onnx drops
them and folds every batch norm into its conv, while a trained ResNet-50 exports as Conv -> Mul
-> Add), batch-norm gamma and moving variance in [0.5, 1.5], beta and moving mean small, and a
Normalization layer's (EfficientNet's) statistics left as Keras sets them. Exported by
tf2onnx.convert.from_keras at opset 13 with a symbolic batch, as TensorFlow users do; for
ResNet50 the script checks that the export has its batch norms as per-channel Mul and Add. Run
it in the pinned TensorFlow venv (`make venv-tf`); tf2onnx needs a few GB of memory.
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

APPLICATIONS = ("ResNet50", "EfficientNetB0", "MobileNetV3Small")


def main(application, out):
    if application not in APPLICATIONS:
        sys.exit(f"tf2onnx_export.py: APPLICATION must be one of {', '.join(APPLICATIONS)}; got {application!r}")
    model = getattr(keras.applications, application)(weights=None)
    rng = np.random.default_rng(1)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Normalization):
            continue
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
    if application == "ResNet50" and muls < 50:
        sys.exit(f"tf2onnx_export.py: expected ResNet50's batch norms as Mul + Add, found {muls} Mul nodes")
    onnx.save(proto, out)
    print(f"{out}: {len(proto.graph.node)} nodes, {muls} Mul, Keras params {model.count_params():,}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
