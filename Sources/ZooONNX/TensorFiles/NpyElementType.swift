import ZooCore

/// The NumPy dtypes zoo reads from `.npy` files, named by their `descr` (`<f4`, `|u1`, ...),
/// and their conversion to float32.
///
/// `<f4` is read as it is; `<f2`, `<f8`, signed and unsigned integers of 1 to 8 bytes and `|b1`
/// are converted to float32 the way NumPy's `astype(np.float32)` converts them (round to
/// nearest; a bool is 0 or 1). Multi-byte types must be little-endian (`<`, or `=` on the
/// little-endian hosts zoo runs on); big-endian files are refused by name, as are structured,
/// complex, string and object dtypes.
enum NpyElementType: Equatable {
    case float16, float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool

    /// Bytes per element.
    var byteSize: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        case .float16, .int16, .uint16: 2
        case .float32, .int32, .uint32: 4
        case .float64, .int64, .uint64: 8
        }
    }

    /// The `descr` NumPy writes for this type.
    var descr: String {
        switch self {
        case .float16: "<f2"
        case .float32: "<f4"
        case .float64: "<f8"
        case .int8: "|i1"
        case .int16: "<i2"
        case .int32: "<i4"
        case .int64: "<i8"
        case .uint8: "|u1"
        case .uint16: "<u2"
        case .uint32: "<u4"
        case .uint64: "<u8"
        case .bool: "|b1"
        }
    }

    private static let all: [NpyElementType] = [.float16, .float32, .float64, .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64, .bool]

    /// The type a header's `descr` names.
    init(descr: String) throws {
        let scalars = Array(descr.unicodeScalars)
        var order: Unicode.Scalar = "="
        var code = Substring(descr)
        if let first = scalars.first, "<>|=".unicodeScalars.contains(first) {
            order = first
            code = code.dropFirst()
        }
        guard let type = Self.all.first(where: { $0.descr.dropFirst() == code }) else {
            throw ZooError(
                .unsupported,
                "zoo reads .npy dtypes <f4, and <f2, <f8, |i1, <i2, <i4, <i8, |u1, <u2, <u4, <u8 and |b1 converted to float32. Received: descr '\(descr)'.")
        }
        if order == ">" && type.byteSize > 1 {
            throw ZooError(
                .unsupported,
                "zoo reads little-endian .npy files only; save with arr.astype('<\(code)') first. Received: big-endian descr '\(descr)'.")
        }
        self = type
    }

    /// Converts `count` elements stored little-endian in `bytes` (any alignment) into `out`.
    /// The caller has checked with ``Checked`` that `count` x ``byteSize`` fits in an `Int`
    /// and equals `bytes.count`, so no offset below can overflow.
    func convert(_ bytes: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .float32: for index in 0..<count { out[index] = bytes.loadUnaligned(fromByteOffset: index * 4, as: Float.self) }
        case .float16:
            for index in 0..<count { out[index] = TensorDecoder.halfToFloat(bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self), brain: false) }
        case .float64: for index in 0..<count { out[index] = Float(bytes.loadUnaligned(fromByteOffset: index * 8, as: Double.self)) }
        case .int8: for index in 0..<count { out[index] = Float(Int8(bitPattern: bytes[index])) }
        case .int16: for index in 0..<count { out[index] = Float(bytes.loadUnaligned(fromByteOffset: index * 2, as: Int16.self)) }
        case .int32: for index in 0..<count { out[index] = Float(bytes.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)) }
        case .int64: for index in 0..<count { out[index] = Float(bytes.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)) }
        case .uint8: for index in 0..<count { out[index] = Float(bytes[index]) }
        case .uint16: for index in 0..<count { out[index] = Float(bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)) }
        case .uint32: for index in 0..<count { out[index] = Float(bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)) }
        case .uint64: for index in 0..<count { out[index] = Float(bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
        case .bool: for index in 0..<count { out[index] = bytes[index] == 0 ? 0 : 1 }
        }
    }
}
