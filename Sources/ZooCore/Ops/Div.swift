/// Element-wise quotient: `a / b`, with NumPy broadcasting; one operand may be a stored constant.
///
/// - FLOPs: 1 per output element.
public struct Div: ElementwiseBinary {
    public var op: Op { .div(self) }

    public var constant: ConstantOperand?

    public init(constant: ConstantOperand? = nil) { self.constant = constant }

    public static let isVariadic = false

    public static let info = OpInfo(
        name: "div", summary: "a / b with broadcasting",
        flopRule: binaryFlopRule, fieldRule: binaryFieldRule, minInputs: 1, maxInputs: 2)
}
