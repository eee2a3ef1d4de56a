import Foundation
import ZIPFoundation
import ZooArchive
import ZooCore

/// Keras 3 `.keras` archives: a zip of `metadata.json` (the Keras version), `config.json` (the
/// model, as in a legacy `.h5`'s `model_config`) and `model.weights.h5`, which is read in memory
/// as an HDF5 image (no temporary file) with its entry's size bounded by the archive's bytes.
enum KerasArchive {
    /// The largest config or metadata entry read (64 MiB).
    static let textLimit: UInt64 = 64 << 20

    static func read(path: String, inputShapes: [String: Shape]) throws -> KerasReader.Result {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw ZooError(.malformedFile, "A .keras file must be a valid zip archive. Received: one ZIPFoundation cannot open (\(error)).")
        }
        return try read(archive, name: path, inputShapes: inputShapes)
    }

    /// A `.keras` archive held in memory (the fuzzer's entry).
    static func read(data: Data, name: String, inputShapes: [String: Shape]) throws -> KerasReader.Result {
        try checkEndRecord(data)
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw ZooError(.malformedFile, "A .keras file must be a valid zip archive. Received: one ZIPFoundation cannot open (\(error)).")
        }
        return try read(archive, name: name, inputShapes: inputShapes)
    }

    /// Refuses an archive whose end-of-central-directory record is missing or points past the
    /// data: ZIPFoundation 0.9.20 traps on such in-memory data (a read past the end gives it a
    /// negative length) and leaks it when the record is missing.
    static func checkEndRecord(_ data: Data) throws {
        let bytes = [UInt8](data.suffix(65_557))
        let signature: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
        guard bytes.count >= 22,
            let start = stride(from: bytes.count - 22, through: 0, by: -1).first(where: { Array(bytes[$0..<($0 + 4)]) == signature })
        else {
            throw ZooError(.malformedFile, "A .keras file must be a zip archive with an end-of-central-directory record. Received: \(data.count) bytes without one.")
        }
        func field(_ offset: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[start + offset + $1]) << (8 * UInt64($1)) }
        }
        let size = field(12, 4), offset = field(16, 4)
        // ZIP64 archives mark these fields 0xffffffff and keep the real values elsewhere.
        guard size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF || offset + size <= UInt64(data.count) else {
            throw ZooError(
                .malformedFile,
                "A zip archive's central directory must lie inside it. Received: \(size) bytes at offset \(offset) in \(data.count) bytes.")
        }
        guard size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else {
            throw ZooError(.unsupported, "zoo reads .keras archives from memory without ZIP64 records. Received: an end record that defers to ZIP64.")
        }
    }

    private static func read(_ archive: Archive, name path: String, inputShapes: [String: Shape]) throws -> KerasReader.Result {
        func entry(_ name: String) throws -> Entry {
            guard let entry = archive[name] else {
                throw ZooError(.malformedFile, "A .keras archive must hold \(name). Received: entries \(archive.map(\.path).joined(separator: ", ")).")
            }
            return entry
        }
        let configData = try ZipEntries.contents(of: try entry("config.json"), in: archive, limit: textLimit)
        let metadata = archive["metadata.json"].flatMap { try? ZipEntries.contents(of: $0, in: archive, limit: textLimit) }
        let version = metadata.flatMap { try? KerasJSON.parse(String(decoding: $0, as: UTF8.self), what: "metadata.json")["keras_version"].optionalString } ?? "3"
        let memory = ProcessInfo.processInfo.physicalMemory
        let weights = try ZipEntries.contents(of: try entry("model.weights.h5"), in: archive, limit: memory)
        let config = try KerasModelConfig(try KerasJSON.parse(String(decoding: configData, as: UTF8.self), what: "config.json"))
        return try weights.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws -> KerasReader.Result in
            let file = try HDF5File(image: bytes, name: path + ":model.weights.h5", keepingAlive: NSObject())
            let lookup = try KerasWeights.archive(file: file, root: file.root)
            return try KerasReader.build(
                config, weights: lookup, version: version, format: KerasReader.archiveFormat, file: path, inputShapes: inputShapes)
        }
    }
}
