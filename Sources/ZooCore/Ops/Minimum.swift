/// Element-wise minimum of two or more operands with NumPy broadcasting (ONNX Min-8 and later):
/// `Y = min(X_1, X_2, ..., X_n)`, NaN when an operand is NaN; one operand may be a stored
/// constant.
///
/// - FLOPs: 1 per output element per operand beyond the first (a comparison).
public struct Minimum: ElementwiseBinary {
    public var op: Op { .minimum(self) }

    public var constant: ConstantOperand?

    public init(constant: ConstantOperand? = nil) { self.constant = constant }

    public static let isVariadic = true

    public static let info = OpInfo(
        name: "min", summary: "min(a, b, ...) with broadcasting, two or more operands",
        flopRule: binaryFlopRule, fieldRule: binaryFieldRule, minInputs: 1, maxInputs: nil)
}
