import ZooCore

/// The tensor file formats zoo reads and writes, and how a file's format is decided.
///
/// Reading decides by content first: `\x93NUMPY` starts a `.npy`, `PK\x03\x04` (or the
/// `PK\x05\x06` of an empty archive) an `.npz`; a file that has neither must not be named
/// `.npy` or `.npz` and is read as an ONNX TensorProto. Writing decides by the extension.
enum TensorFileFormat: String, CaseIterable {
    case npy, npz, pb

    /// The extensions zoo writes, for messages.
    static let extensionList = "'.npy', '.npz' or '.pb'"

    /// The format `path`'s extension names (case-insensitive), if any.
    static func named(by path: String) -> TensorFileFormat? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return TensorFileFormat(rawValue: name[name.index(after: dot)...].lowercased())
    }

    /// The format of a file whose first bytes are `bytes`, named `path`.
    static func detect(_ bytes: UnsafeRawBufferPointer, path: String) throws -> TensorFileFormat {
        if NpyHeader.hasMagic(bytes) { return .npy }
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, (bytes[2], bytes[3]) == (0x03, 0x04) || (bytes[2], bytes[3]) == (0x05, 0x06) {
            return .npz
        }
        let first = bytes.prefix(6).map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
        switch named(by: path) {
        case .npy?:
            throw ZooError(.malformedFile, "A .npy file must start with the magic bytes 93 4e 55 4d 50 59 (\\x93NUMPY). Received: \(first).")
        case .npz?:
            throw ZooError(.malformedFile, "An .npz file must be a zip archive, starting with 50 4b 03 04 (PK\\x03\\x04). Received: \(first).")
        default:
            return .pb
        }
    }
}
