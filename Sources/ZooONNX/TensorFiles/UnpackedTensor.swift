import COnnx
import ZooCore

/// A standalone ONNX `TensorProto` unpacked by protobuf-c (a `.pb` tensor file such as the
/// backend tests' `input_0.pb`), freed when this object goes away. A float32 tensor read from it
/// borrows its elements from the message, so it lives as long as any such tensor.
final class UnpackedTensor: @unchecked Sendable {
    let proto: UnsafeMutablePointer<Onnx__TensorProto>

    /// Unpacks `bytes`; protobuf-c copies every bytes field out of them, so the caller may
    /// release the input as soon as this returns.
    init(bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
            let proto = onnx__tensor_proto__unpack(nil, bytes.count, base)
        else {
            throw ZooError(
                .malformedFile,
                "A .pb tensor file must hold one valid ONNX TensorProto message. Received: \(bytes.count) bytes that protobuf-c cannot decode (truncated, not a TensorProto, or a field of the wrong wire type).")
        }
        self.proto = proto
    }

    deinit {
        onnx__tensor_proto__free_unpacked(proto, nil)
    }
}
