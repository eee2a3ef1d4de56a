/// Negation (ONNX Neg-13): `Y = -X` element-wise.
///
/// - FLOPs: 1 per output element.
public struct Neg: ElementwiseUnary {
    public var op: Op { .neg(self) }

    public init() {}

    public static let info = OpInfo(
        name: "neg", summary: "-x", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
