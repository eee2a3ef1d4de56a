/// Hard sigmoid: `Y = max(0, min(1, alpha X + beta))` (ONNX defaults alpha 0.2, beta 0.5 —
/// Keras 2's `hard_sigmoid`; Keras 3's is alpha 1/6, beta 1/2).
public struct HardSigmoid: ElementwiseUnary {
    public var op: Op { .hardSigmoid(self) }

    public var alpha: Float
    public var beta: Float

    public init(alpha: Float = 0.2, beta: Float = 0.5) {
        self.alpha = alpha
        self.beta = beta
    }

    public static let info = OpInfo(
        name: "hardsigmoid", summary: "max(0, min(1, alpha x + beta))", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("alpha", .float(alpha)), ("beta", .float(beta))] }
}
