/// A fully connected layer over the last axis: `Y[..., o] = B[o] + sum_i X[..., i] W[o, i]`
/// (ONNX Gemm with a constant weight, Keras `Dense`, PyTorch `Linear`).
///
/// - Weight `W`: `[out, in]` (PyTorch `Linear`, ONNX Gemm `transB = 1`) or `[in, out]` (Keras
///   `Dense`, ONNX Gemm `transB = 0` and MatMul), as ``weightOrder`` says. Both orders are the
///   same layer; readers keep the order their format stores, so no weight is transposed on load.
/// - Bias `B`: `[out]`, optional.
/// - Parameters: `(in + 1) out` with a bias.
/// - MACs: `in x out` per position of the leading axes; FLOPs: 2 x MACs + 1 per output with a bias.
public struct Dense: OperatorSemantics {
    public var op: Op { .dense(self) }

    /// How the weight matrix's axes are ordered.
    public enum WeightOrder: String, Sendable, Equatable, CaseIterable {
        /// `[out, in]`: one row per output feature.
        case outIn = "out,in"
        /// `[in, out]`: one row per input feature.
        case inOut = "in,out"
    }

    public var weight: Tensor
    public var bias: Tensor?
    public var weightOrder: WeightOrder

    public init(weight: Tensor, bias: Tensor?, weightOrder: WeightOrder = .outIn) {
        self.weight = weight
        self.bias = bias
        self.weightOrder = weightOrder
    }

    public static let info = OpInfo(
        name: "dense",
        summary: "fully connected layer over the last axis, weight [out, in] or [in, out]",
        flopRule: "2 x MACs + 1 per output with a bias; MACs = in x out per position",
        fieldRule: "global when the last axis is spatial, otherwise passes the field through")

    /// Output features.
    public var units: Int { axis(weightOrder == .outIn ? 0 : 1) }

    /// Input features: the size of the input's last axis.
    public var features: Int { axis(weightOrder == .outIn ? 1 : 0) }

    private func axis(_ index: Int) -> Int { index < weight.shape.count ? weight.shape[index] : 0 }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        guard weight.shape.count == 2 else {
            throw ZooError(.invalidGraph, "dense weight must be a matrix [\(weightOrder.rawValue)]. Received: weight \(weight.shape).")
        }
        guard input.rank >= 1 else {
            throw ZooError(.shapeMismatch, "dense needs an input of rank 1 or more. Received: input \(input).")
        }
        let inputFeatures = try input.size(ofAxis: input.rank - 1, for: Self.info.name)
        guard inputFeatures == features else {
            throw ZooError(
                .shapeMismatch,
                "dense input features (last axis) must equal the weight's 'in' axis (\(features)). Received: input \(input), weight \(weight.shape) [\(weightOrder.rawValue)].")
        }
        if let bias, bias.shape != [units] {
            throw ZooError(.shapeMismatch, "dense bias must have one value per output feature. Received: bias \(bias.shape), \(units) output features.")
        }
        return Shape(Array(input.dims.dropLast()) + [.fixed(units)])
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        try body("weight", .kernel(fanIn: features), &weight)
        try visitOptional("bias", .bias, &bias, body)
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        let outputs = try output.elementCountPerSample()
        let macs = try Checked.multiply(outputs, features, "dense MACs")
        let flops = try Checked.add(try Checked.multiply(macs, 2, "dense FLOPs"), bias == nil ? 0 : outputs, "dense FLOPs")
        return Cost(macs: macs, flops: flops)
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        .reduce(axes: [inputs[0].rank - 1])
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("units", .int(units)), ("bias", .bool(bias != nil)), ("weight_order", .string(weightOrder.rawValue))]
    }
}
