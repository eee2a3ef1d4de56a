import Foundation
import ZooCore

/// Where a stored (uncompressed) zip entry's bytes lie in the archive's bytes, so that they can
/// be used in place — a `.keras` archive's `model.weights.h5`, opened by libhdf5 where it lies
/// in the mapped archive, its weights borrowed rather than copied.
///
/// The entry is found through the central directory (APPNOTE.TXT 4.3.12) and its local header
/// (4.3.7), every offset and length checked against the archive's size. Archives that defer to
/// ZIP64 records, and compressed or encrypted entries, have no location here: their readers
/// extract them (``ZipEntries``).
public struct ZipStoredEntry: Sendable {
    /// The entry's bytes within the archive.
    public let range: Range<Int>
    /// The CRC-32 the central directory records for them.
    public let checksum: UInt32

    /// The stored entry `name` of the archive `bytes`, or nil when the archive has no such entry
    /// stored without ZIP64 fields.
    ///
    /// - Throws: `malformedFile` when the records it follows are cut short, point outside the
    ///   archive or disagree with each other.
    public static func locate(_ name: String, in bytes: UnsafeRawBufferPointer) throws -> ZipStoredEntry? {
        let end = try ZipEndRecord(in: bytes)
        guard !end.defersToZip64 else { return nil }
        let wanted = Array(name.utf8)
        for offset in try ZipDirectory.records(end, in: bytes) {
            let nameLength = Int(ZipBytes.uint16(bytes, at: offset + 28))
            if nameLength == wanted.count, bytes[(offset + 46)..<(offset + 46 + nameLength)].elementsEqual(wanted) {
                return try entry(atDirectoryRecord: offset, in: bytes, name: name)
            }
        }
        return nil
    }

    private static func entry(atDirectoryRecord record: Int, in bytes: UnsafeRawBufferPointer, name: String) throws -> ZipStoredEntry? {
        let flags = ZipBytes.uint16(bytes, at: record + 8), method = ZipBytes.uint16(bytes, at: record + 10)
        let checksum = ZipBytes.uint32(bytes, at: record + 16)
        let compressed = ZipBytes.uint32(bytes, at: record + 20), size = ZipBytes.uint32(bytes, at: record + 24)
        let local = ZipBytes.uint32(bytes, at: record + 42)
        let encrypted = flags & 1 != 0
        guard method == 0, !encrypted, compressed != 0xFFFF_FFFF, size != 0xFFFF_FFFF, local != 0xFFFF_FFFF else { return nil }
        guard compressed == size else {
            throw malformed("its stored entry '\(name)' must have equal sizes; it records \(size) bytes, compressed \(compressed)")
        }
        let header = Int(local)
        guard header + 30 <= bytes.count, ZipBytes.uint32(bytes, at: header) == ZipDirectory.localSignature else {
            throw malformed("the local header of '\(name)' at \(header) must be whole and signed PK\\3\\4")
        }
        let nameLength = Int(ZipBytes.uint16(bytes, at: header + 26)), extraLength = Int(ZipBytes.uint16(bytes, at: header + 28))
        let start = header + 30 + nameLength + extraLength
        guard UInt64(start) + UInt64(size) <= UInt64(bytes.count) else {
            throw malformed("the \(size) bytes of '\(name)' must lie inside its \(bytes.count) bytes; they start at \(start)")
        }
        return ZipStoredEntry(range: start..<(start + Int(size)), checksum: checksum)
    }

    private static func malformed(_ rule: String) -> ZooError { ZipDirectory.malformed(rule) }

    /// Runs `body` while the entry's CRC-32 is computed on another thread over `bytes` (the
    /// archive's), then refuses the entry if the CRC-32 differs from the recorded one: checking
    /// a large entry then costs little more than the longer of the two.
    public func verifyingChecksum<T>(of bytes: UnsafeRawBufferPointer, name: String, while body: () throws -> T) throws -> T {
        let entryBytes = UnsafeRawBufferPointer(rebasing: bytes[range])
        let result = ChecksumResult()
        let done = DispatchSemaphore(value: 0)
        let address = UInt(bitPattern: entryBytes.baseAddress), count = entryBytes.count
        DispatchQueue.global().async {
            result.value = ZipEntries.crc32(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: address), count: count))
            done.signal()
        }
        let outcome = Result(catching: body)
        done.wait()
        try ZipEntries.checkCRC32(name: name, recorded: checksum, computed: result.value)
        return try outcome.get()
    }

    private final class ChecksumResult: @unchecked Sendable {
        var value: UInt32 = 0
    }
}
