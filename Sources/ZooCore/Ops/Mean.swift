/// Element-wise mean of two or more operands with NumPy broadcasting (ONNX Mean-8 and later):
/// `Y = (X_1 + X_2 + ... + X_n) / n`; one operand may be a stored constant.
///
/// - FLOPs: 1 per output element per operand (n - 1 additions and one division).
public struct Mean: ElementwiseBinary {
    public var op: Op { .mean(self) }

    public var constant: ConstantOperand?

    public init(constant: ConstantOperand? = nil) { self.constant = constant }

    public static let isVariadic = true

    public static let info = OpInfo(
        name: "mean", summary: "(a + b + ...) / n with broadcasting, two or more operands",
        flopRule: "1 per output element per operand", fieldRule: binaryFieldRule, minInputs: 1, maxInputs: nil)

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try .perElement(operandShapes(inputs).count, of: output)
    }
}
