/// Hyperbolic tangent: `Y = tanh(X)`.
public struct Tanh: ElementwiseUnary {
    public init() {}

    public static let info = OpInfo(
        name: "tanh", summary: "tanh(x)", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
