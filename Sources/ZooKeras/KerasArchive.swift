import Foundation
import ZIPFoundation
import ZooArchive
import ZooCore

/// Keras 3 `.keras` archives: a zip of `metadata.json` (the Keras version), `config.json` (the
/// model, as in a legacy `.h5`'s `model_config`) and `model.weights.h5`.
///
/// Keras stores the weights entry uncompressed: it is opened by libhdf5 where it lies in the
/// mapped archive (no copy, no temporary file), and its float32 datasets are borrowed from there
/// like a legacy `.h5`'s; its CRC-32 is checked on another thread while the model is built. A
/// compressed weights entry (or one in a ZIP64 archive) is extracted into memory first, its size
/// bounded by the archive's bytes.
enum KerasArchive {
    /// The largest config or metadata entry read (64 MiB).
    static let textLimit: UInt64 = 64 << 20
    /// The weights entry.
    static let weightsName = "model.weights.h5"

    /// The model configuration (`config.json`) of the archive at `path`, without its weights.
    static func config(path: String) throws -> KerasModelConfig {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw ZooError(.malformedFile, "A .keras file must be a valid zip archive. Received: one ZIPFoundation cannot open (\(error)).")
        }
        guard let entry = archive["config.json"] else {
            throw ZooError(.malformedFile, "A .keras archive must hold config.json. Received: entries \(archive.map(\.path).joined(separator: ", ")).")
        }
        let data = try ZipEntries.contents(of: entry, in: archive, limit: textLimit)
        return try KerasModelConfig(try KerasJSON.parse(String(decoding: data, as: UTF8.self), what: "config.json"))
    }

    static func read(path: String, inputShapes: [String: Shape], isolation: HDF5Isolation) throws -> KerasReader.Result {
        let mapped = try MappedFile(path: path, populate: false)
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw ZooError(.malformedFile, "A .keras file must be a valid zip archive. Received: one ZIPFoundation cannot open (\(error)).")
        }
        return try read(archive, bytes: mapped.bytes, owner: mapped, name: path, inputShapes: inputShapes, isolation: isolation)
    }

    /// A `.keras` archive held in memory (the fuzzer's entry), copied once so that the model's
    /// tensors may borrow from it.
    static func read(data: Data, name: String, inputShapes: [String: Shape], isolation: HDF5Isolation) throws -> KerasReader.Result {
        let copy = try data.withUnsafeBytes { try OwnedBytes(copying: $0) }
        let bytes = UnsafeRawBufferPointer(copy.bytes)
        // ZIPFoundation 0.9.20 traps on in-memory data where a record it follows points past the
        // end (a read past the end gives it a negative length) and leaks the data when the end
        // record is missing.
        try ZipDirectory.checkEntries(in: bytes)
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw ZooError(.malformedFile, "A .keras file must be a valid zip archive. Received: one ZIPFoundation cannot open (\(error)).")
        }
        return try read(archive, bytes: bytes, owner: copy, name: name, inputShapes: inputShapes, isolation: isolation)
    }

    /// Reads the archive that ZIPFoundation opened as `archive`, whose bytes `owner` keeps alive.
    private static func read(
        _ archive: Archive, bytes: UnsafeRawBufferPointer, owner: AnyObject, name path: String, inputShapes: [String: Shape], isolation: HDF5Isolation
    ) throws -> KerasReader.Result {
        func entry(_ name: String) throws -> Entry {
            guard let entry = archive[name] else {
                throw ZooError(.malformedFile, "A .keras archive must hold \(name). Received: entries \(archive.map(\.path).joined(separator: ", ")).")
            }
            return entry
        }
        let configData = try ZipEntries.contents(of: try entry("config.json"), in: archive, limit: textLimit)
        let metadata = archive["metadata.json"].flatMap { try? ZipEntries.contents(of: $0, in: archive, limit: textLimit) }
        let version = metadata.flatMap { try? KerasJSON.parse(String(decoding: $0, as: UTF8.self), what: "metadata.json")["keras_version"].optionalString } ?? "3"
        let weights = try entry(weightsName)
        let config = try KerasModelConfig(try KerasJSON.parse(String(decoding: configData, as: UTF8.self), what: "config.json"))
        let imageName = path + ":" + weightsName
        func build(image: UnsafeRawBufferPointer, owner: AnyObject) throws -> KerasReader.Result {
            let file = try HDF5Reading.contents(of: image, name: imageName, owner: owner, isolation: isolation)
            let lookup = try KerasWeights.archive(file: file, root: file.root, config: config)
            return try KerasReader.build(config, weights: lookup, version: version, format: KerasReader.archiveFormat, file: path, inputShapes: inputShapes)
        }
        if !weights.isCompressed, let stored = try ZipStoredEntry.locate(weightsName, in: bytes),
            UInt64(stored.range.count) == weights.uncompressedSize, stored.checksum == weights.checksum
        {
            return try stored.verifyingChecksum(of: bytes, name: weightsName) {
                try build(image: UnsafeRawBufferPointer(rebasing: bytes[stored.range]), owner: owner)
            }
        }
        let extracted = try ZipEntries.ownedContents(of: weights, in: archive, limit: ProcessInfo.processInfo.physicalMemory)
        return try build(image: UnsafeRawBufferPointer(extracted.bytes), owner: extracted)
    }
}
