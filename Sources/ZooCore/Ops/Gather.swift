/// Selection along one axis by constant integer indices (ONNX Gather-1/11/13): for data of
/// rank `r` and indices of shape `q_0 x ... x q_{m-1}`, the output has shape
/// `data[..<axis] + indices.shape + data[(axis + 1)...]` and
/// `Y[i..., j_0, ..., j_{m-1}, k...] = X[i..., indices[j_0, ..., j_{m-1}], k...]`.
/// A scalar index (`m = 0`) drops the axis. Negative indices count from the end (`+ d`); an
/// index outside `[-d, d - 1]` is refused, naming it and the axis size.
///
/// - FLOPs: 0 (data movement).
/// - Receptive field: global when `axis` carries a field (the indices pick arbitrary elements,
///   which no window expresses); otherwise every other axis keeps its field, those after
///   `axis` renumbered by `m - 1`.
public struct Gather: OperatorSemantics {
    public var op: Op { .gather(self) }

    public var axis: Int
    /// The indices in row-major order, as the file gives them (negative counts from the end).
    public var indices: [Int]
    /// The shape of the index tensor (`[]` for a scalar index).
    public var indicesShape: [Int]

    public init(axis: Int = 0, indices: [Int], indicesShape: [Int]? = nil) {
        self.axis = axis
        self.indices = indices
        self.indicesShape = indicesShape ?? [indices.count]
    }

    public static let info = OpInfo(
        name: "gather", summary: "selection along one axis by constant indices (ONNX Gather)", flopRule: "0 (data movement)",
        fieldRule: "global when gathering along an axis with a field; otherwise each other axis keeps its field")

    /// The indices resolved against an axis of `size` elements (each in `0 ..< size`).
    public func resolvedIndices(size: Int) throws -> [Int] {
        try indices.map { index in
            guard index >= -size, index < size else {
                throw ZooError(
                    .invalidGraph,
                    "gather indices must lie in [-d, d - 1] for the axis size d. Received: index \(index) for axis \(axis) of size \(size).")
            }
            return index < 0 ? index + size : index
        }
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        let resolved = try input.normalizedAxis(axis, for: Self.info.name)
        guard indicesShape.allSatisfy({ $0 >= 0 }), try Checked.product(indicesShape, "the gather index count") == indices.count else {
            throw ZooError(
                .invalidGraph,
                "gather needs as many indices as its index shape holds. Received: \(indices.count) indices for index shape \(indicesShape).")
        }
        _ = try resolvedIndices(size: try input.size(ofAxis: resolved, for: Self.info.name))
        return Shape(Array(input.dims[..<resolved]) + indicesShape.map(Dim.fixed) + Array(input.dims[(resolved + 1)...]))
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { .zero }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        .gather(axis: try inputs[0].normalizedAxis(axis, for: Self.info.name), indexRank: indicesShape.count)
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("axis", .int(axis)), ("indices", .ints(indices)), ("indices_shape", .ints(indicesShape))]
    }
}
