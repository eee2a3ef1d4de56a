/// A constant operand stored in an element-wise binary op (an ONNX initializer operand, a Keras
/// `Rescaling` scale).
public struct ConstantOperand: Sendable, Equatable {
    public var tensor: Tensor
    /// Whether the constant is the first operand (`c - x`) rather than the second (`x - c`).
    public var isFirst: Bool
    /// Whether the model file stores the constant as a weight (an ONNX initializer or Constant
    /// node: a parameter), rather than as an attribute of a layer (Keras `Rescaling`'s scale and
    /// offset: not one).
    public var isStored: Bool

    public init(_ tensor: Tensor, isFirst: Bool = false, isStored: Bool = true) {
        self.tensor = tensor
        self.isFirst = isFirst
        self.isStored = isStored
    }

    /// The constant's shape as a ``Shape``.
    public var shape: Shape { Shape(tensor.shape) }
}

/// An element-wise op over two or more operands with NumPy broadcasting (Add, Sub, Mul, Div).
/// One operand may be a stored constant; the others are runtime inputs.
///
/// Output shape: the broadcast of every operand's shape. FLOPs: (operands - 1) per output
/// element. Receptive field: the inputs' fields merged.
public protocol ElementwiseBinary: OperatorSemantics {
    var constant: ConstantOperand? { get set }
    /// Whether more than two runtime operands may be combined (Add and Mul, like ONNX Sum).
    static var isVariadic: Bool { get }
}

extension ElementwiseBinary {
    public var arity: (min: Int, max: Int?) {
        constant != nil ? (1, 1) : (2, Self.isVariadic ? nil : 2)
    }

    /// Every operand shape, the constant's at its position.
    func operandShapes(_ inputs: [Shape]) -> [Shape] {
        guard let constant else { return inputs }
        return constant.isFirst ? [constant.shape] + inputs : inputs + [constant.shape]
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        try Broadcasting.shape(operandShapes(inputs), op: Self.info.name)
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        guard var operand = constant else { return }
        try body("constant", .operand(stored: operand.isStored), &operand.tensor)
        constant = operand
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try .perElement(operandShapes(inputs).count - 1, of: output)
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .elementwise }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        guard let constant else { return [] }
        return [("constant", .ints(constant.tensor.shape)), ("constant_first", .bool(constant.isFirst))]
    }

    /// The rule texts shared by the binary ops.
    static var binaryFlopRule: String { "1 per output element per operand beyond the first" }
    static var binaryFieldRule: String { "merges the inputs' fields (largest kept, smallest recorded, alignment checked)" }
}
