/// Shape inference over a ``Graph``: every value's shape, from the inputs through each op's
/// shape rule.
///
/// A graph input may leave its first (batch) dimension symbolic; any other symbolic dimension
/// must be bound first (``Graph/binding(_:)``, `--input-shape`), and the error says so.
public enum ShapeInference {
    /// The shape of every value, keyed by value name. Errors name the layer.
    public static func infer(_ graph: Graph) throws -> [String: Shape] {
        try checkBound(graph.inputs)
        var shapes: [String: Shape] = [:]
        shapes.reserveCapacity(graph.inputs.count + graph.layers.count)
        for input in graph.inputs { shapes[input.name] = input.shape }
        for layer in graph.layers {
            let inputs = layer.inputs.compactMap { shapes[$0] }
            do {
                shapes[layer.name] = try layer.op.semantics.outputShape(inputs: inputs)
            } catch let error as ZooError {
                throw error.at(layer: layer.name)
            }
        }
        return shapes
    }

    /// Fails when an input has a symbolic dimension other than its first, naming every such
    /// input with an `--input-shape` binding to copy (known sizes kept, 224 for the others).
    public static func checkBound(_ inputs: [GraphInput]) throws {
        for input in inputs {
            if let negative = input.shape.dims.first(where: { ($0.value ?? 0) < 0 }) {
                throw ZooError(
                    .shapeMismatch, "Input dimensions must not be negative. Received: input '\(input.name)' \(input.shape) with \(negative).",
                    layer: input.name)
            }
        }
        // Every input with unbound sizes, in one error: each named, with a ready binding.
        var names: [String] = [], examples: [String] = [], received: [String] = []
        for input in inputs {
            let unbound = input.shape.dims.dropFirst().compactMap { dim -> String? in
                if case .symbol(let name) = dim { return name }
                return nil
            }
            guard !unbound.isEmpty else { continue }
            let example = ([input.shape.dims.first?.value ?? 1] + input.shape.dims.dropFirst().map { $0.value ?? 224 })
                .map(String.init).joined(separator: ",")
            names.append(input.name)
            examples.append("--input-shape \(input.name)=\(example)")
            received.append("input '\(input.name)' \(input.shape) with unbound \(unbound.map { "'\($0)'" }.joined(separator: ", "))")
        }
        guard examples.isEmpty else {
            throw ZooError(
                .shapeMismatch,
                "Only the batch (first) dimension of an input may stay symbolic; bind the others with --input-shape (zoo run and zoo verify also take them from their input files; for example \(examples.joined(separator: " "))). Received: \(received.joined(separator: "; ")).",
                layer: names.count == 1 ? names[0] : nil)
        }
    }
}
