#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ZooArchive
import ZooCore

/// Reading and writing float32 tensors in the files other tools exchange them in: NumPy `.npy`
/// (one array) and `.npz` (named arrays), and ONNX `TensorProto` `.pb` (one tensor, the layout
/// of the ONNX backend tests' `input_0.pb`).
///
/// Reading decides the format by content (`\x93NUMPY`, a zip signature, otherwise a
/// TensorProto) and converts every supported element type to float32:
/// - `.npy`: format versions 1.0, 2.0 and 3.0; `<f4` read as is (borrowed from the mapped file,
///   not copied), `<f2`, `<f8`, 1- to 8-byte signed and unsigned integers and `|b1` converted.
///   Fortran-order arrays are transposed into C order, so the tensor equals what `numpy.load`
///   returns. Big-endian, structured, string and object arrays are refused by name. The tensor
///   is named by the file's base name (`weights.npy` gives `weights`).
/// - `.npz`: every entry must be a `.npy` (stored or deflated); tensors are named by their keys,
///   in archive order. Declared entry sizes are trusted only as far as the file's bytes allow.
/// - `.pb`: any data type, `raw_data`, typed fields or external data, decoded exactly as a
///   model's initializers are; named by the TensorProto's name, or the file's base name when it
///   has none.
///
/// The data must match the shape exactly, and every malformed file gives one ``ZooError``
/// (`malformedFile`, `unsupported` or `io`) that names the file and states the rule with the
/// received values; sizes are overflow-checked and bounded by the file's size.
///
/// Writing decides the format by the extension and always writes float32, little-endian:
/// `.npy` version 1.0 `<f4` C order, byte for byte as `numpy.save` writes it; `.npz` as stored
/// entries with a fixed date, so that equal tensors give equal files; `.pb` as a TensorProto with
/// `dims`, `data_type` FLOAT, `name` and `raw_data`, as `onnx.numpy_helper.from_array` does.
/// Files appear atomically (a temporary file in the same folder, renamed over the destination),
/// and an existing file is replaced, never written into, so a tensor read from the destination
/// stays valid.
public enum TensorFile {
    /// The tensors in the file at `path`, with their names, in file order.
    ///
    /// - Throws: ``ZooError`` of kind `io` when the file cannot be read, `malformedFile` when it
    ///   breaks its format's rules, `unsupported` for a valid file zoo does not read (such as a
    ///   big-endian `.npy`).
    public static func read(path: String) throws -> [(name: String, tensor: Tensor)] {
        do {
            let size = try checkReadable(path)
            guard size > 0 else {
                throw ZooError(.malformedFile, "A tensor file must not be empty. Received: 0 bytes.")
            }
            // The first bytes decide; an .npz is then read by ZIPFoundation, not mapped.
            let first = try firstBytes(of: path, count: 8)
            switch try first.withUnsafeBytes({ try TensorFileFormat.detect($0, path: path) }) {
            case .npy:
                let mapped = try MappedFile(path: path)
                return [(baseName(path), try NpyFile.decode(mapped.bytes, owner: mapped))]
            case .npz:
                return try NpzArchive.read(path: path, fileSize: size)
            case .pb:
                let mapped = try MappedFile(path: path)
                return [try TensorProtoFile.decode(mapped.bytes, path: path, baseName: baseName(path))]
            }
        } catch let error as ZooError {
            throw error.inFile(path)
        }
    }

    /// Writes `tensors` to `path` in the format its extension names: `.npy` and `.pb` hold
    /// exactly one tensor (a `.npy` does not store the name; a `.pb` does), `.npz` any number,
    /// keyed by their unique names.
    ///
    /// - Throws: ``ZooError`` of kind `unsupported` for another extension, `invalidGraph` for
    ///   tensors the format cannot hold (several in a `.npy`, a declared tensor without values,
    ///   duplicate `.npz` names), `io` when the file cannot be written.
    /// The one tensor in the file at `path` (a `.npy`, a `.pb`, or an `.npz` of one array).
    ///
    /// - Throws: as ``read(path:)``, and `invalidGraph` when the file holds no tensor or several.
    public static func readOne(path: String) throws -> Tensor {
        let tensors = try read(path: path)
        guard tensors.count == 1 else {
            throw ZooError(.invalidGraph, "A single tensor was expected in this file. Received: \(tensors.count) tensors in '\(path)'.", file: path)
        }
        return tensors[0].tensor
    }

    public static func write(_ tensors: [(name: String, tensor: Tensor)], to path: String) throws {
        do {
            guard let format = TensorFileFormat.named(by: path) else {
                throw ZooError(
                    .unsupported,
                    "zoo writes tensor files named \(TensorFileFormat.extensionList). Received: '\(baseName(path, keepingExtension: true))'.")
            }
            switch format {
            case .npy:
                let (name, tensor) = try single(tensors, format)
                guard let storage = tensor.storage else { throw notMaterialized(name, tensor) }
                let header = NpyFile.header(for: tensor)
                try AtomicOutput.write(path) { sink in
                    try sink.write(header)
                    try sink.write(UnsafeRawBufferPointer(storage.buffer))
                }
            case .pb:
                let (name, tensor) = try single(tensors, format)
                let bytes = try TensorProtoFile.encode(name: name, tensor: tensor)
                try AtomicOutput.write(path) { try $0.write(bytes) }
            case .npz:
                try AtomicOutput.replace(path) { temporary in
                    try NpzArchive.write(tensors, temporary: temporary, path: path)
                }
            }
        } catch let error as ZooError {
            throw error.inFile(path)
        }
    }

    private static func single(_ tensors: [(name: String, tensor: Tensor)], _ format: TensorFileFormat) throws -> (String, Tensor) {
        guard tensors.count == 1, let only = tensors.first else {
            throw ZooError(
                .invalidGraph,
                "A .\(format.rawValue) file holds exactly one tensor; write several to an .npz. Received: \(tensors.count) tensors (\(tensors.map { "'\($0.name)'" }.joined(separator: ", "))).")
        }
        return (only.name, only.tensor)
    }

    private static func notMaterialized(_ name: String, _ tensor: Tensor) -> ZooError {
        ZooError(.invalidGraph, "A tensor written to a file must hold values. Received: tensor '\(name)' of shape \(tensor.shape) without them.")
    }

    /// The file name without its folder and (unless asked) its last extension.
    private static func baseName(_ path: String, keepingExtension: Bool = false) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard !keepingExtension, let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The size of the file at `path`, or an `io` error in the words of tensor files when it is
    /// not a readable regular file.
    private static func checkReadable(_ path: String) throws -> Int {
        var status = stat()
        guard stat(path, &status) == 0, access(path, R_OK) == 0 else {
            throw ZooError(.io, "A tensor file must exist and be readable. Received: '\(path)' (\(String(cString: strerror(errno)))).")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ZooError(.io, "A tensor file must be a regular file. Received: '\(path)', which is not.")
        }
        return Int(status.st_size)
    }

    /// Up to `count` bytes from the start of the file at `path`.
    private static func firstBytes(of path: String, count: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ZooError(.io, "A tensor file must exist and be readable. Received: '\(path)' (\(String(cString: strerror(errno)))).")
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                systemRead(descriptor, buffer.baseAddress.map { $0 + filled }, count - filled)
            }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else {
                throw ZooError(.io, "A tensor file must be readable. Received: '\(path)' (\(String(cString: strerror(errno)))).")
            }
            if got == 0 { break }
            filled += got
        }
        return Array(bytes.prefix(filled))
    }
}

/// read(2), under a name ``TensorFile/read(path:)`` does not hide.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
    #else
    Darwin.read(descriptor, buffer, count)
    #endif
}
