/// Instance normalization (ONNX InstanceNormalization-6): each channel of each sample is
/// normalized over its spatial axes,
///
///     Y[n, c, ...] = (X[n, c, ...] - mean[n, c]) / sqrt(variance[n, c] + epsilon) * scale[c] + B[c]
///
/// with `mean` and the biased `variance` over the spatial elements of `X[n, c]`; the input is
/// `[N, C, spatial...]` with at least one spatial axis.
///
/// - Parameters: scale and B trainable (one per channel each).
/// - FLOPs: 8 per element (see ``Normalization``).
/// - Receptive field: global when a spatial axis has a size above 1 (a reduce step over them).
public struct InstanceNorm: OperatorSemantics {
    public var op: Op { .instanceNorm(self) }

    public var scale: Tensor
    public var bias: Tensor
    public var epsilon: Float

    public init(scale: Tensor, bias: Tensor, epsilon: Float = 1e-5) {
        self.scale = scale
        self.bias = bias
        self.epsilon = epsilon
    }

    public static let info = OpInfo(
        name: "instancenorm", summary: "normalization of each channel of each sample over its spatial axes",
        flopRule: MomentNormalization.flopRule, fieldRule: "global when a spatial axis is larger than 1")

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        guard input.rank >= 3 else {
            throw ZooError(.shapeMismatch, "instancenorm needs an input [N, C, spatial...] of rank 3 or more. Received: input \(input).")
        }
        let channels = try input.size(ofAxis: 1, for: Self.info.name)
        for (name, tensor) in [("scale", scale), ("B", bias)] {
            try MomentNormalization.checkAffine(name, tensor, expected: [channels], what: "one value per channel, axis 1", op: Self.info.name, input: input)
        }
        try MomentNormalization.checkEpsilon(epsilon, op: Self.info.name)
        return input
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        try body("scale", .scale, &scale)
        try body("B", .shift, &bias)
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { try MomentNormalization.cost(output, scale: true, shift: true) }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .reduce(axes: Array(2..<inputs[0].rank)) }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("epsilon", .float(epsilon))] }
}
