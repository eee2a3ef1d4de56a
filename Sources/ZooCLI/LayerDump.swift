import Foundation
import ZooCore
import ZooONNX

/// `zoo run --dump-layers DIR`: every value as `DIR/<name>.npy`, the name made file-safe
/// (characters other than letters, digits, `.`, `_` and `-` become `_`; a name that would clash
/// with an earlier one, ignoring case, gets `~2`, `~3`, ...), and `DIR/index.json` listing
/// `{"name", "file", "op", "shape"}` per value in the order computed.
struct LayerDump {
    let folder: String
    private var used = Set<String>()
    private var entries: [JSONValue] = []

    init(folder: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ZooError(.io, "--dump-layers needs a folder. Received: '\(folder)', an existing file.", file: folder)
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw ZooError(.io, "--dump-layers must be able to create its folder. Received: '\(folder)' (\(error.localizedDescription)).", file: folder)
            }
        }
        self.folder = folder
    }

    /// The file-safe base name of value `name`.
    static func safeName(_ name: String) -> String {
        let mapped = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") ? $0 : "_" })
        return mapped.isEmpty || mapped.allSatisfy({ $0 == "." }) ? "_" + mapped : mapped
    }

    mutating func write(_ tensor: Tensor, name: String, op: String) throws {
        let base = Self.safeName(name)
        var file = base + ".npy", suffix = 2
        while used.contains(file.lowercased()) {
            file = "\(base)~\(suffix).npy"
            suffix += 1
        }
        used.insert(file.lowercased())
        try TensorFile.write([(name, tensor)], to: (folder as NSString).appendingPathComponent(file))
        entries.append(.object([
            ("name", .string(name)), ("file", .string(file)), ("op", .string(op)), ("shape", .array(tensor.shape.map { .int($0) })),
        ]))
    }

    func finish() throws {
        let text = JSONValue.object([("values", .array(entries))]).rendered()
        let path = (folder as NSString).appendingPathComponent("index.json")
        try AtomicOutput.write(path) { sink in
            try Array(text.utf8).withUnsafeBytes { try sink.write($0) }
        }
    }
}
