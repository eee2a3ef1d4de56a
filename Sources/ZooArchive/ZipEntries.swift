import CZooZlib
import Foundation
import ZIPFoundation
import ZooCore

/// Reading zip entries (an `.npz`'s arrays, a `.keras` archive's config and weights) without
/// trusting any size the archive declares beyond what its bytes allow: a deflated entry may
/// declare at most what deflate can produce from its compressed size, a stored entry exactly its
/// compressed size; the bytes an entry really yields are counted as they arrive, refused as soon
/// as they exceed the declared size, and compared with it and with the entry's CRC-32 at the end.
/// Nothing is allocated for data that has not arrived.
public enum ZipEntries {
    /// Deflate's largest expansion: 258 bytes from a 2-bit code, about 1032 to 1.
    public static let maximumDeflateRatio: UInt64 = 1032
    /// The chunk size for reading entries.
    public static let chunkSize = 1 << 20

    /// The bytes of `entry`, which may declare at most `limit` bytes.
    public static func contents(of entry: Entry, in archive: Archive, limit: UInt64) throws -> Data {
        let expected = try checkDeclaredSize(of: entry, limit: limit)
        var data = Data()
        data.reserveCapacity(min(expected, chunkSize))
        try extract(entry, in: archive, expected: expected, filled: { data.count }) { data.append($0) }
        try checkCRC32(name: entry.path, recorded: entry.checksum, computed: data.withUnsafeBytes { crc32($0) })
        return data
    }

    /// The bytes of `entry` (at most `limit`) in memory of their own, which tensors may borrow
    /// from. The declared size is reserved as address space; pages are touched only as bytes arrive.
    public static func ownedContents(of entry: Entry, in archive: Archive, limit: UInt64) throws -> OwnedBytes {
        let expected = try checkDeclaredSize(of: entry, limit: limit)
        let owned = try OwnedBytes(count: expected)
        var filled = 0
        try extract(entry, in: archive, expected: expected, filled: { filled }) { chunk in
            chunk.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: owned.bytes[filled..<(filled + source.count)]).copyMemory(from: source)
            }
            filled += chunk.count
        }
        try checkCRC32(name: entry.path, recorded: entry.checksum, computed: crc32(UnsafeRawBufferPointer(owned.bytes)))
        return owned
    }

    /// Bytes per piece when a CRC-32 is computed in parallel.
    static let checksumPiece = 32 << 20

    /// The CRC-32 of `bytes` (zlib's; the zip checksum). Large buffers are split into pieces of
    /// ``checksumPiece`` bytes computed on all cores, then joined with `crc32_combine`: the
    /// same value as one pass.
    public static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        let pieces = (bytes.count + checksumPiece - 1) / checksumPiece
        guard pieces > 1 else { return UInt32(crc32_z(0, base.assumingMemoryBound(to: UInt8.self), bytes.count)) }
        let address = UInt(bitPattern: base), total = bytes.count
        let results = UnsafeMutableBufferPointer<UInt>.allocate(capacity: pieces)
        defer { results.deallocate() }
        let resultsAddress = UInt(bitPattern: results.baseAddress)
        DispatchQueue.concurrentPerform(iterations: pieces) { piece in
            let start = piece * checksumPiece, length = min(checksumPiece, total - start)
            let pointer = UnsafePointer<UInt8>(bitPattern: address + UInt(start))
            UnsafeMutablePointer<UInt>(bitPattern: resultsAddress)?[piece] = UInt(crc32_z(0, pointer, length))
        }
        var combined = results[0]
        for piece in 1..<pieces {
            let length = min(checksumPiece, total - piece * checksumPiece)
            combined = UInt(crc32_combine(uLong(combined), uLong(results[piece]), off_t(length)))
        }
        return UInt32(truncatingIfNeeded: combined)
    }

    /// The declared size of `entry` as an `Int`, refused beyond `limit` or beyond what its
    /// compressed size can hold.
    private static func checkDeclaredSize(of entry: Entry, limit: UInt64) throws -> Int {
        let declared = entry.uncompressedSize
        let compressed = entry.compressedSize
        let entryPath = entry.path
        guard declared <= limit, declared <= UInt64(Int.max) else {
            throw ZooError(.unsupported, "zoo reads zip entries of at most \(limit) bytes. Received: entry '\(entryPath)' declaring \(declared).")
        }
        if entry.isCompressed {
            let (bound, overflow) = compressed.multipliedReportingOverflow(by: maximumDeflateRatio)
            guard overflow || declared <= bound else {
                throw ZooError(
                    .malformedFile,
                    "A deflated zip entry cannot hold more than \(maximumDeflateRatio) times its compressed size. Received: entry '\(entryPath)' declares \(declared) bytes from \(compressed).")
            }
        } else {
            guard declared == compressed else {
                throw ZooError(
                    .malformedFile,
                    "A stored zip entry's size must equal its compressed size. Received: entry '\(entryPath)' declares \(declared) bytes, compressed \(compressed).")
            }
        }
        return Int(declared)
    }

    /// Extracts `entry` chunk by chunk into `append`, refusing more or fewer bytes than the
    /// `expected` it declares; `filled` tells how many have arrived. The CRC-32 is left to the
    /// caller (zlib's is many times faster than ZIPFoundation's byte-wise one).
    private static func extract(_ entry: Entry, in archive: Archive, expected: Int, filled: () -> Int, append: (Data) throws -> Void) throws {
        let entryPath = entry.path, declared = entry.uncompressedSize
        do {
            _ = try archive.extract(entry, bufferSize: chunkSize, skipCRC32: true) { chunk in
                guard chunk.count <= expected - filled() else {
                    throw ZooError(
                        .malformedFile,
                        "A zip entry must hold no more bytes than it declares. Received: entry '\(entryPath)' declares \(declared) bytes and yields more.")
                }
                // A stored entry's chunks come straight from the file: an empty one before the
                // end means the file ended. (Inflating may legitimately yield empty chunks.)
                guard !chunk.isEmpty || filled() == expected || entry.isCompressed else {
                    throw ZooError(
                        .malformedFile,
                        "A zip entry must hold the bytes it declares. Received: entry '\(entryPath)' declares \(declared) bytes, the file ends after \(filled()).")
                }
                try append(chunk)
            }
        } catch let error as ZooError {
            throw error
        } catch {
            throw ZooError(.malformedFile, "A zip entry must be a readable stored or deflated entry. Received: entry '\(entryPath)' (\(error)).")
        }
        guard filled() == expected else {
            throw ZooError(
                .malformedFile,
                "A zip entry must hold exactly the bytes it declares. Received: entry '\(entryPath)' declares \(declared) bytes and yields \(filled()).")
        }
    }

    /// Refuses entry `name` when `computed`, the CRC-32 of its bytes, is not the `recorded` one.
    static func checkCRC32(name: String, recorded: UInt32, computed: UInt32) throws {
        guard computed == recorded else {
            throw ZooError(
                .malformedFile,
                "A zip entry's CRC-32 must match its contents. Received: entry '\(name)' records \(hex(recorded)), its bytes give \(hex(computed)).")
        }
    }

    private static func hex(_ value: UInt32) -> String {
        "0x" + String(value, radix: 16)
    }
}
