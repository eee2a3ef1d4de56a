#!/usr/bin/env bash
# Regenerates the protobuf-c code of Sources/COnnx from Sources/COnnx/onnx.proto. The output is
# committed, so building zoo never needs protoc-c (Debian: protobuf-c-compiler).
set -euo pipefail
cd "$(dirname "$0")/../Sources/COnnx"
command -v protoc-c >/dev/null || { echo "generate-onnx-proto: protoc-c not found (apt-get install protobuf-c-compiler)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
protoc-c --c_out="$work" onnx.proto
mv "$work/onnx.pb-c.c" onnx.pb-c.c
mv "$work/onnx.pb-c.h" include/onnx.pb-c.h
