import Foundation
import ZooCore
import ZooKeras
import ZooONNX

/// Recognizes a model file by its content (the HDF5 signature, a zip header), then by its
/// extension, then by a protobuf field tag, and loads it.
enum ModelFile {
    enum Kind: Equatable {
        case spec, hdf5, zip, onnx
    }

    static func kind(of path: String) throws -> Kind {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ZooError(.io, "A model file must be readable. Received: '\(path)'.", file: path)
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        if head == KerasReader.hdf5Signature { return .hdf5 }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .zip }
        let lowered = path.lowercased()
        if lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") { return .spec }
        if lowered.hasSuffix(".onnx") { return .onnx }
        if lowered.hasSuffix(".h5") || lowered.hasSuffix(".keras") { return .hdf5 }
        // A ModelProto starts with a field tag; exporters write ir_version (field 1, varint) first.
        if head.first == 0x08 { return .onnx }
        throw ZooError(
            .unsupported,
            "A model file must be a zoo spec (.yaml), an ONNX model (.onnx) or a Keras file (.h5, .keras). Received: '\(path)', which is none of them by content or extension.",
            file: path)
    }

    /// Loads the model file at `path`; a Keras file's HDF5 part is read where `isolation` says.
    static func load(path: String, inputShapes: [String: Shape], architecture: String? = nil, isolation: HDF5Isolation = .standard) throws -> Model {
        switch try kind(of: path) {
        case .spec:
            return try Spec.load(path: path, inputShapes: inputShapes)
        case .onnx:
            return try Progress.step("reading \(path)", bytes: Progress.size(of: path)) {
                try ONNXReader.load(path: path, inputShapes: inputShapes)
            }
        case .hdf5, .zip:
            return try Progress.step("reading \(path)", bytes: Progress.size(of: path)) {
                // A zoo network or spec file as the architecture of a weights-only file.
                if let architecture, Zoo.names.contains(architecture) || architecture.hasSuffix(".yaml") || architecture.hasSuffix(".yml") {
                    let spec = Zoo.names.contains(architecture)
                        ? try Zoo.model(named: architecture, inputShapes: inputShapes) : try Spec.load(path: architecture, inputShapes: inputShapes)
                    return try KerasReader.load(path: path, onto: spec, isolation: isolation)
                }
                return try KerasReader.load(path: path, architecture: architecture, inputShapes: inputShapes, isolation: isolation)
            }
        }
    }
}
