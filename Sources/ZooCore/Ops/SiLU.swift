/// Sigmoid-weighted linear unit (swish): `Y = X sigmoid(X)`; written to ONNX as `x * Sigmoid(x)`.
public struct SiLU: ElementwiseUnary {
    public var op: Op { .silu(self) }

    public init() {}

    public static let info = OpInfo(
        name: "silu", summary: "x * sigmoid(x) (swish)", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
