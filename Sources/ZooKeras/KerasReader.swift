import Foundation
import ZooArchive
import ZooCore

/// Reads Keras models into the IR.
///
/// Legacy full-model HDF5 files (`model.save("m.h5")`) as Keras 2 (2.0 to 2.15, tf-keras) and
/// Keras 3 write them: the `model_config` attribute (Sequential — also Keras 2.0-2.2's bare list
/// of layers — or Functional, both `inbound_nodes` styles, nested models flattened with their
/// layers' own names), and the `model_weights` group, followed through each layer's
/// `weight_names` (`:0` suffixes or not, fixed- or variable-length strings, chunked
/// `layer_names0..N`). `training_config` and `optimizer_weights` are ignored.
///
/// Layouts follow ``KerasLayout``: a channels_last model's graph inputs and outputs keep Keras's
/// layout (`NHWC`), and the IR computes channels-first in between.
///
/// Every read takes an ``HDF5Isolation``. By default (``HDF5Isolation/standard``) libhdf5 reads
/// the HDF5 part in a sandboxed child process (ZooSandbox's `SandboxedChild`): a file that
/// crashes libhdf5, hangs it or makes it allocate without bound ends in one `malformedFile` error
/// naming the file and libhdf5's step, and cannot make the caller run code, open files or wait
/// forever. ``HDF5Isolation/inProcess`` reads in the caller's process, for files it trusts. Both
/// give the same model, bit for bit.
public enum KerasReader {
    /// The 8 bytes every HDF5 file (a Keras `.h5`) starts with, when it has no user block.
    public static let hdf5Signature = HDF5Superblock.signature

    /// The format names of a legacy `.h5` and of a `.keras` archive.
    public static let format = "keras-h5"
    public static let archiveFormat = "keras"

    /// The result of a read: the model, and the layout rules applied, layer by layer.
    public struct Result: Sendable {
        public var model: Model
        public var explanations: [String]
    }

    /// Loads the full-model `.h5` or `.keras` at `path`, binding `inputShapes` (`--input-shape`);
    /// a weights-only file (`save_weights`: Keras 2 `.h5`, Keras 3 `.weights.h5`) needs its
    /// `architecture`, a Keras config JSON file (`model.to_json()`). libhdf5 reads the file's
    /// HDF5 part where `isolation` says: by default in a sandboxed child process.
    public static func load(
        path: String, architecture: String? = nil, inputShapes: [String: Shape] = [:], isolation: HDF5Isolation = .standard
    ) throws -> Model {
        try read(path: path, architecture: architecture, inputShapes: inputShapes, isolation: isolation).model
    }

    /// ``load(path:architecture:inputShapes:isolation:)`` with the layout rules applied.
    public static func read(
        path: String, architecture: String? = nil, inputShapes: [String: Shape] = [:], isolation: HDF5Isolation = .standard
    ) throws -> Result {
        do {
            if try isZip(path) { return try KerasArchive.read(path: path, inputShapes: inputShapes, isolation: isolation) }
            let file = try contents(path: path, isolation: isolation)
            if let architecture { return try readWeights(file, architecture: architecture, inputShapes: inputShapes) }
            return try read(file, inputShapes: inputShapes)
        } catch let error as ZooError {
            throw error.inFile(path)
        }
    }

    /// The HDF5 contents of the file at `path`, mapped, as `isolation` reads them.
    static func contents(path: String, isolation: HDF5Isolation, scope: HDF5Walk.Scope = .everything) throws -> HDF5Contents {
        let mapped = try MappedFile(path: path, populate: false)
        return try HDF5Reading.contents(of: mapped.bytes, name: path, owner: mapped, isolation: isolation, scope: scope)
    }

    /// A weights-only file mapped onto the architecture in the JSON file `architecture`, by
    /// layer name: the legacy layout (`layer_names`, `weight_names`) or Keras 3's
    /// (`layers/<name>/vars`).
    static func readWeights(_ file: HDF5Contents, architecture: String, inputShapes: [String: Shape]) throws -> Result {
        let text: String
        do {
            text = try String(contentsOfFile: architecture, encoding: .utf8)
        } catch {
            throw ZooError(.io, "--architecture must name a readable Keras config JSON file. Received: '\(architecture)'.", file: architecture)
        }
        let json: KerasJSON
        do {
            json = try KerasJSON.parse(text, what: "the architecture")
        } catch let error as ZooError {
            throw error.inFile(architecture)
        }
        let root = file.root
        let config = try KerasModelConfig(json)
        let weights = try KerasWeights.read(file: file, root: root, config: config)
        let version = try root.string("keras_version") ?? json["keras_version"].optionalString ?? (root.exists("layers") ? "3" : "2")
        return try build(config, weights: weights, version: version, format: format, file: file.name, inputShapes: inputShapes)
    }

    /// The graph input names of the full-model `.h5` or `.keras` at `path`, in the order the
    /// model takes them, read from its configuration alone (the weights are not opened).
    public static func inputNames(path: String, isolation: HDF5Isolation = .standard) throws -> [String] {
        do {
            let config: KerasModelConfig
            if try isZip(path) {
                config = try KerasArchive.config(path: path)
            } else {
                let file = try contents(path: path, isolation: isolation, scope: .configuration)
                guard let text = try file.root.string("model_config") else { return [] }
                config = try KerasModelConfig(try KerasJSON.parse(text, what: "model_config"))
            }
            return config.layers.filter { $0.className == "InputLayer" }.map(\.name)
        } catch let error as ZooError {
            throw error.inFile(path)
        }
    }

    /// Reads a Keras model held in memory: a legacy `.h5` or a `.keras` archive. The bytes are
    /// copied once (the model's tensors may borrow from the copy, so they never outlive the
    /// caller's buffer). `name` names it in messages. This is the fuzzer's entry.
    public static func parse(_ bytes: UnsafeRawBufferPointer, name: String, isolation: HDF5Isolation = .standard) throws -> Model {
        do {
            if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
                return try KerasArchive.read(data: Data(bytes), name: name, inputShapes: [:], isolation: isolation).model
            }
            let copy = try OwnedBytes(copying: bytes)
            let file = try HDF5Reading.contents(of: UnsafeRawBufferPointer(copy.bytes), name: name, owner: copy, isolation: isolation)
            return try read(file, inputShapes: [:]).model
        } catch let error as ZooError {
            throw error.inFile(name)
        }
    }

    private static func isZip(_ path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ZooError(.io, "A Keras file must be readable. Received: '\(path)'.", file: path)
        }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)).map { [UInt8]($0) == [0x50, 0x4B, 0x03, 0x04] } ?? false
    }

    static func read(_ file: HDF5Contents, inputShapes: [String: Shape]) throws -> Result {
        let root = file.root
        guard let configText = try root.string("model_config") else {
            throw ZooError(
                .unsupported,
                "A Keras file without a model_config holds weights only; reading it needs its architecture, given as --architecture: a Keras config JSON file (model.to_json()), a zoo spec or a zoo network. Received: no model_config attribute.")
        }
        let version = try root.string("keras_version") ?? "2"
        let config = try KerasModelConfig(try KerasJSON.parse(configText, what: "model_config"))
        return try build(
            config, weights: try KerasWeights.legacy(file: file, root: root), version: version, format: format, file: file.name, inputShapes: inputShapes)
    }

    /// The IR model of `config` with `weights`.
    static func build(
        _ config: KerasModelConfig, weights: KerasWeights, version: String, format: String, file: String, inputShapes: [String: Shape]
    ) throws -> Result {
        let major = Int(version.split(separator: ".").first ?? "2") ?? 2
        try weights.check(try declaredWeights(config))
        let importer = KerasImporter(file: file, kerasMajorVersion: major, weights: { try weights.tensors(for: $0) })
        let (graphInputs, outputs) = try importModel(config, importer: importer, inputShapes: inputShapes)
        let graph = try Graph(inputs: graphInputs, layers: importer.layers, outputs: outputs)
        // Every weight must fit the layer that reads it: shape inference checks them all now,
        // not when the model is first analyzed or run.
        _ = try ShapeInference.infer(graph)
        var model = Model(name: config.name, format: format, variant: "Keras \(version)", graph: graph, file: file)
        model.sourceInputs = graphInputs.map(\.name)
        model.layoutRules = importer.explanations
        try weights.checkAllUsed()
        return Result(model: model, explanations: importer.explanations)
    }

    /// Imports the layers of the top-level model; returns its graph inputs and outputs.
    static func importModel(
        _ config: KerasModelConfig, importer: KerasImporter, inputShapes: [String: Shape]
    ) throws -> ([GraphInput], [GraphOutput]) {
        try checkClasses(config)
        for layer in config.layers where layer.className == "InputLayer" {
            let shape = try inputShape(layer)
            var input = GraphInput(
                name: layer.name, shape: shape, layout: feedsChannelsLastPermutes(layer.name, rank: shape.rank, in: config)
                    ? Layout.channelsFirst(rank: shape.rank) : layout(rank: shape.rank))
            if let bound = inputShapes[layer.name] { input = try input.binding(bound) }
            importer.addInput(input)
            importer.setValue(
                KerasValue(name: layer.name, rank: shape.rank, channelsFirst: false), for: KerasTensorRef(layer: layer.name, node: 0, tensor: 0))
        }
        for name in inputShapes.keys where !importer.inputs.contains(where: { $0.name == name }) {
            throw ZooError(.invalidGraph, "--input-shape must name a graph input (\(importer.inputs.map(\.name).joined(separator: ", "))). Received: '\(name)'.")
        }
        try importLayers(config, importer: importer)
        var outputs: [GraphOutput] = []
        for reference in config.outputs {
            var value = try importer.value(reference, for: reference.layer)
            if value.channelsFirst { value = try importer.kerasOrder(value, for: reference.layer) }
            outputs.append(GraphOutput(name: value.name, layout: layout(rank: value.rank)))
        }
        return (importer.inputs, outputs)
    }

    /// Imports every call of every layer of `config` (a nested model's layers included).
    static func importLayers(_ config: KerasModelConfig, importer: KerasImporter) throws {
        for layer in config.layers where layer.className != "InputLayer" {
            guard layer.calls.count <= 1 else {
                throw ZooError(
                    .unsupported, "Shared Keras layers (one layer called on several inputs) are not imported. Received: '\(layer.name)' called \(layer.calls.count) times.",
                    layer: layer.name)
            }
            guard let call = layer.calls.first else { continue }
            let inputs = try call.map { try importer.value($0, for: layer.name) }
            let outerFrozen = importer.frozen
            defer { importer.frozen = outerFrozen }
            if try !layer.config["trainable"].bool(default: true) { importer.frozen = true }
            if KerasModelConfig.modelClasses.contains(layer.className) {
                try importNested(layer, inputs: inputs, importer: importer)
                continue
            }
            let callEntry = layer.callEntries.first ?? KerasJSON(nil, path: layer.name)
            let output = layer.isOperation
                ? try importer.importOperation(layer, call: callEntry)
                : layer.className == "TFOpLambda"
                    ? try importer.importTensorFlowFunction(layer, inputs: inputs, call: callEntry)
                    : try importer.importLayer(layer, inputs: inputs)
            importer.setValue(output, for: KerasTensorRef(layer: layer.name, node: 0, tensor: 0))
        }
    }

    /// A model used as a layer: its input layers take the call's inputs, its layers are
    /// imported in place, and its outputs become the layer's.
    static func importNested(_ layer: KerasLayerConfig, inputs: [KerasValue], importer: KerasImporter) throws {
        let nested = try KerasModelConfig(layer.entry)
        try checkClasses(nested)
        guard nested.inputs.count == inputs.count else {
            throw ZooError(
                .invalidGraph, "A nested Keras model takes one tensor per input. Received: \(inputs.count) for the \(nested.inputs.count) inputs of '\(layer.name)'.",
                layer: layer.name)
        }
        for (reference, value) in zip(nested.inputs, inputs) { importer.setValue(value, for: reference) }
        try importLayers(nested, importer: importer)
        for (index, reference) in nested.outputs.enumerated() {
            importer.setValue(try importer.value(reference, for: layer.name), for: KerasTensorRef(layer: layer.name, node: 0, tensor: index))
        }
    }

    /// Every layer's declared weight shapes, nested models' layers included, in order.
    static func declaredWeights(_ config: KerasModelConfig) throws -> [(layer: String, shapes: [[Int?]?])] {
        try checkClasses(config)
        var list: [(layer: String, shapes: [[Int?]?])] = []
        for layer in config.layers {
            if KerasModelConfig.modelClasses.contains(layer.className) {
                list += try declaredWeights(try KerasModelConfig(layer.entry))
            } else {
                let shapes = try KerasImporter.declaredWeights(layer)
                if !shapes.isEmpty { list.append((layer.name, shapes)) }
            }
        }
        return list
    }

    /// Refuses, in one error, every layer whose class zoo does not import.
    static func checkClasses(_ config: KerasModelConfig) throws {
        var unknown: [String: [String]] = [:]
        for layer in config.layers {
            if layer.isOperation {
                // A raw operation is read by its module and registered name, never by code.
                guard layer.module != KerasOpTable.operationModule || !KerasOpTable.operations.contains(layer.className) else { continue }
                unknown["\(layer.module ?? "").\(layer.className)", default: []].append(layer.name)
            } else if layer.className == "TFOpLambda" {
                let function = layer.config["function"].optionalString ?? "(no function)"
                guard KerasOpTable.tensorFlowFunctions[function] == nil else { continue }
                unknown["TFOpLambda tf.\(function)", default: []].append(layer.name)
            } else if let module = KerasOpTable.applicationModules[layer.className], layer.module != module {
                unknown["\(layer.module ?? "(no module)").\(layer.className)", default: []].append(layer.name)
            } else if !KerasOpTable.classes.contains(layer.className) && !KerasModelConfig.modelClasses.contains(layer.className) {
                unknown[layer.className, default: []].append(layer.name)
            }
        }
        guard !unknown.isEmpty else { return }
        let listed = unknown.keys.sorted().map { "\($0) (\(unknown[$0, default: []].map { "'\($0)'" }.joined(separator: ", ")))" }
        let code = unknown.keys.filter(KerasImporter.codeClasses.contains)
        let reason = code.isEmpty ? "" : " \(code.sorted().joined(separator: ", ")) layers carry Python code, which zoo never runs."
        throw ZooError(.unsupported, "zoo imports the Keras layers and operations `zoo ops` lists.\(reason) Received: \(listed.joined(separator: "; ")).")
    }

    /// An InputLayer's shape: `batch_shape` (Keras 3) or `batch_input_shape` (Keras 2), the
    /// batch symbolic.
    static func inputShape(_ layer: KerasLayerConfig) throws -> Shape {
        let json = layer.config["batch_shape"].isNull ? layer.config["batch_input_shape"] : layer.config["batch_shape"]
        let dims = try json.array()
        guard dims.count >= 1 else { throw json.mistyped("a shape with a batch axis") }
        return Shape(try dims.enumerated().map { axis, dim -> Dim in
            if dim.isNull { return axis == 0 ? .symbol("N") : .symbol("\(layer.name)_dim\(axis)") }
            let size = try dim.int()
            guard size >= 0 else { throw dim.mistyped("a non-negative size") }
            return .fixed(size)
        })
    }

    /// Whether input `name` (of `rank` axes) is read only by Permute layers that move its axis 1
    /// last: a channels-first input (how zoo's writer keeps an NCHW source's input).
    static func feedsChannelsLastPermutes(_ name: String, rank: Int, in config: KerasModelConfig) -> Bool {
        guard rank >= 3 else { return false }
        let toChannelsLast = Array(2..<rank) + [1]
        let readers = config.layers.filter { layer in layer.calls.contains { call in call.contains { $0.layer == name } } }
        return !readers.isEmpty && readers.allSatisfy { reader in
            reader.className == "Permute" && (try? reader.config["dims"].ints(count: rank - 1)) == toChannelsLast
        }
    }

    /// Keras's own layout of a channels_last tensor of `rank` axes.
    static func layout(rank: Int) -> Layout {
        switch rank {
        case 3: return .nwc
        case 4: return .nhwc
        default: return Layout.channelsFirst(rank: rank)
        }
    }
}
