import ZooCore

/// The records of a zip archive's central directory (APPNOTE.TXT 4.3.12), each found with its
/// bounds checked, and the local headers they point to (4.3.7).
public enum ZipDirectory {
    static let recordSignature: UInt32 = 0x0201_4B50
    static let localSignature: UInt32 = 0x0403_4B50
    /// A data descriptor's largest size, with its optional signature (4.3.9).
    static let descriptorSize = 16

    /// The offsets of the records the end record `end` lists, each whole, signed `PK\1\2` and
    /// inside the directory.
    ///
    /// - Throws: `malformedFile` for a record that is cut short, unsigned or runs past the
    ///   directory.
    static func records(_ end: ZipEndRecord, in bytes: UnsafeRawBufferPointer) throws -> [Int] {
        var offsets: [Int] = []
        var offset = end.directoryOffset
        let directoryEnd = end.directoryOffset + end.directorySize
        for _ in 0..<end.entryCount {
            guard offset + 46 <= directoryEnd, ZipBytes.uint32(bytes, at: offset) == recordSignature else {
                throw malformed("its central directory record \(offset) must be whole and signed PK\\1\\2")
            }
            let nameLength = Int(ZipBytes.uint16(bytes, at: offset + 28))
            let extraLength = Int(ZipBytes.uint16(bytes, at: offset + 30)), commentLength = Int(ZipBytes.uint16(bytes, at: offset + 32))
            let recordEnd = offset + 46 + nameLength + extraLength + commentLength
            guard recordEnd <= directoryEnd else { throw malformed("its central directory record at \(offset) must end inside the directory") }
            offsets.append(offset)
            offset = recordEnd
        }
        return offsets
    }

    /// Checks that every record of the archive `bytes` points at a whole, signed local header
    /// whose entry (and data descriptor, when the entry has one) lies inside the archive: what a
    /// zip reader seeks to when it lists the entries. ZIPFoundation 0.9.20 traps on an in-memory
    /// archive where one of those offsets lies past the end (weichsel/ZIPFoundation#394).
    ///
    /// - Throws: `malformedFile` naming the record and the offsets; `unsupported` for an archive
    ///   or an entry that defers to ZIP64 fields.
    public static func checkEntries(in bytes: UnsafeRawBufferPointer) throws {
        let end = try ZipEndRecord(in: bytes)
        guard !end.defersToZip64 else {
            throw ZooError(.unsupported, "zoo reads zip archives from memory without ZIP64 records. Received: an end record that defers to ZIP64.")
        }
        for record in try records(end, in: bytes) {
            let flags = ZipBytes.uint16(bytes, at: record + 8)
            let compressed = ZipBytes.uint32(bytes, at: record + 20), size = ZipBytes.uint32(bytes, at: record + 24)
            let local = ZipBytes.uint32(bytes, at: record + 42)
            guard compressed != 0xFFFF_FFFF, size != 0xFFFF_FFFF, local != 0xFFFF_FFFF else {
                throw ZooError(.unsupported, "zoo reads zip archives from memory without ZIP64 records. Received: the record at \(record) defers to ZIP64.")
            }
            let header = Int(local)
            guard header + 30 <= bytes.count, ZipBytes.uint32(bytes, at: header) == localSignature else {
                throw malformed("the local header the record at \(record) points to, at \(header), must be whole and signed PK\\3\\4")
            }
            let lengths = Int(ZipBytes.uint16(bytes, at: header + 26)) + Int(ZipBytes.uint16(bytes, at: header + 28))
            let descriptor = flags & 0x8 != 0 ? descriptorSize : 0
            let entryEnd = header + 30 + lengths + Int(compressed) + descriptor
            guard entryEnd <= bytes.count else {
                throw malformed("the entry the record at \(record) lists must lie inside the archive's \(bytes.count) bytes; it ends at \(entryEnd)")
            }
        }
    }

    static func malformed(_ rule: String) -> ZooError {
        ZooError(.malformedFile, "A zip archive's records must be consistent: \(rule).")
    }
}
