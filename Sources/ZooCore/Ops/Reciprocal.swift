/// Reciprocal (ONNX Reciprocal-13): `Y = 1 / X` element-wise; `1 / ±0 = ±inf`.
///
/// - FLOPs: 1 per output element (one division).
public struct Reciprocal: ElementwiseUnary {
    public var op: Op { .reciprocal(self) }

    public init() {}

    public static let info = OpInfo(
        name: "reciprocal", summary: "1 / x", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
