/// Natural logarithm (ONNX Log-13): `Y = ln(X)` element-wise; `ln(0) = -inf`, a negative input
/// gives NaN.
///
/// - FLOPs: 1 per output element.
public struct Log: ElementwiseUnary {
    public var op: Op { .log(self) }

    public init() {}

    public static let info = OpInfo(
        name: "log", summary: "ln(x) (-inf at 0, NaN below)", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
