/// Exponential (ONNX Exp-13, Keras `exponential`): `Y = exp(X)` element-wise.
///
/// - FLOPs: 1 per output element.
public struct Exp: ElementwiseUnary {
    public var op: Op { .exp(self) }

    public init() {}

    public static let info = OpInfo(
        name: "exp", summary: "exp(x)", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
