#!/usr/bin/env python3
"""Write a VGG-16-sized Keras model for bench/keras_load.sh: OUTDIR/vgg16.h5, OUTDIR/vgg16.keras
and OUTDIR/vgg16_misaligned.keras.

Usage: .venv-tf/bin/python bench/keras_make_vgg16.py OUTDIR

The model is `keras.applications.VGG16(weights=None)` (224x224x3 input, the 1000-class top):
138,357,544 float32 weights, 553 MB. Its weights are set to seeded random values (NumPy's
default_rng(1), standard normal scaled by 0.01; no download), then saved twice: the legacy
full-model HDF5 (`model.save("vgg16.h5")`, what Keras 2 wrote) and the Keras 3 native zip
(`model.save("vgg16.keras")`). Both hold the same weights, so every reader in the benchmark reads
the same bytes. Run it in the pinned TensorFlow venv (`make venv-tf`: tensorflow-cpu, keras 3).

Keras writes the .keras zip without aligning its stored model.weights.h5 entry: where its data
starts depends on the sizes of the entries before it (here byte 22,360, a multiple of 4, so the
float32 datasets can be used in place). vgg16_misaligned.keras is the same zip with an extra field
(id 0x5A4F) in the weights entry's headers that moves its data to 1 mod 4, as three in four
.keras files are: a reader must then copy the datasets.
"""
import os
import sys
import zipfile

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
        (rng.standard_normal(tuple(w.shape), dtype=np.float32) * np.float32(0.01)) for w in model.weights
    ])
    count = sum(int(np.prod(w.shape)) for w in model.weights)
    if count != WEIGHTS:
        sys.exit(f"keras_make_vgg16.py: VGG16 has {count} weights, expected {WEIGHTS}")
    model.save(os.path.join(out, "vgg16.h5"))  # legacy HDF5; Keras 3 warns that it is legacy
    model.save(os.path.join(out, "vgg16.keras"))
    start = data_offset(os.path.join(out, "vgg16.keras"))
    if start % 4:
        sys.exit(f"keras_make_vgg16.py: Keras wrote the weights entry at {start}, not a multiple of 4: "
                 "the benchmark's in-place .keras row would measure the copying path")
    misalign(os.path.join(out, "vgg16.keras"), os.path.join(out, "vgg16_misaligned.keras"))


def misalign(source: str, target: str) -> None:
    """Copy the zip `source` to `target` with model.weights.h5's data moved to 1 mod 4."""
    with zipfile.ZipFile(source) as z:
        entries = [(info, z.read(info.filename)) for info in z.infolist()]
    for pad in range(4):
        with zipfile.ZipFile(target, "w") as z:
            for info, data in entries:
                if info.filename == "model.weights.h5":
                    info.extra = (0x5A4F).to_bytes(2, "little") + pad.to_bytes(2, "little") + bytes(pad)
                z.writestr(info, data)
        if data_offset(target) % 4 == 1:
            return
    sys.exit("keras_make_vgg16.py: no extra field moves the weights to 1 mod 4")


def data_offset(path: str) -> int:
    """Where model.weights.h5's data starts in the zip `path`: after its local header, name and extra field."""
    with zipfile.ZipFile(path) as z:
        header = z.getinfo("model.weights.h5").header_offset
    with open(path, "rb") as f:
        f.seek(header)
        local = f.read(30)
    if local[:4] != b"PK\x03\x04":
        sys.exit(f"keras_make_vgg16.py: {path} has no local header at {header}")
    return header + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")


if __name__ == "__main__":
    main()
