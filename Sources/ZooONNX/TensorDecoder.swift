import COnnx
import Foundation
import ZooArchive
import ZooCore

/// Turns TensorProtos into ``ONNXConstant``s: every data type a CNN's weights come in, from
/// `raw_data`, the typed fields or external data, each length checked against the dims with
/// overflow-checked arithmetic.
///
/// float32 data is borrowed, never copied: from `raw_data` or `float_data` of the unpacked
/// message (kept alive by ``UnpackedModel`` or ``UnpackedTensor``) or from a mapped
/// external-data file. float16, bfloat16 and float64 are converted to float32 at import;
/// integers are kept as Int64.
/// Raw data is little-endian, as ONNX stores it and as every supported host is.
final class TensorDecoder {
    /// What keeps the unpacked TensorProtos alive: an ``UnpackedModel``, or an
    /// ``UnpackedTensor`` for a standalone tensor file. Borrowed floats keep it alive.
    let owner: AnyObject
    /// The folder external-data paths are relative to.
    let folder: URL
    let file: String
    private var externalFiles: [String: MappedFile] = [:]

    /// A decoder for the initializers and Constant values of `model`, read from `file`.
    convenience init(model: UnpackedModel, file: String) {
        self.init(owner: model, file: file)
    }

    /// A decoder for TensorProtos that `owner` keeps alive (a standalone TensorProto file).
    init(owner: AnyObject, file: String) {
        self.owner = owner
        self.file = file
        self.folder = URL(fileURLWithPath: file).deletingLastPathComponent()
    }

    /// The largest TensorProto.DataType value ONNX defines (FLOAT6E3M2 in onnx 1.23).
    static let lastONNXDataType: Int32 = 28

    /// ONNX TensorProto.DataType values zoo reads.
    enum DataType: Int32 {
        case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, string = 8, bool = 9
        case float16 = 10, double = 11, uint32 = 12, uint64 = 13, complex64 = 14, complex128 = 15, bfloat16 = 16

        var byteSize: Int {
            switch self {
            case .uint8, .int8, .bool: 1
            case .uint16, .int16, .float16, .bfloat16: 2
            case .float, .int32, .uint32: 4
            case .int64, .uint64, .double, .complex64: 8
            case .complex128: 16
            case .string: 0
            }
        }

        var isFloatingPoint: Bool { self == .float || self == .float16 || self == .double || self == .bfloat16 }
    }

    func decode(_ proto: UnsafeMutablePointer<Onnx__TensorProto>) throws -> ONNXConstant {
        let tensor = proto.pointee
        let name = ProtoAccess.string(tensor.name)
        do {
            return try decode(tensor, name: name, owner: owner)
        } catch let error as ZooError {
            throw error.at(layer: name).inFile(file)
        }
    }

    private func decode(_ tensor: Onnx__TensorProto, name: String, owner: AnyObject) throws -> ONNXConstant {
        let dims = Array(ProtoAccess.buffer(tensor.dims, tensor.n_dims))
        var shape: [Int] = []
        for dim in dims {
            guard dim >= 0, let size = Int(exactly: dim) else {
                throw ZooError(.malformedFile, "Tensor dimensions must not be negative. Received: tensor '\(name)' dims \(dims).")
            }
            shape.append(size)
        }
        let count: Int
        do {
            count = try Checked.product(shape, "the element count of tensor '\(name)' dims \(dims)")
        } catch {
            throw ZooError(.malformedFile, "A tensor's element count must fit in 64 bits. Received: tensor '\(name)' dims \(dims).")
        }
        guard (1...Self.lastONNXDataType).contains(tensor.data_type) else {
            throw ZooError(
                .malformedFile,
                "A tensor's data_type must be one ONNX defines (1 to \(Self.lastONNXDataType)). Received: tensor '\(name)' of data_type \(tensor.data_type).")
        }
        guard let type = DataType(rawValue: tensor.data_type), type != .string, type != .complex64, type != .complex128 else {
            throw ZooError(
                .unsupported,
                "Tensors must hold numbers zoo reads (float, float16, bfloat16, double or an integer type). Received: tensor '\(name)' of data_type \(tensor.data_type).")
        }
        let byteCount = try Checked.multiply(count, type.byteSize, "the byte size of tensor '\(name)'")
        if tensor.has_data_location != 0, tensor.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
            let (bytes, fileOwner) = try externalBytes(tensor, name: name, byteCount: byteCount)
            return try fromRaw(bytes, type: type, shape: shape, count: count, owner: fileOwner)
        }
        if tensor.has_raw_data != 0 {
            let bytes = ProtoAccess.bytes(tensor.raw_data)
            guard bytes.count == byteCount else {
                throw ZooError(
                    .malformedFile,
                    "A tensor's raw_data must hold product(dims) x element size bytes. Received: tensor '\(name)' dims \(dims) of \(type) needs \(byteCount) bytes, raw_data has \(bytes.count).")
            }
            return try fromRaw(bytes, type: type, shape: shape, count: count, owner: owner)
        }
        return try fromTypedFields(tensor, name: name, type: type, shape: shape, count: count, owner: owner)
    }

    private func lengthError(_ name: String, _ field: String, _ found: Int, _ count: Int) -> ZooError {
        ZooError(.malformedFile, "A tensor's \(field) must hold product(dims) values. Received: tensor '\(name)' needs \(count), \(field) has \(found).")
    }

    private func fromTypedFields(_ tensor: Onnx__TensorProto, name: String, type: DataType, shape: [Int], count: Int, owner: AnyObject) throws -> ONNXConstant {
        switch type {
        case .float:
            let values = ProtoAccess.buffer(tensor.float_data, tensor.n_float_data)
            guard values.count == count else { throw lengthError(name, "float_data", values.count, count) }
            guard count > 0 else { return ONNXConstant(shape: shape, floats: try Tensor(shape: shape, values: [])) }
            return ONNXConstant(shape: shape, floats: try Tensor(shape: shape, storage: TensorStorage(borrowing: values, keepingAlive: owner)))
        case .double:
            let values = ProtoAccess.buffer(tensor.double_data, tensor.n_double_data)
            guard values.count == count else { throw lengthError(name, "double_data", values.count, count) }
            return ONNXConstant(shape: shape, floats: try Tensor(shape: shape, storage: TensorStorage(count: count) { out in
                for index in 0..<count { out[index] = Float(values[index]) }
            }))
        case .int64:
            let values = ProtoAccess.buffer(tensor.int64_data, tensor.n_int64_data)
            guard values.count == count else { throw lengthError(name, "int64_data", values.count, count) }
            return ONNXConstant(shape: shape, integers: Array(values))
        case .uint32, .uint64:
            let values = ProtoAccess.buffer(tensor.uint64_data, tensor.n_uint64_data)
            guard values.count == count else { throw lengthError(name, "uint64_data", values.count, count) }
            return ONNXConstant(shape: shape, integers: values.map { Int64(clamping: $0) })
        case .float16, .bfloat16:
            let values = ProtoAccess.buffer(tensor.int32_data, tensor.n_int32_data)
            guard values.count == count else { throw lengthError(name, "int32_data", values.count, count) }
            return ONNXConstant(shape: shape, floats: try Tensor(shape: shape, storage: TensorStorage(count: count) { out in
                for index in 0..<count { out[index] = Self.halfToFloat(UInt16(truncatingIfNeeded: values[index]), brain: type == .bfloat16) }
            }))
        case .int32, .int16, .int8, .uint16, .uint8, .bool:
            let values = ProtoAccess.buffer(tensor.int32_data, tensor.n_int32_data)
            guard values.count == count else { throw lengthError(name, "int32_data", values.count, count) }
            return ONNXConstant(shape: shape, integers: values.map { Int64($0) })
        case .string, .complex64, .complex128:
            throw ZooError(.unsupported, "Tensors of data type \(type) are not read. Received: tensor '\(name)'.")
        }
    }

    private func fromRaw(_ bytes: UnsafeRawBufferPointer, type: DataType, shape: [Int], count: Int, owner: AnyObject) throws -> ONNXConstant {
        switch type {
        case .float:
            guard count > 0, let base = bytes.baseAddress else { return ONNXConstant(shape: shape, floats: try Tensor(shape: shape, values: [])) }
            if Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
                let floats = UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: count)
                return ONNXConstant(shape: shape, floats: try Tensor(shape: shape, storage: TensorStorage(borrowing: floats, keepingAlive: owner)))
            }
            return ONNXConstant(shape: shape, floats: try Tensor(shape: shape, storage: TensorStorage(count: count) { out in
                for index in 0..<count { out[index] = bytes.loadUnaligned(fromByteOffset: index * 4, as: Float.self) }
            }))
        case .double:
            return ONNXConstant(shape: shape, floats: try Tensor(shape: shape, storage: TensorStorage(count: count) { out in
                for index in 0..<count { out[index] = Float(bytes.loadUnaligned(fromByteOffset: index * 8, as: Double.self)) }
            }))
        case .float16, .bfloat16:
            return ONNXConstant(shape: shape, floats: try Tensor(shape: shape, storage: TensorStorage(count: count) { out in
                for index in 0..<count {
                    out[index] = Self.halfToFloat(bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self), brain: type == .bfloat16)
                }
            }))
        case .int64: return ONNXConstant(shape: shape, integers: (0..<count).map { bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) })
        case .uint64: return ONNXConstant(shape: shape, integers: (0..<count).map { Int64(clamping: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) })
        case .int32: return ONNXConstant(shape: shape, integers: (0..<count).map { Int64(bytes.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) })
        case .uint32: return ONNXConstant(shape: shape, integers: (0..<count).map { Int64(bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) })
        case .int16: return ONNXConstant(shape: shape, integers: (0..<count).map { Int64(bytes.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) })
        case .uint16: return ONNXConstant(shape: shape, integers: (0..<count).map { Int64(bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) })
        case .int8: return ONNXConstant(shape: shape, integers: (0..<count).map { Int64(Int8(bitPattern: bytes[$0])) })
        case .uint8, .bool: return ONNXConstant(shape: shape, integers: (0..<count).map { Int64(bytes[$0]) })
        case .string, .complex64, .complex128:
            throw ZooError(.unsupported, "Tensors of data type \(type) are not read.")
        }
    }

    /// IEEE half (or bfloat16, the top half of a float32) to float32.
    static func halfToFloat(_ bits: UInt16, brain: Bool) -> Float {
        if brain { return Float(bitPattern: UInt32(bits) << 16) }
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa x 2^-24.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// The bytes of an external-data tensor: `location` relative to the model's folder and
    /// inside it, `offset` and `length` inside the file.
    private func externalBytes(_ tensor: Onnx__TensorProto, name: String, byteCount: Int) throws -> (UnsafeRawBufferPointer, AnyObject) {
        var entries: [String: String] = [:]
        for entry in ProtoAccess.messages(tensor.external_data, tensor.n_external_data) {
            entries[ProtoAccess.string(entry.pointee.key)] = ProtoAccess.string(entry.pointee.value)
        }
        guard let location = entries["location"], !location.isEmpty else {
            throw ZooError(.malformedFile, "External data needs a location. Received: tensor '\(name)' without one.")
        }
        func integer(_ key: String) throws -> Int? {
            guard let text = entries[key] else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw ZooError(.malformedFile, "External data \(key) must be a non-negative integer. Received: '\(text)' for tensor '\(name)'.")
            }
            return value
        }
        let offset = try integer("offset") ?? 0
        let path = try resolve(location, tensor: name)
        let mapped: MappedFile
        if let cached = externalFiles[path] {
            mapped = cached
        } else {
            mapped = try MappedFile(path: path)
            externalFiles[path] = mapped
        }
        let length = try integer("length") ?? byteCount
        guard length == byteCount else {
            throw ZooError(
                .malformedFile,
                "External data length must be product(dims) x element size. Received: tensor '\(name)' needs \(byteCount) bytes, length \(length).")
        }
        let end = try Checked.add(offset, length, "the end of tensor '\(name)' in '\(location)'")
        guard end <= mapped.bytes.count else {
            throw ZooError(
                .malformedFile,
                "External data must lie inside its file. Received: tensor '\(name)' at offset \(offset), length \(length) in '\(location)' of \(mapped.bytes.count) bytes.")
        }
        guard length > 0, let base = mapped.bytes.baseAddress else { return (UnsafeRawBufferPointer(start: nil, count: 0), mapped) }
        return (UnsafeRawBufferPointer(start: base + offset, count: length), mapped)
    }

    /// The real path of an external-data location, refused when it leaves the model's folder.
    private func resolve(_ location: String, tensor name: String) throws -> String {
        let outside = ZooError(
            .malformedFile, "External data must stay inside the model's folder. Received: location '\(location)' for tensor '\(name)'.")
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else { throw outside }
        let candidate = folder.appendingPathComponent(location).path
        guard let real = realpath(candidate, nil), let root = realpath(folder.path, nil) else {
            throw ZooError(.io, "External data files must exist. Received: '\(location)' for tensor '\(name)', not found next to the model.")
        }
        defer {
            free(real)
            free(root)
        }
        let resolved = String(cString: real), rootPath = String(cString: root)
        guard resolved.hasPrefix(rootPath.hasSuffix("/") ? rootPath : rootPath + "/") else { throw outside }
        return resolved
    }
}
