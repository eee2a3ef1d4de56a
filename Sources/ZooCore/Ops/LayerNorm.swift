/// Layer normalization (ONNX LayerNormalization-17, Keras LayerNormalization): the input is
/// normalized over the axes from `axis` to the last,
///
///     Y = (X - mean) / sqrt(variance + epsilon) * scale + bias
///
/// with `mean` and the biased `variance` taken over `X.shape[axis...]` for each index of the
/// axes before `axis`; `scale` and `bias` have the normalized shape `X.shape[axis...]` and are
/// optional (Keras `scale=False` / `center=False`: 1 and 0).
///
/// - Parameters: scale and bias trainable.
/// - FLOPs: 6 per element, +1 for the scale, +1 for the bias (see ``Normalization``).
/// - Receptive field: a reduce step over the normalized axes.
public struct LayerNorm: OperatorSemantics {
    public var op: Op { .layerNorm(self) }

    /// The first normalized axis (negative counts from the end).
    public var axis: Int
    public var epsilon: Float
    public var scale: Tensor?
    public var bias: Tensor?

    public init(axis: Int = -1, epsilon: Float = 1e-5, scale: Tensor?, bias: Tensor?) {
        self.axis = axis
        self.epsilon = epsilon
        self.scale = scale
        self.bias = bias
    }

    public static let info = OpInfo(
        name: "layernorm", summary: "normalization over the axes from axis to the last, then scale and bias",
        flopRule: MomentNormalization.flopRule, fieldRule: "global when a normalized axis is spatial, otherwise passes the field through")

    /// The normalized axes of `input`: `axis` through the last.
    public func normalizedAxes(_ input: Shape) throws -> Range<Int> {
        try input.normalizedAxis(axis, for: Self.info.name)..<input.rank
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        let axes = try normalizedAxes(input)
        let normalized = try axes.map { try input.size(ofAxis: $0, for: Self.info.name) }
        for (name, tensor) in [("scale", scale), ("bias", bias)] {
            try MomentNormalization.checkAffine(
                name, tensor, expected: normalized, what: "the normalized axes \(axes.lowerBound)...\(input.rank - 1)",
                op: Self.info.name, input: input)
        }
        try MomentNormalization.checkEpsilon(epsilon, op: Self.info.name)
        return input
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        try visitOptional("scale", .scale, &scale, body)
        try visitOptional("bias", .shift, &bias, body)
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try MomentNormalization.cost(output, scale: scale != nil, shift: bias != nil)
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        .reduce(axes: Array(try normalizedAxes(inputs[0])))
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("axis", .int(axis)), ("epsilon", .float(epsilon)), ("scale", .bool(scale != nil)), ("center", .bool(bias != nil))]
    }
}
