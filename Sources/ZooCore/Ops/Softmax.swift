/// Softmax along one axis (ONNX Softmax-13 semantics):
/// `Y[..., i, ...] = exp(X[..., i, ...]) / sum_j exp(X[..., j, ...])` over `axis`.
///
/// - FLOPs: 3 per element (exponential, sum, division).
public struct Softmax: AlongOneAxis {
    public var op: Op { .softmax(self) }

    public var axis: Int

    public init(axis: Int = -1) { self.axis = axis }

    public static let flopsPerElement = 3

    public static let info = OpInfo(
        name: "softmax", summary: "exp(x) / sum exp(x) along one axis", flopRule: elementwiseFlopRule,
        fieldRule: "global when the axis is spatial, otherwise passes the field through")
}
