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
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw ZooError(.malformedFile, "A .keras file must be a valid zip archive. Received: one ZIPFoundation cannot open (\(error)).")
        }
        return try read(archive, name: name, inputShapes: inputShapes)
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
