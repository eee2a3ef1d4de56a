/// Logistic sigmoid: `Y = 1 / (1 + exp(-X))`.
public struct Sigmoid: ElementwiseUnary {
    public var op: Op { .sigmoid(self) }

    public init() {}

    public static let info = OpInfo(
        name: "sigmoid", summary: "1 / (1 + exp(-x))", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
