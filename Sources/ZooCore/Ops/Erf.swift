/// Gauss error function (ONNX Erf-13): `Y = erf(X) = 2 / sqrt(pi) * integral_0^X exp(-t^2) dt`
/// element-wise.
///
/// - FLOPs: 1 per output element (the convention for element-wise functions, DESIGN.md section
///   3: the series inside is not counted).
public struct Erf: ElementwiseUnary {
    public var op: Op { .erf(self) }

    public init() {}

    public static let info = OpInfo(
        name: "erf", summary: "erf(x), the Gauss error function", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)
}
