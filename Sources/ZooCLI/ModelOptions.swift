import ArgumentParser
import Foundation
import ZooCore
import ZooKeras

/// The model argument and the options every command that reads a model shares.
struct ModelOptions: ParsableArguments {
    @Argument(help: "A network of the zoo (see `zoo list`), a spec file (.yaml), an ONNX model (.onnx) or a Keras model (.h5, .keras; a weights-only file with --architecture).")
    var model: String

    @Option(
        name: .customLong("input-shape"),
        help: ArgumentHelp(
            "Bind an input's shape, batch first: NAME=1,3,640,640 (repeatable). Needed for symbolic dimensions other than the batch.",
            valueName: "name=dims"))
    var inputShapes: [String] = []

    @Option(help: ArgumentHelp("For a weights-only Keras file (.weights.h5, save_weights .h5): the architecture, a Keras config JSON file (model.to_json()), a zoo spec (.yaml) or a zoo network.", valueName: "config.json|spec"))
    var architecture: String?

    @Flag(name: .customLong("hdf5-in-process"), help: HDF5IsolationFlag.help)
    var hdf5InProcess = false

    /// Where a Keras file's HDF5 part is read: zoo's sandbox unless `--hdf5-in-process`.
    var hdf5Isolation: HDF5Isolation { HDF5IsolationFlag.isolation(inProcess: hdf5InProcess) }

    /// The parsed `--input-shape` bindings.
    func parsedInputShapes() throws -> [String: Shape] {
        var shapes: [String: Shape] = [:]
        for binding in inputShapes {
            let parts = binding.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ZooError(.usage, "--input-shape takes NAME=d0,d1,... (for example input=1,3,224,224). Received: '\(binding)'.")
            }
            let dims = try parts[1].split(separator: ",", omittingEmptySubsequences: false).map { text -> Dim in
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                if let size = Int(trimmed), size >= 1 { return .fixed(size) }
                if !trimmed.isEmpty, Int(trimmed) == nil, trimmed.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { return .symbol(trimmed) }
                throw ZooError(.usage, "--input-shape sizes must be positive integers (or a symbol for the batch). Received: '\(text)' in '\(binding)'.")
            }
            guard shapes[parts[0]] == nil else {
                throw ZooError(.usage, "--input-shape binds each input once. Received: '\(parts[0])' twice.")
            }
            shapes[parts[0]] = Shape(dims)
        }
        return shapes
    }

    /// Loads the model: a zoo network by name, else a model file by path (a spec, ONNX or Keras
    /// file, recognized by ``ModelFile``), with `--input-shape` and `--architecture` applied;
    /// `fileShapes` (the shapes of input files) bind the inputs `--input-shape` leaves.
    func load(fileShapes: [String: Shape] = [:]) throws -> Model {
        let shapes = try parsedInputShapes().merging(fileShapes) { given, _ in given }
        if Zoo.names.contains(model) { return try Zoo.model(named: model, inputShapes: shapes) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) else {
            if !model.contains("/"), !model.contains(".") {
                return try Zoo.model(named: model, inputShapes: shapes)
            }
            throw ZooError(.io, "MODEL must be a zoo network (\(Zoo.names.joined(separator: ", "))) or an existing file. Received: '\(model)', which does not exist.")
        }
        guard !isDirectory.boolValue else {
            throw ZooError(.io, "MODEL must be a file, not a directory. Received: '\(model)'.")
        }
        return try ModelFile.load(path: model, inputShapes: shapes, architecture: architecture, isolation: hdf5Isolation)
    }
}

/// `--hdf5-in-process`, shared by every command that reads models.
enum HDF5IsolationFlag {
    static let help = ArgumentHelp(
        "Read a Keras file's HDF5 part in zoo's own process instead of a sandboxed child: one fork fewer, for files you trust. libhdf5 can be crashed or hung by a crafted file; sandboxed, that ends in one error.")

    static func isolation(inProcess: Bool) -> HDF5Isolation { inProcess ? .inProcess : .standard }
}

/// The output format option of commands that print a report.
struct FormatOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output format: table, json, csv or markdown.")
    var format: ReportFormat = .table
}

extension ReportFormat: ExpressibleByArgument {}
