/// Local response normalization across channels (ONNX LRN; AlexNet):
///
///     Y[n, c, ...] = X[n, c, ...] / (bias + alpha / size * sum_{c' in window(c)} X[n, c', ...]^2)^beta
///
/// with the window `c - floor((size - 1) / 2) ... c + ceil((size - 1) / 2)`. Krizhevsky et al.
/// write alpha without the division by size: their alpha 1e-4, n 5, k 2, beta 0.75 is
/// `LRN(size: 5, alpha: 5e-4, beta: 0.75, bias: 2)` here.
/// - FLOPs: size + 3 per element.
public struct LRN: OperatorSemantics {
    public var op: Op { .lrn(self) }

    public var size: Int
    public var alpha: Float
    public var beta: Float
    public var bias: Float

    public init(size: Int, alpha: Float = 1e-4, beta: Float = 0.75, bias: Float = 1) {
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.bias = bias
    }

    public static let info = OpInfo(
        name: "lrn", summary: "local response normalization across channels", flopRule: "size + 3 per element",
        fieldRule: passThroughFieldRule)

    public func outputShape(inputs: [Shape]) throws -> Shape {
        guard inputs[0].rank >= 3 else {
            throw ZooError(.shapeMismatch, "lrn needs an input [N, C, spatial...] of rank 3 or more. Received: input \(inputs[0]).")
        }
        guard size >= 1 else {
            throw ZooError(.invalidGraph, "lrn size must be at least 1. Received: size \(size).")
        }
        return inputs[0]
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try .perElement(try Checked.add(size, 3, "lrn FLOPs per element"), of: output)
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .elementwise }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("size", .int(size)), ("alpha", .float(alpha)), ("beta", .float(beta)), ("bias", .float(bias))]
    }
}
