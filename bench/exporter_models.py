#!/usr/bin/env python3
"""Write the detector and the U-Net of fixtures/onnx/exporter_models.py at a realistic size for
bench/exporter_models.sh: OUT_DIR/yolo_head.onnx (640x640, width 16, 80 classes: about the
size of a YOLOv8-n head on a reduced backbone) and OUT_DIR/unet.onnx (512x512, width 16).

Usage: .venv/bin/python bench/exporter_models.py OUT_DIR
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "onnx"))
import exporter_models  # noqa: E402
import make_fixtures  # noqa: E402
import onnx  # noqa: E402


def main(out):
    folder = pathlib.Path(out)
    for name, build, options in (("yolo_head", exporter_models.yolo_head, dict(size=640, width=16, classes=80)),
                                 ("unet", exporter_models.unet, dict(size=512, width=16, classes=2))):
        builder = make_fixtures.Builder(name, seed_name=f"bench {name}")
        inputs, outputs, opset = build(builder, **options)
        onnx.save(builder.model(inputs, outputs, opset), str(folder / f"{name}.onnx"))


if __name__ == "__main__":
    main(sys.argv[1])
