import ZooCore

/// The header of a NumPy `.npy` file: magic, format version, and the dict that gives the
/// array's dtype, memory order and shape.
///
/// Layout (NumPy's `numpy.lib.format`): the 6 bytes `\x93NUMPY`, a major and a minor version
/// byte, the header length (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), then
/// the header text (Latin-1 in 1.0 and 2.0, UTF-8 in 3.0): a Python dict literal with exactly
/// the keys `descr`, `fortran_order` and `shape`, padded with spaces and ended by a newline so
/// that the data starts at a multiple of 64 bytes. The data follows immediately.
struct NpyHeader: Equatable {
    /// `\x93NUMPY`.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// The alignment NumPy pads the header to.
    static let alignment = 64
    /// The width NumPy reserves for the growing axis so that a header can be rewritten in place.
    static let growthAxisDigits = 21

    var major: UInt8
    var minor: UInt8
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]
    /// Where the data starts: the length of magic, version, length field and header text.
    var dataOffset: Int

    /// The shape as Python writes it: `()`, `(3,)`, `(3, 4)`.
    static func tupleText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(\(shape.map(String.init).joined(separator: ", ")))"
    }

    /// Whether `bytes` starts with the `.npy` magic.
    static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= magic.count && zip(bytes.prefix(magic.count), magic).allSatisfy { $0 == $1 }
    }

    /// Reads the header at the start of `bytes`, checking every length against `bytes.count`.
    init(parsing bytes: UnsafeRawBufferPointer) throws {
        guard Self.hasMagic(bytes) else {
            let first = bytes.prefix(8).map { String($0, radix: 16, uppercase: false) }.map { $0.count == 1 ? "0" + $0 : $0 }
            throw ZooError(.malformedFile, "A .npy file must start with the magic bytes 93 4e 55 4d 50 59 (\\x93NUMPY). Received: \(first.joined(separator: " ")).")
        }
        guard bytes.count >= 10 else {
            throw ZooError(.malformedFile, "A .npy file must hold a version and a header length after its magic. Received: \(bytes.count) bytes in all.")
        }
        major = bytes[6]
        minor = bytes[7]
        guard (1...3).contains(major), minor == 0 else {
            throw ZooError(.unsupported, "zoo reads .npy format versions 1.0, 2.0 and 3.0. Received: version \(major).\(minor).")
        }
        let lengthSize = major == 1 ? 2 : 4
        let prefix = 8 + lengthSize
        guard bytes.count >= prefix else {
            throw ZooError(.malformedFile, "A .npy \(major).0 file must hold a \(lengthSize)-byte header length after its magic. Received: \(bytes.count) bytes in all.")
        }
        let headerLength = major == 1
            ? Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
            : Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        let end = try Checked.add(prefix, headerLength, "the end of the .npy header")
        guard end <= bytes.count else {
            throw ZooError(
                .malformedFile,
                "A .npy header must lie inside the file. Received: a header of \(headerLength) bytes after \(prefix), in a file of \(bytes.count) bytes.")
        }
        dataOffset = end
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[prefix..<end])
        let text: String
        if major == 3 {
            guard let decoded = String(validating: headerBytes, as: UTF8.self) else {
                throw ZooError(.malformedFile, "A .npy 3.0 header must be UTF-8 text. Received: \(headerLength) bytes that are not.")
            }
            text = decoded
        } else {
            text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))
        }
        (descr, fortranOrder, shape) = try Self.fields(of: try PythonLiteral.parse(text))
    }

    /// The header NumPy writes (version 1.0 unless the text needs 2.0) for a C-order array.
    init(descr: String, shape: [Int]) {
        self.descr = descr
        self.fortranOrder = false
        self.shape = shape
        (major, minor) = (1, 0)
        dataOffset = 0
        dataOffset = encoded().count
    }

    /// The header bytes, byte for byte as `numpy.save` writes them: the dict with sorted keys,
    /// the spaces NumPy reserves for the growing first axis, then spaces and a newline up to a
    /// multiple of 64 bytes (a whole 64 more when already aligned, as NumPy does).
    func encoded() -> [UInt8] {
        var text = "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(Self.tupleText(shape)), }"
        if let growing = fortranOrder ? shape.last : shape.first {
            text += String(repeating: " ", count: max(0, Self.growthAxisDigits - String(growing).count))
        }
        let body = Array(text.utf8)
        for (major, lengthSize) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let unpadded = Self.magic.count + 2 + lengthSize + body.count + 1
            let padding = Self.alignment - unpadded % Self.alignment
            let length = body.count + padding + 1
            if lengthSize == 2 && length > Int(UInt16.max) { continue }
            var bytes = Self.magic + [major, 0]
            for shift in stride(from: 0, to: lengthSize * 8, by: 8) { bytes.append(UInt8(truncatingIfNeeded: length >> shift)) }
            bytes += body
            bytes += [UInt8](repeating: 0x20, count: padding)
            bytes.append(0x0A)
            return bytes
        }
        return []
    }

    /// `descr`, `fortran_order` and `shape` from the header dict, which must hold exactly
    /// these three keys (as NumPy requires).
    private static func fields(of literal: PythonLiteral) throws -> (String, Bool, [Int]) {
        guard case .dict(let pairs) = literal else {
            throw ZooError(.malformedFile, "A .npy header must be a dict. Received: \(literal.description).")
        }
        var values: [String: PythonLiteral] = [:]
        for (key, value) in pairs {
            guard case .string(let name) = key else {
                throw ZooError(.malformedFile, "A .npy header's keys must be strings. Received: key \(key.description).")
            }
            values[name] = value
        }
        let expected = ["descr", "fortran_order", "shape"]
        guard values.keys.sorted() == expected, values.count == pairs.count else {
            throw ZooError(
                .malformedFile,
                "A .npy header must have exactly the keys 'descr', 'fortran_order' and 'shape'. Received: \(pairs.map(\.key.description).joined(separator: ", ")).")
        }
        guard case .string(let descr)? = values["descr"] else {
            let received = values["descr"]?.description ?? "nothing"
            throw ZooError(.unsupported, "zoo reads .npy files of a simple dtype (a descr string such as '<f4'), not structured arrays. Received: descr \(received).")
        }
        guard case .bool(let fortranOrder)? = values["fortran_order"] else {
            throw ZooError(.malformedFile, "A .npy header's fortran_order must be True or False. Received: \(values["fortran_order"]?.description ?? "nothing").")
        }
        guard case .tuple(let items)? = values["shape"] else {
            throw ZooError(.malformedFile, "A .npy header's shape must be a tuple of integers. Received: \(values["shape"]?.description ?? "nothing").")
        }
        var shape: [Int] = []
        for item in items {
            guard case .integer(let size) = item, size >= 0 else {
                throw ZooError(
                    .malformedFile, "A .npy header's shape must be a tuple of non-negative integers. Received: \(PythonLiteral.tuple(items).description).")
            }
            shape.append(size)
        }
        return (descr, fortranOrder, shape)
    }
}
