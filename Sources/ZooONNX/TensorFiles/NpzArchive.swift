import Foundation
import ZIPFoundation
import ZooArchive
import ZooCore

/// NumPy `.npz` archives: a zip of `.npy` entries, each keyed by its name without `.npy`
/// (`np.savez` stores them, `np.savez_compressed` deflates them).
///
/// Reading goes through ZIPFoundation and trusts no size the archive declares beyond what its
/// bytes allow: the entries may declare at most ``maximumUncompressedSize`` bytes together, a
/// deflated entry at most what deflate can produce from its compressed size, a stored entry
/// exactly its compressed size, and all entries' compressed data must fit in the file side by
/// side (no overlapping entries). The bytes an entry really yields are counted as they arrive,
/// refused as soon as they exceed the declared size, and compared with it and with the entry's
/// CRC-32 at the end. Nothing is allocated for data that has not arrived.
///
/// Writing stores (does not compress) each tensor as a version 1.0 `<f4` `.npy` entry, with a
/// fixed modification date (1980-01-01 00:00, the first the zip format can express) and fixed
/// permissions, so the same tensors always give the same bytes.
enum NpzArchive {
    /// The most bytes the entries of one archive may declare, and so yield, together (16 GiB).
    static let maximumUncompressedSize: UInt64 = 16 << 30
    /// The modification date of written entries: 1980-01-01 00:00:00 UTC.
    static let entryDate = Date(timeIntervalSince1970: 315_532_800)
    /// The chunk size for reading and writing entries.
    static let chunkSize = 1 << 20

    /// The tensors of the archive at `path`, of `fileSize` bytes, in the archive's order.
    static func read(path: String, fileSize: Int) throws -> [(name: String, tensor: Tensor)] {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw ZooError(.malformedFile, "An .npz file must be a valid zip archive. Received: one ZIPFoundation cannot open (\(error)).")
        }
        let entries = Array(archive)
        let fileBytes = UInt64(fileSize)
        var compressedTotal: UInt64 = 0, declaredTotal: UInt64 = 0
        for entry in entries {
            let (compressed, overflowA) = compressedTotal.addingReportingOverflow(entry.compressedSize)
            let (declared, overflowB) = declaredTotal.addingReportingOverflow(entry.uncompressedSize)
            compressedTotal = overflowA ? .max : compressed
            declaredTotal = overflowB ? .max : declared
        }
        guard compressedTotal <= fileBytes else {
            throw ZooError(
                .malformedFile,
                "The entries of an .npz file must fit in it side by side. Received: \(entries.count) entries of \(compressedTotal) compressed bytes in a file of \(fileSize) bytes.")
        }
        guard declaredTotal <= maximumUncompressedSize else {
            throw ZooError(
                .unsupported,
                "zoo reads .npz files of at most \(maximumUncompressedSize) bytes uncompressed. Received: entries declaring \(declaredTotal) bytes.")
        }
        var tensors: [(name: String, tensor: Tensor)] = []
        var names = Set<String>()
        for entry in entries {
            let entryPath = entry.path
            guard entry.type == .file, entryPath.hasSuffix(".npy"), entryPath.count > 4 else {
                throw ZooError(.malformedFile, "An .npz file must hold only .npy entries. Received: entry '\(entryPath)'.")
            }
            let name = String(entryPath.dropLast(4))
            guard names.insert(name).inserted else {
                throw ZooError(.malformedFile, "The entries of an .npz file must have unique names. Received: '\(entryPath)' twice.")
            }
            do {
                let bytes = try contents(of: entry, in: archive)
                let tensor = try bytes.withUnsafeBytes { try NpyFile.decode($0, owner: nil) }
                tensors.append((name, tensor))
            } catch let error as ZooError {
                throw error.at(layer: name)
            }
        }
        return tensors
    }

    /// The bytes of `entry`, through the bounded zip reading every format shares.
    private static func contents(of entry: Entry, in archive: Archive) throws -> Data {
        try ZipEntries.contents(of: entry, in: archive, limit: maximumUncompressedSize)
    }

    static func write(_ tensors: [(name: String, tensor: Tensor)], temporary: String, path: String) throws {
        var names = Set<String>()
        for (name, tensor) in tensors {
            guard !name.isEmpty, !name.hasSuffix("/"), !name.utf8.contains(0) else {
                throw ZooError(.invalidGraph, "An .npz key must be a non-empty name without NUL or a trailing '/'. Received: '\(name.debugDescription)'.", file: path)
            }
            guard names.insert(name).inserted else {
                throw ZooError(.invalidGraph, "The tensors of an .npz file must have unique names. Received: '\(name)' twice.", file: path)
            }
            guard tensor.isMaterialized else {
                throw ZooError(.invalidGraph, "A tensor written to a file must hold values. Received: tensor '\(name)' of shape \(tensor.shape) without them.", file: path)
            }
        }
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
        } catch {
            throw ZooError(.io, "An .npz file's folder must exist and be writable. Received: '\(path)' (\(error)).", file: path)
        }
        for (name, tensor) in tensors {
            guard let storage = tensor.storage else { continue }
            let header = NpyFile.header(for: tensor)
            let floats = UnsafeRawBufferPointer(storage.buffer)
            let size = try Checked.add(header.count, floats.count, "the size of .npz entry '\(name)'")
            do {
                try archive.addEntry(
                    with: name + ".npy", type: .file, uncompressedSize: Int64(size), modificationDate: entryDate,
                    permissions: 0o644, compressionMethod: .none, bufferSize: chunkSize
                ) { position, length in
                    chunk(header: header, floats: floats, from: Int(position), count: length)
                }
            } catch {
                throw ZooError(.io, "An .npz file must be written whole. Received: '\(path)', entry '\(name).npy' (\(error)).", file: path)
            }
        }
    }

    /// `count` bytes of the entry (`header` then `floats`) from `position`.
    private static func chunk(header: [UInt8], floats: UnsafeRawBufferPointer, from position: Int, count: Int) -> Data {
        var data = Data(capacity: count)
        var position = position, remaining = count
        if position < header.count {
            let part = min(remaining, header.count - position)
            data.append(contentsOf: header[position..<(position + part)])
            position += part
            remaining -= part
        }
        if remaining > 0 {
            let start = position - header.count
            let part = min(remaining, floats.count - start)
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: floats[start..<(start + part)]))
        }
        return data
    }
}
