import COnnx
import Foundation
import ZooCore

/// An unpacked ONNX `ModelProto`, freed when this object goes away. Tensors read from the
/// model borrow their floats from it (``TensorStorage/init(borrowing:keepingAlive:)``), so it
/// lives as long as any of them.
final class UnpackedModel: @unchecked Sendable {
    let proto: UnsafeMutablePointer<Onnx__ModelProto>

    /// Unpacks `bytes`; protobuf-c copies every bytes field out of them, so the caller may
    /// release the input as soon as this returns.
    init(bytes: UnsafeRawBufferPointer, file: String) throws {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
            let proto = onnx__model_proto__unpack(zoo_unpack_allocator(), bytes.count, base)
        else {
            throw ZooError(
                .malformedFile,
                "An ONNX file must hold one valid ModelProto message. Received: \(bytes.count) bytes that protobuf-c cannot decode (truncated, not ONNX, or a field of the wrong wire type).",
                file: file)
        }
        self.proto = proto
    }

    deinit {
        onnx__model_proto__free_unpacked(proto, zoo_unpack_allocator())
    }
}
