/// Parametric ReLU (ONNX PRelu-7 and later, Keras `PReLU`): `f(x) = slope * x` for `x < 0`,
/// `f(x) = x` for `x >= 0`, with a stored, learned `slope` unidirectionally broadcastable to X
/// (aligned at the last axis, each of its axes 1 or X's size, no more axes than X; the output
/// has X's shape): per channel `[C, 1, 1]` as PyTorch exports `nn.PReLU(C)`, one slope `[1]`,
/// or one per element.
///
/// - FLOPs: 1 per output element.
public struct PRelu: ElementwiseUnary {
    public var op: Op { .prelu(self) }

    public var slope: Tensor

    public init(slope: Tensor) { self.slope = slope }

    public static let info = OpInfo(
        name: "prelu", summary: "x if x >= 0 else slope x, the slope a stored tensor broadcast to x", flopRule: elementwiseFlopRule,
        fieldRule: passThroughFieldRule)

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0], shape = slope.shape
        let fits = shape.count <= input.rank && shape.enumerated().allSatisfy { axis, size in
            size == 1 || input[input.rank - shape.count + axis] == .fixed(size)
        }
        guard fits else {
            throw ZooError(
                .shapeMismatch,
                "prelu slope must broadcast to the input unidirectionally: aligned at the last axis, each slope axis 1 or the input's size, no more axes than the input. Received: input \(input), slope \(shape).")
        }
        return input
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        try body("slope", .operand(stored: true), &slope)
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("slope", .ints(slope.shape))] }
}
