/// Group normalization (ONNX GroupNormalization-21, Keras GroupNormalization): the channels of
/// `[N, C, spatial...]` are split into `groups` consecutive groups of `C / groups`, and each group
/// of each sample is normalized over its channels and spatial elements together,
///
///     Y[n, c, ...] = (X[n, c, ...] - mean[n, g]) / sqrt(variance[n, g] + epsilon) * scale[c] + bias[c]
///
/// with `g = c / (C / groups)` and the biased variance. `scale` and `bias` hold one value per
/// channel (`[C]`, GroupNormalization-21 and Keras) or one per group (`[groups]`,
/// GroupNormalization-18: `scale[g]` for every channel of group `g`; the two agree when
/// `groups == C`), and are optional (Keras `scale=False` / `center=False`).
///
/// - Parameters: scale and bias trainable (as stored: per channel or per group).
/// - FLOPs: 6 per element, +1 for the scale, +1 for the bias (see ``Normalization``).
/// - Receptive field: global over the channels and the spatial axes (a reduce step over them).
public struct GroupNorm: OperatorSemantics {
    public var op: Op { .groupNorm(self) }

    public var groups: Int
    public var epsilon: Float
    public var scale: Tensor?
    public var bias: Tensor?

    public init(groups: Int, epsilon: Float = 1e-5, scale: Tensor?, bias: Tensor?) {
        self.groups = groups
        self.epsilon = epsilon
        self.scale = scale
        self.bias = bias
    }

    public static let info = OpInfo(
        name: "groupnorm", summary: "normalization over groups of channels and the spatial axes, then scale and bias per channel",
        flopRule: MomentNormalization.flopRule, fieldRule: "global when a spatial axis is larger than 1")

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        guard input.rank >= 2 else {
            throw ZooError(.shapeMismatch, "groupnorm needs an input [N, C, ...] of rank 2 or more. Received: input \(input).")
        }
        let channels = try input.size(ofAxis: 1, for: Self.info.name)
        guard groups > 0, channels % groups == 0 else {
            throw ZooError(
                .invalidGraph,
                "groupnorm num_groups must be positive and divide the channels (axis 1). Received: num_groups \(groups), input \(input).")
        }
        for (name, tensor) in [("scale", scale), ("bias", bias)] where tensor?.shape != [groups] {
            try MomentNormalization.checkAffine(
                name, tensor, expected: [channels], what: "one value per channel, axis 1, or one per group, [\(groups)]", op: Self.info.name,
                input: input)
        }
        try MomentNormalization.checkEpsilon(epsilon, op: Self.info.name)
        return input
    }

    /// Whether `tensor` (the scale or the bias) holds one value per group rather than per channel.
    public func isPerGroup(_ tensor: Tensor, channels: Int) -> Bool { tensor.shape == [groups] && groups != channels }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        try visitOptional("scale", .scale, &scale, body)
        try visitOptional("bias", .shift, &bias, body)
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try MomentNormalization.cost(output, scale: scale != nil, shift: bias != nil)
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .reduce(axes: Array(1..<inputs[0].rank)) }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("groups", .int(groups)), ("epsilon", .float(epsilon)), ("scale", .bool(scale != nil)), ("center", .bool(bias != nil))]
    }
}
