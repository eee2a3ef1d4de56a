/// Rectified linear unit: `Y = max(X, 0)`.
public struct Relu: ElementwiseUnary {
    public var op: Op { .relu(self) }

    public init() {}

    public static let info = OpInfo(
        name: "relu", summary: "max(x, 0)", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
