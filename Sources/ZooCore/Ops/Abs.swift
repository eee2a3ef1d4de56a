/// Absolute value (ONNX Abs-13): `Y = |X|` element-wise.
///
/// - FLOPs: 1 per output element.
public struct Abs: ElementwiseUnary {
    public var op: Op { .abs(self) }

    public init() {}

    public static let info = OpInfo(
        name: "abs", summary: "|x|", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
