/// Power by a constant exponent (ONNX Pow-7 and later whose second input is a constant):
/// `f(x) = x ^ exponent` element-wise, with multidirectional (NumPy-style) broadcasting of the
/// exponent. The exponent is one value for every element (`scalar`, as in `x ^ 2` or `x ^ 0.5`:
/// an attribute, not a parameter, like Clip's bounds), or a stored tensor broadcast against the
/// input (a parameter, like a constant operand of Mul). A runtime exponent has no IR op.
///
/// `x ^ e` is the C library's `pow`: a negative base with a non-integral exponent gives NaN,
/// `0 ^ e` with `e < 0` gives infinity, `x ^ 0 = 1` (NaN too).
///
/// - FLOPs: 1 per output element.
public struct Pow: OperatorSemantics {
    public var op: Op { .pow(self) }

    /// The exponent.
    public enum Exponent: Sendable, Equatable {
        /// One exponent for every element.
        case scalar(Float)
        /// A constant tensor broadcast against the input; the output takes the broadcast shape.
        case tensor(Tensor)
    }

    public var exponent: Exponent

    public init(exponent: Exponent) { self.exponent = exponent }

    /// `x ^ exponent` with one exponent for every element.
    public init(exponent: Float) { self.exponent = .scalar(exponent) }

    /// The exponent when it is one value for every element.
    public var scalarExponent: Float? {
        if case .scalar(let value) = exponent { return value }
        return nil
    }

    public static let info = OpInfo(
        name: "pow", summary: "x ^ e, the exponent e a constant (one value, or a tensor broadcast with x)",
        flopRule: "1 per output element", fieldRule: passThroughFieldRule)

    public func outputShape(inputs: [Shape]) throws -> Shape {
        switch exponent {
        case .scalar: return inputs[0]
        case .tensor(let tensor): return try Broadcasting.shape([inputs[0], Shape(tensor.shape)], op: Self.info.name)
        }
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        guard case .tensor(var tensor) = exponent else { return }
        try body("exponent", .operand(stored: true), &tensor)
        exponent = .tensor(tensor)
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { try .perElement(1, of: output) }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .elementwise }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        switch exponent {
        case .scalar(let value): [("exponent", .float(value))]
        case .tensor(let tensor): [("exponent", .ints(tensor.shape))]
        }
    }
}
