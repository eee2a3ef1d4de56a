/// Feature standardization by fixed statistics (Keras `Normalization`, Keras 3):
///
///     Y = (X - mean) / max(sqrt(variance), epsilon)
///
/// with `mean` and `variance` unidirectionally broadcast to X (aligned at the last axis, each of
/// their axes 1 or X's size, no more axes than X; the output has X's shape), and `epsilon` Keras's
/// `backend.epsilon()` (1e-7) by default. The statistics are stored weights when the layer was
/// adapted (non-trainable: Keras counts them in `count_params()`, with its scalar sample `count`,
/// which the formula does not read), or constants standing for the layer's `mean=`/`variance=`
/// arguments (not parameters).
///
/// - Parameters: mean, variance and count non-trainable when stored; none otherwise.
/// - FLOPs: 2 per output element (a subtraction and a division; the denominator is computed once).
/// - Receptive field: element-wise.
public struct Normalization: OperatorSemantics {
    public var op: Op { .normalization(self) }

    public var mean: Tensor
    public var variance: Tensor
    /// Keras's adapted sample count (a scalar), kept so that parameter counts and the Keras
    /// writer match Keras; nil when the statistics are constants.
    public var count: Tensor?
    /// Whether the model file stores `mean` and `variance` as weights (an adapted layer).
    public var isStored: Bool
    public var epsilon: Float

    /// Keras's `backend.epsilon()`.
    public static let kerasEpsilon: Float = 1e-7

    public init(mean: Tensor, variance: Tensor, count: Tensor? = nil, isStored: Bool, epsilon: Float = kerasEpsilon) {
        self.mean = mean
        self.variance = variance
        self.count = count
        self.isStored = isStored
        self.epsilon = epsilon
    }

    public static let info = OpInfo(
        name: "normalization", summary: "(x - mean) / max(sqrt(variance), epsilon), the statistics broadcast to x",
        flopRule: "2 per output element", fieldRule: passThroughFieldRule)

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        guard mean.shape == variance.shape else {
            throw ZooError(.shapeMismatch, "normalization mean and variance must have one shape. Received: mean \(mean.shape), variance \(variance.shape).")
        }
        let shape = mean.shape
        let fits = shape.count <= input.rank && shape.enumerated().allSatisfy { axis, size in
            size == 1 || input[input.rank - shape.count + axis] == .fixed(size)
        }
        guard fits else {
            throw ZooError(
                .shapeMismatch,
                "normalization mean and variance must broadcast to the input unidirectionally: aligned at the last axis, each axis 1 or the input's size, no more axes than the input. Received: input \(input), mean \(shape).")
        }
        if let count, count.count != 1 {
            throw ZooError(.shapeMismatch, "normalization count must be one value. Received: count \(count.shape).")
        }
        guard epsilon.isFinite, epsilon >= 0 else {
            throw ZooError(.invalidGraph, "normalization epsilon must be finite and non-negative. Received: epsilon \(epsilon).")
        }
        return input
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        try body("mean", isStored ? .runningMean : .operand(stored: false), &mean)
        try body("variance", isStored ? .runningVariance : .operand(stored: false), &variance)
        try visitOptional("count", .sampleCount, &count, body)
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { try .perElement(2, of: output) }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .elementwise }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("mean", .ints(mean.shape)), ("epsilon", .float(epsilon)), ("stored", .bool(isStored))]
    }

    /// The denominator `max(sqrt(variance), epsilon)`, element by element (NaN stays NaN), as
    /// Keras computes it in float32.
    public func denominator() throws -> Tensor {
        guard let values = variance.values else {
            throw ZooError(.missingWeight, "normalization needs its variance's values. Received: a variance \(variance.shape) declared without values.")
        }
        return try Tensor(shape: variance.shape, values: values.map { value in
            let root = value.squareRoot()
            return root < epsilon ? epsilon : root
        })
    }
}
