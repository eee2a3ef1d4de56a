import Foundation
import ZooCore

/// A reference to a Keras tensor: the `tensor`-th output of call `node` of layer `layer`.
struct KerasTensorRef: Hashable {
    let layer: String
    let node: Int
    let tensor: Int

    var key: String { "\(layer):\(node):\(tensor)" }
}

/// One layer of a Keras model configuration, with the tensors each of its calls reads.
struct KerasLayerConfig {
    let className: String
    let name: String
    let config: KerasJSON
    /// Per call of the layer, its input tensors in order.
    let calls: [[KerasTensorRef]]
    /// The whole entry (a nested model keeps its own `config.layers`).
    let entry: KerasJSON
    /// The Python module Keras 3 registers the class in (`keras.layers`, `keras.src.ops.numpy`
    /// for a raw operation such as `x + 3.0`); nil in Keras 2 files. A legacy `.h5` that Keras 3
    /// writes drops it: there (see ``legacyModule(className:callEntries:)``) a raw operation is
    /// known by its class and its call, and keras.applications' layers by their class.
    let module: String?
    /// Per call, the whole `inbound_nodes` entry: Keras 3's `args` (tensors mixed with Python
    /// numbers for a raw operation) and `kwargs`.
    let callEntries: [KerasJSON]

    init(className: String, name: String, config: KerasJSON, calls: [[KerasTensorRef]], entry: KerasJSON, callEntries: [KerasJSON] = []) {
        self.className = className
        self.name = name
        self.config = config
        self.calls = calls
        self.entry = entry
        self.module = entry["module"].optionalString ?? Self.legacyModule(className: className, callEntries: callEntries)
        self.callEntries = callEntries
    }

    /// The module of an entry that names none: `keras.src.ops.numpy` for a class zoo reads as a
    /// raw operation called with positional arguments (`x + 3.0` is `args: [x, 3.0]`; the merge
    /// layer of the same name takes one list, `args: [[x, y]]`), keras.applications' module for
    /// its registered layers (tf-keras writes the same classes and configs), else nil.
    static func legacyModule(className: String, callEntries: [KerasJSON]) -> String? {
        if let module = KerasOpTable.applicationModules[className] { return module }
        guard KerasOpTable.operations.contains(className), let args = callEntries.first?["args"].optionalArray else { return nil }
        let takesOneList = args.count == 1 && args[0].optionalArray != nil
        return takesOneList ? nil : KerasOpTable.operationModule
    }

    /// Whether this entry is a raw Keras 3 operation (`keras.src.ops.*`), not a layer.
    var isOperation: Bool { module?.hasPrefix("keras.src.ops.") ?? false }
}

/// A Keras model configuration (`model_config` of a legacy `.h5`, `config.json` of a `.keras`):
/// its layers in order, its inputs and outputs. Sequential models (including Keras 2.0-2.2's
/// bare list of layers) get the chain of calls Keras builds for them.
struct KerasModelConfig {
    let className: String
    let name: String
    let layers: [KerasLayerConfig]
    let inputs: [KerasTensorRef]
    let outputs: [KerasTensorRef]

    static let modelClasses: Set<String> = ["Functional", "Model", "Sequential"]

    /// Whether the layers are a functional model's, in the order the model holds them (its
    /// input layers included, as the `.keras` saving library numbers them).
    var isFunctional: Bool { className != "Sequential" }

    init(_ json: KerasJSON) throws {
        className = try json["class_name"].string()
        let config = json["config"]
        switch className {
        case "Sequential":
            // Keras 2.0-2.2: `config` is the list of layers itself.
            let entries = try (config.optionalArray ?? config["layers"].array())
            name = config["name"].optionalString ?? "sequential"
            var layers: [KerasLayerConfig] = []
            var previous: KerasTensorRef?
            var inputs: [KerasTensorRef] = []
            for entry in entries {
                let className = try entry["class_name"].string()
                let layerName = try entry["config"]["name"].optionalString ?? entry["name"].string()
                if previous == nil, className != "InputLayer" {
                    // The first layer declares the input shape (`batch_input_shape` / `batch_shape`).
                    let input = "\(layerName)_input"
                    let shape = entry["config"]["batch_input_shape"].isNull ? entry["config"]["batch_shape"] : entry["config"]["batch_input_shape"]
                    let inputEntry = KerasJSON(
                        ["class_name": "InputLayer", "config": ["name": input, "batch_shape": shape.value ?? NSNull()]], path: entry.path)
                    layers.append(KerasLayerConfig(className: "InputLayer", name: input, config: inputEntry["config"], calls: [], entry: inputEntry))
                    previous = KerasTensorRef(layer: input, node: 0, tensor: 0)
                    inputs.append(KerasTensorRef(layer: input, node: 0, tensor: 0))
                }
                if className == "InputLayer" {
                    inputs.append(KerasTensorRef(layer: layerName, node: 0, tensor: 0))
                    layers.append(KerasLayerConfig(className: className, name: layerName, config: entry["config"], calls: [], entry: entry))
                } else {
                    layers.append(KerasLayerConfig(className: className, name: layerName, config: entry["config"], calls: previous.map { [[$0]] } ?? [], entry: entry))
                }
                previous = KerasTensorRef(layer: layerName, node: 0, tensor: 0)
            }
            guard let last = previous else {
                throw ZooError(.invalidGraph, "A Sequential model needs at least one layer. Received: none in '\(name)'.")
            }
            self.layers = layers
            self.inputs = inputs
            outputs = [last]
        case "Functional", "Model":
            name = config["name"].optionalString ?? "model"
            layers = try config["layers"].array().map { entry in
                let layerName = try entry["name"].optionalString ?? entry["config"]["name"].string()
                let callEntries = entry["inbound_nodes"].optionalArray ?? []
                let calls = try callEntries.map { try Self.tensors(in: $0) }
                return KerasLayerConfig(
                    className: try entry["class_name"].string(), name: layerName, config: entry["config"], calls: calls, entry: entry, callEntries: callEntries)
            }
            inputs = try Self.references(config["input_layers"])
            outputs = try Self.references(config["output_layers"])
        default:
            throw ZooError(.unsupported, "A Keras model must be Sequential or Functional. Received: class '\(className)'.")
        }
    }

    /// `[[name, node, tensor], ...]`, or one `[name, node, tensor]` (Keras 3 with one input).
    static func references(_ json: KerasJSON) throws -> [KerasTensorRef] {
        let list = try json.array()
        if let first = list.first, first.optionalString != nil { return [try reference(json)] }
        return try list.map(reference)
    }

    static func reference(_ json: KerasJSON) throws -> KerasTensorRef {
        let parts = try json.array()
        guard parts.count >= 3 else { throw json.mistyped("[layer, node, tensor]") }
        return KerasTensorRef(layer: try parts[0].string(), node: try parts[1].int(), tensor: try parts[2].int())
    }

    /// The input tensors of one call: Keras 2's `[[name, node, tensor, kwargs], ...]` (one flat
    /// `[name, node, tensor, kwargs]` for a TFOpLambda) or Keras
    /// 3's `{"args": [...], "kwargs": {...}}` with `__keras_tensor__` entries (nested in lists
    /// for merge layers).
    static func tensors(in call: KerasJSON) throws -> [KerasTensorRef] {
        if call.object != nil {
            var found: [KerasTensorRef] = []
            try collect(call["args"], into: &found)
            return found
        }
        let references = try call.array()
        // Keras 2's TFOpLambda calls are one flat reference, `[name, node, tensor, kwargs]`; a
        // second tensor operand is the keyword `y` (`tf.math.multiply(x, y)`).
        if references.first?.optionalString != nil {
            let second = references.count > 3 ? references[3]["y"] : KerasJSON(nil, path: call.path)
            let isReference = second.optionalArray?.first?.optionalString != nil
            return [try reference(call)] + (isReference ? [try reference(second)] : [])
        }
        return try references.map(reference)
    }

    private static func collect(_ json: KerasJSON, into found: inout [KerasTensorRef]) throws {
        if json.object != nil {
            if json["class_name"].optionalString == "__keras_tensor__" {
                found.append(try reference(json["config"]["keras_history"]))
            }
            return
        }
        for element in json.optionalArray ?? [] { try collect(element, into: &found) }
    }
}
