import Testing
import ZooCore

/// Small helpers shared by the per-op, contract, graph and receptive-field tests.
enum OpTestKit {
    /// A declared tensor (shape only, no elements).
    static func declared(_ shape: [Int]) throws -> Tensor { try Tensor.declared(shape: shape) }

    /// A materialized tensor whose elements are `start, start + step, ...`.
    static func filled(_ shape: [Int], start: Float = 1, step: Float = 1) throws -> Tensor {
        var count = 1
        for size in shape { count *= size }
        return try Tensor(shape: shape, values: (0..<count).map { start + Float($0) * step })
    }

    /// Trainable, non-trainable and constant element counts of `weights`.
    static func counts(_ weights: [Weight]) -> (trainable: Int, nonTrainable: Int, constant: Int) {
        var result = (trainable: 0, nonTrainable: 0, constant: 0)
        for weight in weights {
            switch weight.role {
            case .trainable: result.trainable += weight.tensor.count
            case .nonTrainable: result.nonTrainable += weight.tensor.count
            case .constant: result.constant += weight.tensor.count
            }
        }
        return result
    }

    /// Runs the shape rule, the cost and the field step of `op` on `inputs`.
    static func evaluate(_ op: some OperatorSemantics, _ inputs: [Shape]) throws -> (output: Shape, cost: Cost, step: FieldStep) {
        let output = try op.outputShape(inputs: inputs)
        return (output, try op.cost(inputs: inputs, output: output), try op.fieldStep(inputs: inputs, output: output))
    }

    /// Expects `body` to throw a ``ZooError`` of `kind` whose message contains every string of
    /// `parts` (the rule's words and the received values).
    @discardableResult
    static func expectError(
        _ kind: ZooError.Kind, mentioning parts: [String],
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) -> ZooError? {
        let error = #expect(throws: ZooError.self, sourceLocation: sourceLocation) { try body() }
        guard let error else { return nil }
        #expect(error.kind == kind, "kind \(error.kind) for: \(error.message)", sourceLocation: sourceLocation)
        for part in parts {
            #expect(error.message.contains(part), "message lacks '\(part)': \(error.message)", sourceLocation: sourceLocation)
        }
        return error
    }

    /// A one-layer graph `x0, x1, ... -> layer` over `inputs`.
    static func oneLayerGraph(_ op: Op, inputs: [Shape]) throws -> Graph {
        let names = inputs.indices.map { "x\($0)" }
        return try Graph(
            inputs: zip(names, inputs).map { GraphInput(name: $0, shape: $1) },
            layers: [Layer("layer", op, inputs: names)],
            outputs: [GraphOutput(name: "layer")])
    }

    /// The NumPy broadcast of fixed or symbolic shapes, computed independently of ZooCore's
    /// `Broadcasting` (nil when they do not broadcast).
    static func broadcast(_ shapes: [Shape]) -> Shape? {
        let rank = shapes.map(\.rank).max() ?? 0
        var dims: [Dim] = []
        for axis in 0..<rank {
            var sizes: [Dim] = []
            for shape in shapes where axis - (rank - shape.rank) >= 0 {
                sizes.append(shape[axis - (rank - shape.rank)])
            }
            let other = Set(sizes.filter { $0 != .fixed(1) })
            if other.count > 1 { return nil }
            dims.append(other.first ?? .fixed(1))
        }
        return Shape(dims)
    }
}
