/// The logarithm of softmax along one axis (ONNX LogSoftmax-13 semantics):
/// `Y[..., i, ...] = X[..., i, ...] - log sum_j exp(X[..., j, ...])` over `axis`.
///
/// - FLOPs: 3 per element (exponential, sum, subtraction).
public struct LogSoftmax: AlongOneAxis {
    public var op: Op { .logSoftmax(self) }

    public var axis: Int

    public init(axis: Int = -1) { self.axis = axis }

    public static let flopsPerElement = 3

    public static let info = OpInfo(
        name: "logsoftmax", summary: "x - log sum exp(x) along one axis", flopRule: elementwiseFlopRule,
        fieldRule: "global when the axis is spatial, otherwise passes the field through")
}
