#!/usr/bin/env python3
"""Write a VGG-16-sized Keras model for bench/keras_load.sh: OUTDIR/vgg16.h5 and OUTDIR/vgg16.keras.

Usage: .venv-tf/bin/python bench/keras_make_vgg16.py OUTDIR

The model is `keras.applications.VGG16(weights=None)` (224x224x3 input, the 1000-class top):
138,357,544 float32 weights, 553 MB. Its weights are set to seeded random values (NumPy's
default_rng(1), standard normal scaled by 0.01; no download), then saved twice: the legacy
full-model HDF5 (`model.save("vgg16.h5")`, what Keras 2 wrote) and the Keras 3 native zip
(`model.save("vgg16.keras")`). Both hold the same weights, so every reader in the benchmark reads
the same bytes. Run it in the pinned TensorFlow venv (`make venv-tf`: tensorflow-cpu, keras 3).
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402

SEED = 1
WEIGHTS = 138_357_544


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: keras_make_vgg16.py OUTDIR")
    out = sys.argv[1]
    model = keras.applications.VGG16(weights=None)
    rng = np.random.default_rng(SEED)
    model.set_weights([
        (rng.standard_normal(w.shape, dtype=np.float32) * np.float32(0.01)) for w in model.get_weights()
    ])
    count = sum(int(np.prod(w.shape)) for w in model.weights)
    if count != WEIGHTS:
        sys.exit(f"keras_make_vgg16.py: VGG16 has {count} weights, expected {WEIGHTS}")
    model.save(os.path.join(out, "vgg16.h5"))  # legacy HDF5; Keras 3 warns that it is legacy
    model.save(os.path.join(out, "vgg16.keras"))


if __name__ == "__main__":
    main()
