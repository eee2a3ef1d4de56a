/// Scaled exponential linear unit (ONNX Selu-22, Keras `selu`):
/// `y = gamma * (alpha * e^x - alpha)` for `x <= 0`, `y = gamma * x` for `x > 0`.
///
/// The defaults are ONNX's, the float32 roundings of Klambauer et al.'s constants:
/// alpha 1.67326319217681884765625 (of 1.6732632423543772848170429916717) and gamma
/// 1.05070102214813232421875 (of 1.0507009873554804934193349852946). Keras's `selu` uses the
/// same two constants, so in float32 it is this op with the defaults.
///
/// - FLOPs: 1 per output element (the convention for activations, DESIGN.md section 3).
public struct Selu: ElementwiseUnary {
    public var op: Op { .selu(self) }

    public var alpha: Float
    public var gamma: Float

    /// ONNX's default alpha, `Float(1.6732632423543772848170429916717)`.
    public static let defaultAlpha: Float = 1.67326319217681884765625
    /// ONNX's default gamma, `Float(1.0507009873554804934193349852946)`.
    public static let defaultGamma: Float = 1.05070102214813232421875

    public init(alpha: Float = Selu.defaultAlpha, gamma: Float = Selu.defaultGamma) {
        self.alpha = alpha
        self.gamma = gamma
    }

    public static let info = OpInfo(
        name: "selu", summary: "gamma (alpha e^x - alpha) if x <= 0 else gamma x", flopRule: elementwiseFlopRule,
        fieldRule: passThroughFieldRule)

    public func outputShape(inputs: [Shape]) throws -> Shape {
        guard alpha.isFinite, gamma.isFinite else {
            throw ZooError(.invalidGraph, "selu alpha and gamma must be finite numbers. Received: alpha \(alpha), gamma \(gamma).")
        }
        return inputs[0]
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("alpha", .float(alpha)), ("gamma", .float(gamma))] }
}
