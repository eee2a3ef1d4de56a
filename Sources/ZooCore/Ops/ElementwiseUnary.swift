/// An op applied to every element on its own: the output has the input's shape, costs
/// ``flopsPerElement`` FLOPs per element, and passes the receptive field through. The
/// activations conform and state only what differs.
public protocol ElementwiseUnary: OperatorSemantics {
    /// FLOPs charged per output element.
    static var flopsPerElement: Int { get }
}

extension ElementwiseUnary {
    public static var flopsPerElement: Int { 1 }

    /// The FLOP rule text of an element-wise op.
    public static var elementwiseFlopRule: String {
        flopsPerElement == 1 ? "1 per output element" : "\(flopsPerElement) per output element"
    }

    public func outputShape(inputs: [Shape]) throws -> Shape { inputs[0] }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try .perElement(Self.flopsPerElement, of: output)
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .elementwise }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [] }
}

/// The receptive-field rule text shared by element-wise ops.
public let passThroughFieldRule = "passes the field through"
