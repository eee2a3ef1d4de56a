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
        let expected = Int(declared)
        var data = Data()
        data.reserveCapacity(min(expected, chunkSize))
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, bufferSize: chunkSize, skipCRC32: false) { chunk in
                guard chunk.count <= expected - data.count else {
                    throw ZooError(
                        .malformedFile,
                        "A zip entry must hold no more bytes than it declares. Received: entry '\(entryPath)' declares \(declared) bytes and yields more.")
                }
                // A stored entry's chunks come straight from the file: an empty one before the
                // end means the file ended. (Inflating may legitimately yield empty chunks.)
                guard !chunk.isEmpty || data.count == expected || entry.isCompressed else {
                    throw ZooError(
                        .malformedFile,
                        "A zip entry must hold the bytes it declares. Received: entry '\(entryPath)' declares \(declared) bytes, the file ends after \(data.count).")
                }
                data.append(chunk)
            }
        } catch let error as ZooError {
            throw error
        } catch {
            throw ZooError(.malformedFile, "A zip entry must be a readable stored or deflated entry. Received: entry '\(entryPath)' (\(error)).")
        }
        guard data.count == expected else {
            throw ZooError(
                .malformedFile,
                "A zip entry must hold exactly the bytes it declares. Received: entry '\(entryPath)' declares \(declared) bytes and yields \(data.count).")
        }
        guard checksum == entry.checksum else {
            throw ZooError(
                .malformedFile,
                "A zip entry's CRC-32 must match its contents. Received: entry '\(entryPath)' records \(hex(entry.checksum)), its bytes give \(hex(checksum)).")
        }
        return data
    }

    private static func hex(_ value: CRC32) -> String {
        "0x" + String(value, radix: 16)
    }
}
