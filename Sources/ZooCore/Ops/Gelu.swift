/// Gaussian error linear unit (ONNX Gelu-20, Keras `gelu`): `y = 0.5 * x * (1 + erf(x / sqrt(2)))`
/// with `approximate` `none` (ONNX's default, and Keras 2's and Keras 3's `gelu` activation,
/// whose `approximate` defaults to False); with `approximate` `tanh`,
/// `y = 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.
///
/// - FLOPs: 1 per output element (the convention for activations, DESIGN.md section 3: the erf
///   or tanh inside is not counted apart).
public struct Gelu: ElementwiseUnary {
    public var op: Op { .gelu(self) }

    /// ONNX's `approximate` attribute.
    public enum Approximation: String, Sendable, Equatable, CaseIterable {
        /// The exact function, with erf (ONNX's `none`).
        case exact = "none"
        /// The tanh approximation of Hendrycks and Gimpel.
        case tanh
    }

    public var approximate: Approximation

    public init(approximate: Approximation = .exact) { self.approximate = approximate }

    public static let info = OpInfo(
        name: "gelu", summary: "0.5 x (1 + erf(x / sqrt 2)); approximate tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))",
        flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("approximate", .string(approximate.rawValue))] }
}
