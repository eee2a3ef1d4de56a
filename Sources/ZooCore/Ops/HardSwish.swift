/// Hard swish (ONNX HardSwish-14, MobileNetV3): `Y = X max(0, min(1, X / 6 + 1 / 2))`.
public struct HardSwish: ElementwiseUnary {
    public var op: Op { .hardSwish(self) }

    public init() {}

    public static let info = OpInfo(
        name: "hardswish", summary: "x * max(0, min(1, x / 6 + 1/2))", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
