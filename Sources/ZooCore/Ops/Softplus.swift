/// Softplus (ONNX Softplus-22, Keras `softplus`): `y = ln(exp(x) + 1)` element-wise, computed
/// as `max(x, 0) + ln(1 + exp(-|x|))`, the same function without overflow for large `x`.
///
/// - FLOPs: 1 per output element (the convention for activations, DESIGN.md section 3).
public struct Softplus: ElementwiseUnary {
    public var op: Op { .softplus(self) }

    public init() {}

    public static let info = OpInfo(
        name: "softplus", summary: "ln(exp(x) + 1)", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
