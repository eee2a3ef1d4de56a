/// Leaky ReLU: `Y = X` for `X >= 0`, `alpha X` otherwise (ONNX default alpha 0.01).
public struct LeakyRelu: ElementwiseUnary {
    public var op: Op { .leakyRelu(self) }

    public var alpha: Float

    public init(alpha: Float = 0.01) { self.alpha = alpha }

    public static let info = OpInfo(
        name: "leakyrelu", summary: "x if x >= 0 else alpha x", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("alpha", .float(alpha))] }
}
