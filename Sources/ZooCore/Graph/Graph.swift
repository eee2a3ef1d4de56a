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
                let expected = arity.max == arity.min ? "\(arity.min)" : arity.max.map { "\(arity.min) to \($0)" } ?? "at least \(arity.min)"
                throw ZooError(
                    .invalidGraph,
                    "\(layer.op.name) takes \(expected) input\(expected == "1" ? "" : "s"). Received: \(layer.inputs.count) (\(layer.inputs.joined(separator: ", "))).",
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
        var producer: [String: Int] = [:]
        for (position, layer) in layers.enumerated() where producer[layer.name] == nil { producer[layer.name] = position }
        // Depth-first, dependencies first, starting from each layer in the given order: an
        // ordered list comes out unchanged, and the cost is linear in layers and edges.
        enum Mark { case unvisited, inProgress, done }
        var marks = Array(repeating: Mark.unvisited, count: layers.count)
        var order: [Int] = []
        order.reserveCapacity(layers.count)
        for root in layers.indices where marks[root] == .unvisited {
            var stack: [(position: Int, nextInput: Int)] = [(root, 0)]
            marks[root] = .inProgress
            while let top = stack.last {
                let inputs = layers[top.position].inputs
                if top.nextInput == inputs.count {
                    stack.removeLast()
                    marks[top.position] = .done
                    order.append(top.position)
                    continue
                }
                stack[stack.count - 1].nextInput += 1
                guard let dependency = producer[inputs[top.nextInput]] else { continue }
                switch marks[dependency] {
                case .done: continue
                case .unvisited:
                    marks[dependency] = .inProgress
                    stack.append((dependency, 0))
                case .inProgress:
                    let cycleStart = stack.firstIndex { $0.position == dependency } ?? 0
                    let names = stack[cycleStart...].map { layers[$0.position].name }
                    throw ZooError(
                        .invalidGraph,
                        "A graph must have no cycle. Received: a cycle through \(names.map { "'\($0)'" }.joined(separator: " -> ")) -> '\(names[0])'.",
                        layer: names[0])
                }
            }
        }
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
        let bound = try inputs.map { input -> GraphInput in
            guard let shape = shapes[input.name] else { return input }
            guard shape.rank == input.shape.rank else {
                throw ZooError(
                    .shapeMismatch,
                    "A bound input shape must keep the input's rank (\(input.shape.rank)). Received: input '\(input.name)' \(input.shape), bound to \(shape).")
            }
            for (old, new) in zip(input.shape.dims, shape.dims) {
                if case .fixed(let size) = old, new != old {
                    throw ZooError(
                        .shapeMismatch,
                        "A bound input shape may only fill in symbolic dimensions. Received: input '\(input.name)' \(input.shape) has the fixed size \(size) where \(shape) gives \(new).")
                }
            }
            var copy = input
            copy.shape = shape
            return copy
        }
        return try Graph(inputs: bound, layers: layers, outputs: outputs)
    }

    /// The same graph with each layer's op transformed (weights materialized, for example).
    public func mappingOps(_ transform: (Layer) throws -> Op) throws -> Graph {
        try Graph(inputs: inputs, layers: layers.map { Layer($0.name, try transform($0), inputs: $0.inputs) }, outputs: outputs)
    }

    public static func == (lhs: Graph, rhs: Graph) -> Bool {
        lhs.inputs == rhs.inputs && lhs.layers == rhs.layers && lhs.outputs == rhs.outputs
    }
}
