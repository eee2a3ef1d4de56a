/// Convolution (cross-correlation, as the lecture and every framework compute it) over 1 or 2
/// spatial axes, with stride, dilation, padding and groups (depthwise when groups equals the
/// input channels).
///
///     Y[n, o, y, x] = B[o] + sum over c in group(o), i < k_h, j < k_w of
///                     W[o, c, i, j] * Xpad[n, g(o) C/G + c, y s_h + i d_h, x s_w + j d_w]
///
/// - Kernel `W`: `[O, C/groups, k...]` (OIHW); bias `B`: `[O]`, optional.
/// - Parameters: `O (C/groups) k_h k_w (+ O)` — the lecture's `(k_h k_w c_in + 1) c_out`.
/// - MACs: `N O outH outW (C/groups) k_h k_w`; FLOPs: 2 x MACs + `N O outH outW` with a bias.
/// - Output size: see ``SpatialWindow``.
public struct Conv: OperatorSemantics {
    public var op: Op { .conv(self) }

    public var kernel: Tensor
    public var bias: Tensor?
    public var stride: [Int]
    public var dilation: [Int]
    public var padding: Padding
    public var groups: Int

    public init(kernel: Tensor, bias: Tensor?, stride: [Int]? = nil, dilation: [Int]? = nil, padding: Padding = .valid, groups: Int = 1) {
        let spatial = max(kernel.shape.count - 2, 0)
        self.kernel = kernel
        self.bias = bias
        self.stride = stride ?? Array(repeating: 1, count: spatial)
        self.dilation = dilation ?? Array(repeating: 1, count: spatial)
        self.padding = padding
        self.groups = groups
    }

    public static let info = OpInfo(
        name: "conv",
        summary: "convolution over 1 or 2 spatial axes (stride, dilation, padding, groups)",
        flopRule: "2 x MACs + 1 per output with a bias; MACs = N x O x outH x outW x (C/groups) x kh x kw",
        fieldRule: SpatialWindow.fieldRule)

    /// Output channels.
    public var filters: Int { kernel.shape.first ?? 0 }

    /// The kernel's spatial extents.
    public var kernelSize: [Int] { Array(kernel.shape.dropFirst(2)) }

    public var window: SpatialWindow {
        SpatialWindow(kernel: kernelSize, stride: stride, dilation: dilation, padding: padding)
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let name = Self.info.name
        guard kernel.shape.count == 3 || kernel.shape.count == 4 else {
            throw ZooError(.unsupported, "conv supports 1-D and 2-D kernels [O, C/groups, k...]. Received: kernel \(kernel.shape).")
        }
        guard groups >= 1, filters >= 1, filters % groups == 0 else {
            throw ZooError(
                .invalidGraph,
                "conv output channels must be a positive multiple of groups. Received: \(filters) output channels, groups \(groups).")
        }
        let resolved = try window.resolve(input: inputs[0], op: name)
        let channels = try inputs[0].size(ofAxis: 1, for: name)
        let (expected, overflow) = kernel.shape[1].multipliedReportingOverflow(by: groups)
        guard !overflow, channels == expected else {
            throw ZooError(
                .shapeMismatch,
                "conv input channels must equal kernel channels x groups (\(kernel.shape[1]) x \(groups)). Received: input \(inputs[0]), kernel \(kernel.shape).")
        }
        try Self.checkBias(bias, filters: filters, op: name)
        return Shape([inputs[0][0], .fixed(filters)] + resolved.output.map(Dim.fixed))
    }

    /// The bias rule of conv and convtranspose: one value per output channel.
    static func checkBias(_ bias: Tensor?, filters: Int, op: String) throws {
        if let bias, bias.shape != [filters] {
            throw ZooError(.shapeMismatch, "\(op) bias must have one value per output channel. Received: bias \(bias.shape), \(filters) output channels.")
        }
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        // Each output sums C/groups x k_h x k_w taps: the kernel over its filters (0 when empty).
        let filters = kernel.shape.first ?? 0
        try body("kernel", .kernel(fanIn: filters > 0 ? kernel.count / filters : 0), &kernel)
        try visitOptional("bias", .bias, &bias, body)
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        let outputs = try output.elementCountPerSample()
        let perOutput = try Checked.product(kernel.shape.dropFirst(), "conv MACs per output")
        let macs = try Checked.multiply(outputs, perOutput, "conv MACs")
        let flops = try Checked.add(try Checked.multiply(macs, 2, "conv FLOPs"), bias == nil ? 0 : outputs, "conv FLOPs")
        return Cost(macs: macs, flops: flops)
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        window.fieldStep(try window.resolve(input: inputs[0], op: Self.info.name))
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        let resolved = try? window.resolve(input: inputs[0], op: Self.info.name)
        return window.attributes(resolved) + [("groups", .int(groups))]
    }
}
