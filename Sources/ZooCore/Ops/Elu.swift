/// Exponential linear unit (ONNX Elu-22, Keras `elu` and `ELU`): `f(x) = alpha * (exp(x) - 1)`
/// for `x < 0`, `f(x) = x` for `x >= 0` (ONNX default alpha 1.0; Keras's `elu` activation is
/// alpha 1, its `ELU` layer stores alpha).
///
/// - FLOPs: 1 per output element (the convention for activations, DESIGN.md section 3: the
///   exponential is not counted apart).
public struct Elu: ElementwiseUnary {
    public var op: Op { .elu(self) }

    public var alpha: Float

    public init(alpha: Float = 1) { self.alpha = alpha }

    public static let info = OpInfo(
        name: "elu", summary: "alpha (exp(x) - 1) if x < 0 else x", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)

    public func outputShape(inputs: [Shape]) throws -> Shape {
        guard alpha.isFinite else {
            throw ZooError(.invalidGraph, "elu alpha must be a finite number. Received: alpha \(alpha).")
        }
        return inputs[0]
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("alpha", .float(alpha))] }
}
