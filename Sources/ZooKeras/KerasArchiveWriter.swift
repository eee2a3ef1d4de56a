import Foundation
import ZIPFoundation
import ZooCore

/// Writes `.keras` archives as Keras 3 does: stored entries `metadata.json`, `config.json` and
/// `model.weights.h5`, whose layers are `layers/<snake-case class name, numbered>/vars/0..n`
/// with the layer's name as the `vars` group's `name` attribute — the paths Keras's loader walks,
/// numbered in its order of the model's layers (``KerasModelBuilder/kerasOrder()``).
///
/// `config.json` ends in as many spaces as it takes for `model.weights.h5`'s data to start at a
/// multiple of ``weightsAlignment`` bytes in the archive, so that readers can use its float32
/// datasets in place (zoo does; Keras itself does not align the entry).
enum KerasArchiveWriter {
    /// Where the weights entry's data starts: a multiple of this many bytes.
    static let weightsAlignment = 64

    /// The modification date of the entries: 1980-01-01 00:00:00 UTC, so equal models give equal bytes.
    static let entryDate = Date(timeIntervalSince1970: 315_532_800)

    static func write(_ built: KerasModelBuilder, to path: String) throws {
        let metadata = Data("{\"keras_version\": \"\(KerasWriter.kerasVersion)\", \"date_saved\": \"1980-01-01@00:00:00\"}".utf8)
        var config = Data(try built.configJSON(withModules: true).utf8)
        let weightsStart = localEntrySize("metadata.json", metadata.count) + localEntrySize("config.json", config.count) + localEntrySize("model.weights.h5", 0)
        config.append(contentsOf: [UInt8](repeating: 0x20, count: (weightsAlignment - weightsStart % weightsAlignment) % weightsAlignment))
        try AtomicOutput.replace(path) { temporary in
            // The weights go to a file next to the temporary archive (its unique name plus a
            // suffix, removed in any case), then stream into the archive in 1 MiB chunks.
            let weightsPath = temporary + ".weights.h5"
            defer { unlink(weightsPath) }
            try HDF5Library.serialized {
                let writer = try HDF5Writer(path: weightsPath, name: path)
                try writeWeights(built, into: writer)
                try writer.close()
            }
            guard let weights = FileHandle(forReadingAtPath: weightsPath), let size = try? weights.seekToEnd() else {
                throw ZooError(.io, "A .keras archive's weights must be writable next to it. Received: '\(path)'.", file: path)
            }
            defer { try? weights.close() }
            let archive: Archive
            do {
                archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
            } catch {
                throw ZooError(.io, "A .keras file's folder must exist and be writable. Received: '\(path)' (\(error)).", file: path)
            }
            let texts: [(String, Data)] = [("metadata.json", metadata), ("config.json", config)]
            for (name, data) in texts {
                try add(name, size: Int64(data.count), to: archive, path: path) { position, length in
                    data.subdata(in: Int(position)..<(Int(position) + length))
                }
            }
            try add("model.weights.h5", size: Int64(size), to: archive, path: path) { position, length in
                try weights.seek(toOffset: UInt64(position))
                return try weights.read(upToCount: length) ?? Data()
            }
        }
    }

    /// The bytes a stored entry of `count` bytes takes before the next one, as ZIPFoundation
    /// writes entries under 4 GiB: a 30-byte local header, the name, no extra field, the data,
    /// no data descriptor.
    private static func localEntrySize(_ name: String, _ count: Int) -> Int { 30 + name.utf8.count + count }

    /// Adds a stored entry with the fixed date, its bytes from `provider`.
    private static func add(_ name: String, size: Int64, to archive: Archive, path: String, provider: @escaping Provider) throws {
        do {
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: size, modificationDate: entryDate, permissions: 0o644,
                compressionMethod: .none, bufferSize: 1 << 20, provider: provider)
        } catch {
            throw ZooError(.io, "A .keras file must be written whole. Received: '\(path)', entry '\(name)' (\(error)).", file: path)
        }
    }

    /// The weights file of a `.keras` archive.
    static func writeWeights(_ built: KerasModelBuilder, into writer: HDF5Writer) throws {
        try writer.createGroup("/layers")
        var used: [String: Int] = [:]
        for layer in built.kerasOrder() {
            let base = snakeCase(layer.className)
            let count = used[base].map { $0 + 1 } ?? 0
            used[base] = count
            let group = "/layers/" + (count == 0 ? base : "\(base)_\(count)")
            try writer.createGroup(group)
            try writer.createGroup(group + "/vars")
            try writer.setString(layer.name, name: "name", on: group + "/vars")
            for (index, weight) in layer.weights.enumerated() { try writer.writeDataset(weight.tensor, at: "\(group)/vars/\(index)") }
        }
        try writer.createGroup("/vars")
        try writer.setString(built.name, name: "name", on: "/vars")
    }

    /// Keras's `to_snake_case`: `Conv2D` -> `conv2d`, `BatchNormalization` ->
    /// `batch_normalization`, `ReLU` -> `re_lu`.
    static func snakeCase(_ name: String) -> String {
        var text = name.filter { $0.isLetter || $0.isNumber || $0 == "_" }
        text = replace(text, "(.)([A-Z][a-z]+)", "$1_$2")
        text = replace(text, "([a-z])([A-Z])", "$1_$2")
        return text.lowercased()
    }

    private static func replace(_ text: String, _ pattern: String, _ template: String) -> String {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return text }
        return expression.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }
}
