import ZooCore

/// A zip archive's end-of-central-directory record, found in the archive's bytes: where the
/// central directory lies and how many entries it lists (APPNOTE.TXT 4.3.16).
public struct ZipEndRecord: Sendable, Equatable {
    /// The central directory's offset and size in bytes, and its entry count.
    public let directoryOffset: Int
    public let directorySize: Int
    public let entryCount: Int
    /// Whether the record defers its fields to ZIP64 records (archives over 4 GiB or 65,535
    /// entries), which this type does not read.
    public let defersToZip64: Bool

    /// The record's signature, `PK\5\6`.
    static let signature: UInt32 = 0x0605_4B50
    /// The record's fixed size; a comment of up to 65,535 bytes may follow it.
    static let fixedSize = 22

    /// Finds the record in the last 65,557 bytes of `bytes` (the last one, as readers do).
    ///
    /// - Throws: `malformedFile` when there is none, or when the central directory it points to
    ///   does not lie inside the archive.
    public init(in bytes: UnsafeRawBufferPointer) throws {
        let count = bytes.count
        let lowest = max(0, count - Self.fixedSize - 65_535)
        guard count >= Self.fixedSize,
            let start = stride(from: count - Self.fixedSize, through: lowest, by: -1).first(where: { ZipBytes.uint32(bytes, at: $0) == Self.signature })
        else {
            throw ZooError(.malformedFile, "A zip archive must end with an end-of-central-directory record. Received: \(count) bytes without one.")
        }
        let entries = ZipBytes.uint16(bytes, at: start + 10)
        let size = ZipBytes.uint32(bytes, at: start + 12), offset = ZipBytes.uint32(bytes, at: start + 16)
        defersToZip64 = entries == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF
        guard defersToZip64 || UInt64(offset) + UInt64(size) <= UInt64(start) else {
            throw ZooError(
                .malformedFile,
                "A zip archive's central directory must lie inside it, before its end record. Received: \(size) bytes at offset \(offset), the end record at \(start).")
        }
        directoryOffset = Int(offset)
        directorySize = Int(size)
        entryCount = Int(entries)
    }
}

/// Little-endian fields of zip records, read with bounds checked by the callers.
enum ZipBytes {
    static func uint16(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    static func uint32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
