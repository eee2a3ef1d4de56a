import COnnx
import ZooCore

/// One tensor as a serialized ONNX `TensorProto`: the `.pb` files of the ONNX backend tests
/// (`test_data_set_0/input_0.pb`) and of `onnx.numpy_helper`.
///
/// Reading unpacks the message with protobuf-c and decodes it with ``TensorDecoder``, so every
/// data type, `raw_data`, the typed fields and external data (relative to the file's folder) are
/// handled exactly as for a model's initializers; the result is float32. Writing produces
/// `dims`, `data_type` FLOAT, `name` and little-endian `raw_data`, the fields and order of
/// `onnx.numpy_helper.from_array`.
enum TensorProtoFile {
    /// The largest message protobuf implementations parse (2 GiB - 1).
    static let maximumMessageSize = Int(Int32.max)

    /// The tensor in `bytes`, a whole `.pb` file read from `path`; its name is the
    /// TensorProto's, or the file's base name when the proto has none.
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String, baseName: String) throws -> (name: String, tensor: Tensor) {
        let unpacked = try UnpackedTensor(bytes: bytes)
        let constant = try TensorDecoder(owner: unpacked, file: path).decode(unpacked.proto)
        let name = ProtoAccess.string(unpacked.proto.pointee.name)
        return (name.isEmpty ? baseName : name, try constant.floatTensor())
    }

    /// The serialized TensorProto of `tensor`, named `name`.
    static func encode(name: String, tensor: Tensor) throws -> [UInt8] {
        guard let storage = tensor.storage else {
            throw ZooError(.invalidGraph, "A tensor written to a file must hold values. Received: tensor '\(name)' of shape \(tensor.shape) without them.")
        }
        guard !name.utf8.contains(0) else {
            throw ZooError(.invalidGraph, "A TensorProto name must not contain NUL characters. Received: '\(name.debugDescription)'.")
        }
        var dims = tensor.shape.map { Int64($0) }
        let byteCount = try Checked.multiply(storage.buffer.count, MemoryLayout<Float>.size, "the byte size of tensor '\(name)'")
        var nameBytes = Array(name.utf8CString)
        return try dims.withUnsafeMutableBufferPointer { dimsBuffer in
            try nameBytes.withUnsafeMutableBufferPointer { nameBuffer in
                var proto = Onnx__TensorProto()
                onnx__tensor_proto__init(&proto)
                proto.n_dims = dimsBuffer.count
                proto.dims = dimsBuffer.baseAddress
                proto.has_data_type = 1
                proto.data_type = TensorDecoder.DataType.float.rawValue
                proto.name = nameBuffer.baseAddress
                proto.has_raw_data = 1
                // protobuf-c only reads the bytes it packs.
                proto.raw_data = ProtobufCBinaryData(
                    len: byteCount, data: UnsafeMutableRawPointer(mutating: storage.buffer.baseAddress)?.assumingMemoryBound(to: UInt8.self))
                let size = onnx__tensor_proto__get_packed_size(&proto)
                guard size <= maximumMessageSize else {
                    throw ZooError(
                        .unsupported,
                        "A .pb tensor file must stay under protobuf's 2 GiB message limit; write .npy instead. Received: tensor '\(name)' of \(size) bytes.")
                }
                var bytes = [UInt8](repeating: 0, count: size)
                let packed = bytes.withUnsafeMutableBufferPointer { buffer in
                    buffer.baseAddress.map { onnx__tensor_proto__pack(&proto, $0) } ?? 0
                }
                guard packed == size else {
                    throw ZooError(.io, "protobuf-c must pack a TensorProto to its computed size. Received: \(packed) of \(size) bytes for tensor '\(name)'.")
                }
                return bytes
            }
        }
    }
}
