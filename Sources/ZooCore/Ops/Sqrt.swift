/// Square root (ONNX Sqrt-13): `Y = sqrt(X)` element-wise; a negative input gives NaN.
///
/// - FLOPs: 1 per output element.
public struct Sqrt: ElementwiseUnary {
    public var op: Op { .sqrt(self) }

    public init() {}

    public static let info = OpInfo(
        name: "sqrt", summary: "sqrt(x) (NaN below 0)", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
