/// Hyperbolic tangent: `Y = tanh(X)`.
public struct Tanh: ElementwiseUnary {
    public var op: Op { .tanh(self) }

    public init() {}

    public static let info = OpInfo(
        name: "tanh", summary: "tanh(x)", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
