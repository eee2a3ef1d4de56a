/// Element-wise product: `a * b`, with NumPy broadcasting; one operand may be a stored constant.
///
/// - FLOPs: 1 per output element per operand beyond the first.
public struct Mul: ElementwiseBinary {
    public var op: Op { .mul(self) }

    public var constant: ConstantOperand?

    public init(constant: ConstantOperand? = nil) { self.constant = constant }

    public static let isVariadic = true

    public static let info = OpInfo(
        name: "mul", summary: "a * b with broadcasting, two or more operands",
        flopRule: binaryFlopRule, fieldRule: binaryFieldRule, minInputs: 1, maxInputs: nil)
}
