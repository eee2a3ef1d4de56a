/// A validated IR graph: named inputs, layers in topological order, named outputs.
///
/// The throwing initializer checks once that names are unique, every layer's inputs are
/// defined before it (so there is no cycle), every layer gets as many inputs as its op takes,
/// and every output names a value. Passes build new graphs rather than mutating one.
public struct Graph: Sendable, Equatable {
    public let inputs: [GraphInput]
    public let layers: [Layer]
    public let outputs: [GraphOutput]
    private let layerIndex: [String: Int]

    /// Validates layers that are already in topological order.
    public init(inputs: [GraphInput], layers: [Layer], outputs: [GraphOutput]) throws {
        var defined = Set<String>()
        for input in inputs {
            guard !input.name.isEmpty else { throw ZooError(.invalidGraph, "Graph inputs need a name. Received: an empty name.") }
            guard defined.insert(input.name).inserted else {
                throw ZooError(.invalidGraph, "Value names must be unique. Received: input '\(input.name)' twice.", layer: input.name)
            }
        }
        var index: [String: Int] = [:]
        for (position, layer) in layers.enumerated() {
            guard !layer.name.isEmpty else {
                throw ZooError(.invalidGraph, "Layers need a name. Received: an empty name at position \(position).")
            }
            let arity = layer.op.semantics.arity
            if layer.inputs.count < arity.min || arity.max.map({ layer.inputs.count > $0 }) == true {
                throw ZooError(
                    .invalidGraph,
                    "\(layer.op.name) takes \(OpInfo.describeArity(arity)). Received: \(layer.inputs.count) (\(layer.inputs.joined(separator: ", "))).",
                    layer: layer.name)
            }
            for input in layer.inputs where !defined.contains(input) {
                let rule = input == layer.name || index[input] == nil && layers.contains(where: { $0.name == input })
                    ? "Layer inputs must be defined before the layer (the graph must have no cycle)"
                    : "Layer inputs must name a graph input or an earlier layer"
                throw ZooError(.invalidGraph, "\(rule). Received: input '\(input)'.", layer: layer.name)
            }
            guard defined.insert(layer.name).inserted else {
                throw ZooError(.invalidGraph, "Value names must be unique. Received: '\(layer.name)' defined twice.", layer: layer.name)
            }
            index[layer.name] = position
        }
        guard !outputs.isEmpty else { throw ZooError(.invalidGraph, "A graph needs at least one output. Received: none.") }
        for output in outputs where !defined.contains(output.name) {
            throw ZooError(.invalidGraph, "Graph outputs must name a value of the graph. Received: output '\(output.name)'.")
        }
        self.inputs = inputs
        self.layers = layers
        self.outputs = outputs
        self.layerIndex = index
    }

    /// Orders `layers` topologically (stable: an already ordered list is kept as is), then
    /// validates. A cycle is reported with the names of the layers on it.
    public static func sorting(inputs: [GraphInput], layers: [Layer], outputs: [GraphOutput]) throws -> Graph {
        let order = try TopologicalOrder.positions(names: layers.map(\.name), inputs: layers.map(\.inputs))
        return try Graph(inputs: inputs, layers: order.map { layers[$0] }, outputs: outputs)
    }

    /// The layer producing `name`, if a layer does.
    public func layer(named name: String) -> Layer? {
        layerIndex[name].map { layers[$0] }
    }

    /// The position of the layer producing `name` in ``layers``.
    public func position(of name: String) -> Int? { layerIndex[name] }

    /// The same graph with the shapes of some inputs replaced (`--input-shape`). Every name must
    /// be an input; the rank must not change; a concrete size must stay the same.
    public func binding(_ shapes: [String: Shape]) throws -> Graph {
        for name in shapes.keys where !inputs.contains(where: { $0.name == name }) {
            throw ZooError(
                .invalidGraph,
                "--input-shape must name a graph input (\(inputs.map(\.name).joined(separator: ", "))). Received: '\(name)'.")
        }
        let bound = try inputs.map { input in try shapes[input.name].map(input.binding) ?? input }
        return try Graph(inputs: bound, layers: layers, outputs: outputs)
    }

    /// The same graph with each layer's op transformed (weights materialized, for example).
    public func mappingOps(_ transform: (Layer) throws -> Op) throws -> Graph {
        try Graph(inputs: inputs, layers: layers.map { Layer($0.name, try transform($0), inputs: $0.inputs, frozen: $0.frozen) }, outputs: outputs)
    }

    public static func == (lhs: Graph, rhs: Graph) -> Bool {
        lhs.inputs == rhs.inputs && lhs.layers == rhs.layers && lhs.outputs == rhs.outputs
    }
}
