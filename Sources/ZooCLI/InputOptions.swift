import ArgumentParser
import Foundation
import ZooCore
import ZooKeras
import ZooONNX

/// The options of commands that run a model: input files, the seed of whatever is drawn at
/// random, and the thread count.
struct RunInputOptions: ParsableArguments {
    @Option(
        name: .customLong("input"),
        help: ArgumentHelp(
            "An input tensor file (.npy, .npz or ONNX .pb): one per graph input in order, or NAME=FILE (repeatable). An .npz feeds the inputs its keys name. Inputs not given are drawn from a standard normal.",
            valueName: "file|name=file"))
    var inputs: [String] = []

    @Option(help: "Seed for the random weights of a spec and for inputs not given as files (default 0).")
    var seed: UInt64?

    @Option(help: "Threads for the kernels and OpenBLAS (default: every processor); results do not depend on it.")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 {
            throw ZooError(.usage, "--threads must be at least 1. Received: \(threads).")
        }
    }

    /// The tensors for `graph`'s inputs: files first (by name, else in order), the rest drawn at
    /// random with the seed, batch 1 where the batch is symbolic. `given` are the files already
    /// read (``givenTensors(names:)``).
    func tensors(for graph: Graph, given: [String: Tensor]? = nil) throws -> [String: Tensor] {
        let given = try given ?? givenTensors(names: graph.inputs.map(\.name))
        let drawn = try RandomWeights.inputs(graph.inputs.filter { given[$0.name] == nil }, seed: seed ?? 0)
        return given.merging(drawn) { file, _ in file }
    }

    /// For an ONNX or full-model Keras file, the input files read before the model is loaded, by
    /// the names of its graph inputs: their shapes bind the model's symbolic sizes (a file's own
    /// shape says every size). Nil for other models (zoo networks, specs, weights-only Keras
    /// files) or when no file is given.
    func filesBeforeLoading(model path: String, isolation: HDF5Isolation) throws -> [String: Tensor]? {
        guard !inputs.isEmpty, !Zoo.names.contains(path), FileManager.default.fileExists(atPath: path) else { return nil }
        switch try ModelFile.kind(of: path) {
        case .onnx: return try givenTensors(names: try ONNXReader.inputNames(path: path))
        case .hdf5, .zip:
            let names = try KerasReader.inputNames(path: path, isolation: isolation)
            return names.isEmpty ? nil : try givenTensors(names: names)
        case .spec: return nil
        }
    }

    /// The `--input` files, by the graph input (of `names`, in order) each feeds.
    func givenTensors(names: [String]) throws -> [String: Tensor] {
        var given: [String: Tensor] = [:]
        var positional = 0
        for argument in inputs {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, names.contains(parts[0]) {
                try assign(try TensorFile.readOne(path: parts[1]), to: parts[0], &given, from: parts[1])
                continue
            }
            let tensors = try TensorFile.read(path: argument)
            guard !tensors.isEmpty else {
                throw ZooError(.invalidGraph, "An --input file must hold a tensor. Received: none in '\(argument)'.", file: argument)
            }
            // A file of several tensors (an .npz, whatever its name) gives them by name; a file of
            // one, the next input in order.
            if tensors.count != 1 || argument.lowercased().hasSuffix(".npz") {
                for (name, tensor) in tensors {
                    guard names.contains(name) else {
                        throw ZooError(
                            .invalidGraph, "An .npz input's keys must name graph inputs (\(names.joined(separator: ", "))). Received: '\(name)'.", file: argument)
                    }
                    try assign(tensor, to: name, &given, from: argument)
                }
                continue
            }
            guard positional < names.count else {
                throw ZooError(
                    .invalidGraph, "--input gives one file per graph input (\(names.count): \(names.joined(separator: ", "))). Received: more, up to '\(argument)'.")
            }
            try assign(tensors[0].tensor, to: names[positional], &given, from: argument)
            positional += 1
        }
        return given
    }

    private func assign(_ tensor: Tensor, to name: String, _ given: inout [String: Tensor], from file: String) throws {
        guard given[name] == nil else {
            throw ZooError(.invalidGraph, "Each graph input takes one value. Received: a second one for '\(name)' from '\(file)'.")
        }
        given[name] = tensor
    }
}

extension ModelOptions {
    /// Loads the model (binding `fileShapes` where `--input-shape` does not) and draws the
    /// weights a spec declares from `seed` (saying so on stderr when no seed was given).
    func loadWithWeights(seed: UInt64?, fileShapes: [String: Shape] = [:]) throws -> Model {
        var loaded = try load(fileShapes: fileShapes)
        // Weights declared with a known value (ONNX ConstantOfShape) are no random draw: the
        // executor writes them out.
        let declared = loaded.graph.layers.contains { layer in layer.op.weights.contains { !$0.tensor.isMaterialized && $0.tensor.fill == nil } }
        if declared {
            if seed == nil { Console.note("drawing random weights with seed 0 (--seed S chooses another)") }
            loaded.graph = try loaded.located { try RandomWeights.instantiate(loaded.graph, seed: seed ?? 0) }
        }
        return loaded
    }
}
