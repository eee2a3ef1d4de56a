/// Batch normalization at inference over axis 1 (channels):
///
///     Y[n, c, ...] = gamma[c] (X[n, c, ...] - mean[c]) / sqrt(variance[c] + epsilon) + beta[c]
///
/// `gamma` and `beta` are optional (Keras `scale=False` / `center=False`: 1 and 0).
/// - Parameters: gamma and beta trainable, mean and variance non-trainable (2 per channel each).
/// - FLOPs: 2 per element (one multiply, one add once folded).
public struct BatchNorm: OperatorSemantics {
    public var op: Op { .batchNorm(self) }

    public var gamma: Tensor?
    public var beta: Tensor?
    public var mean: Tensor
    public var variance: Tensor
    public var epsilon: Float

    public init(gamma: Tensor?, beta: Tensor?, mean: Tensor, variance: Tensor, epsilon: Float = 1e-5) {
        self.gamma = gamma
        self.beta = beta
        self.mean = mean
        self.variance = variance
        self.epsilon = epsilon
    }

    public static let info = OpInfo(
        name: "batchnorm",
        summary: "batch normalization at inference over the channel axis",
        flopRule: "2 per element",
        fieldRule: passThroughFieldRule)

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        guard input.rank >= 2 else {
            throw ZooError(.shapeMismatch, "batchnorm needs an input [N, C, ...] of rank 2 or more. Received: input \(input).")
        }
        let channels = try input.size(ofAxis: 1, for: Self.info.name)
        for (name, tensor) in [("gamma", gamma), ("beta", beta), ("mean", mean), ("variance", variance)] {
            if let tensor, tensor.shape != [channels] {
                throw ZooError(
                    .shapeMismatch,
                    "batchnorm \(name) must have one value per channel (axis 1). Received: input \(input), \(name) \(tensor.shape).")
            }
        }
        guard epsilon.isFinite, epsilon >= 0 else {
            throw ZooError(.invalidGraph, "batchnorm epsilon must be finite and non-negative. Received: epsilon \(epsilon).")
        }
        return input
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        try visitOptional("gamma", .scale, &gamma, body)
        try visitOptional("beta", .shift, &beta, body)
        try body("mean", .runningMean, &mean)
        try body("variance", .runningVariance, &variance)
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { try .perElement(2, of: output) }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .elementwise }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("epsilon", .float(epsilon)), ("scale", .bool(gamma != nil)), ("center", .bool(beta != nil))]
    }
}
