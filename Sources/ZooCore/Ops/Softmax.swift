/// Softmax along one axis (ONNX Softmax-13 semantics):
/// `Y[..., i, ...] = exp(X[..., i, ...]) / sum_j exp(X[..., j, ...])` over `axis`.
///
/// - FLOPs: 3 per element (exponential, sum, division).
public struct Softmax: ElementwiseUnary {
    public var op: Op { .softmax(self) }

    public var axis: Int

    public init(axis: Int = -1) { self.axis = axis }

    public static let flopsPerElement = 3

    public static let info = OpInfo(
        name: "softmax", summary: "exp(x) / sum exp(x) along one axis", flopRule: elementwiseFlopRule,
        fieldRule: "global when the axis is spatial, otherwise passes the field through")

    public func outputShape(inputs: [Shape]) throws -> Shape {
        _ = try inputs[0].normalizedAxis(axis, for: Self.info.name)
        return inputs[0]
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        .reduce(axes: [try inputs[0].normalizedAxis(axis, for: Self.info.name)])
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("axis", .int(axis))] }
}
