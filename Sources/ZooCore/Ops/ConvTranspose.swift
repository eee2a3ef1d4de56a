/// Transposed convolution (ONNX ConvTranspose, Keras Conv2DTranspose/Conv1DTranspose) over 1 or
/// 2 spatial axes: every input element scatters a copy of its kernel window, scaled by its value,
/// into the output, `stride` apart; the sum of the copies (the "full" output) is then cropped by
/// the padding and extended by `output_padding` at the end.
///
///     Y[n, g M_g + m, o_h, o_w] = B[g M_g + m] + sum over c < C_g, y, x, i < k_h, j < k_w with
///                                 o_h = y s_h + i d_h - p_top  and  o_w = x s_w + j d_w - p_left of
///                                 W[g C_g + c, m, i, j] * X[n, g C_g + c, y, x]
///
/// with `C_g = C / groups` input and `M_g = M / groups` output channels per group `g`.
///
/// - Kernel `W`: `[C, M/groups, k...]` (ONNX's order: input channels first); bias `B`: `[M]`,
///   optional. Output channels `M = W.shape[1] x groups`.
/// - Output size per axis (ONNX): `out = s (in - 1) + output_padding + k' - p_begin - p_end`,
///   `k' = d (k - 1) + 1`. The first three terms are the full output; `output_padding` (ONNX
///   requires it below the stride or the dilation) adds elements at the end.
/// - Padding (``Padding/resolveTransposed(full:target:axis:)``): explicit per-edge crops;
///   `valid` crops nothing; `same` crops `total = full - target` with `target = in s` (ONNX's
///   `SAME_UPPER`/`SAME_LOWER`), or `target = outputShape` when ``outputShape`` is set (ONNX's
///   `output_shape`, which then decides the pads), split as ``Padding/same(extra:)`` says. A
///   negative total (a target beyond the full output) extends the output with elements that
///   only the bias reaches.
/// - Parameters: `C (M/groups) k_h k_w (+ M)`.
/// - MACs: `N C H_in W_in (M/groups) k_h k_w` — every input element is multiplied by a whole
///   kernel window, whether or not the product lands in a cropped edge; FLOPs: 2 x MACs +
///   `N M H_out W_out` with a bias.
/// - Receptive field: see ``fieldRule``.
public struct ConvTranspose: OperatorSemantics {
    public var op: Op { .convTranspose(self) }

    public var kernel: Tensor
    public var bias: Tensor?
    public var stride: [Int]
    public var dilation: [Int]
    public var padding: Padding
    /// Elements added at the end of each spatial axis (ONNX `output_padding`), each below the
    /// axis's stride or dilation.
    public var outputPadding: [Int]
    /// The spatial output sizes (ONNX `output_shape`): when set, the total padding is
    /// `full - outputShape`, split as ``padding`` (which must then be `same`) says.
    public var outputShape: [Int]?
    public var groups: Int

    public init(
        kernel: Tensor, bias: Tensor?, stride: [Int]? = nil, dilation: [Int]? = nil, padding: Padding = .valid,
        outputPadding: [Int]? = nil, outputShape: [Int]? = nil, groups: Int = 1
    ) {
        let spatial = max(kernel.shape.count - 2, 0)
        self.kernel = kernel
        self.bias = bias
        self.stride = stride ?? Array(repeating: 1, count: spatial)
        self.dilation = dilation ?? Array(repeating: 1, count: spatial)
        self.padding = padding
        self.outputPadding = outputPadding ?? Array(repeating: 0, count: spatial)
        self.outputShape = outputShape
        self.groups = groups
    }

    /// The receptive-field rule, in words.
    public static let fieldRule = """
        stride 1 on every axis: the window of the equivalent convolution (the kernel flipped, begin padding k' - 1 - p_begin): \
        r <- r + (k' - 1) j, p <- p + (k' - 1 - p_begin) j, j unchanged; with a stride s > 1 neighbouring outputs lie j / s \
        input elements apart and see different numbers of inputs in turn, which no single (r, j, p) per axis states: the \
        field is then marked global (JSON null), not computed
        """

    public static let info = OpInfo(
        name: "convtranspose",
        summary: "transposed convolution over 1 or 2 spatial axes (stride, dilation, padding, output padding, groups)",
        flopRule: "2 x MACs + 1 per output with a bias; MACs = N x C x H_in x W_in x (M/groups) x kh x kw (each input element times a whole kernel window)",
        fieldRule: fieldRule)

    /// The kernel's spatial extents.
    public var kernelSize: [Int] { Array(kernel.shape.dropFirst(2)) }

    /// Input channels (`W.shape[0]`).
    public var inputChannels: Int { kernel.shape.first ?? 0 }

    /// Output channels `M = W.shape[1] x groups` (0 when that overflows; the shape rule reports it).
    public var filters: Int {
        guard kernel.shape.count >= 2 else { return 0 }
        let (value, overflow) = kernel.shape[1].multipliedReportingOverflow(by: groups)
        return overflow ? 0 : value
    }

    /// The geometry resolved against concrete input sizes: the crops may be negative (an
    /// output extended past the full output, by `output_shape` or `same`).
    public struct Resolved: Sendable, Equatable {
        public let input: [Int]
        public let output: [Int]
        /// `s (in - 1) + output_padding + k'`.
        public let full: [Int]
        public let padBegin: [Int]
        public let padEnd: [Int]
        /// The dilated kernel extents `d (k - 1) + 1`.
        public let extent: [Int]
    }

    /// Checks the attributes alone: kernel, stride, dilation and padding as every window op
    /// (``SpatialWindow/validate(op:)``), output padding per axis in `0 ..< max(s, d)`, groups
    /// dividing the kernel's input channels, `output_shape` per axis and positive, and a `same`
    /// padding to split it.
    public func validate() throws {
        let name = Self.info.name
        guard kernel.shape.count == 3 || kernel.shape.count == 4 else {
            throw ZooError(.unsupported, "\(name) supports 1-D and 2-D kernels [C, M/groups, k...]. Received: kernel \(kernel.shape).")
        }
        try SpatialWindow(kernel: kernelSize, stride: stride, dilation: dilation, padding: padding).validate(op: name)
        let spatial = kernelSize.count
        guard outputPadding.count == spatial else {
            throw ZooError(
                .invalidGraph, "\(name) needs one output padding per spatial axis (\(spatial)). Received: output padding \(outputPadding), kernel \(kernel.shape).")
        }
        for axis in 0..<spatial where outputPadding[axis] < 0 || outputPadding[axis] >= max(stride[axis], dilation[axis]) {
            throw ZooError(
                .invalidGraph,
                "\(name) output padding must be at least 0 and below the stride or the dilation of its axis (ONNX: output_padding < stride or < dilation). Received: output padding \(outputPadding), stride \(stride), dilation \(dilation).")
        }
        guard groups >= 1, inputChannels >= 1, inputChannels % groups == 0, kernel.shape[1] >= 1 else {
            throw ZooError(
                .invalidGraph,
                "\(name) kernel input channels must be a multiple of groups, with at least one output channel per group. Received: kernel \(kernel.shape), groups \(groups).")
        }
        _ = try Checked.multiply(kernel.shape[1], groups, "\(name) output channels")
        if let outputShape {
            guard outputShape.count == spatial, outputShape.allSatisfy({ $0 >= 1 }) else {
                throw ZooError(
                    .invalidGraph, "\(name) output shape needs one size of at least 1 per spatial axis (\(spatial)). Received: output shape \(outputShape).")
            }
            guard case .same = padding else {
                throw ZooError(
                    .invalidGraph,
                    "\(name) with an output shape splits the padding it implies as `same` padding says (the odd element at one edge). Received: padding \(padding), output shape \(outputShape).")
            }
        }
    }

    /// Resolves crops and output sizes for the spatial sizes of `input`, or explains why they
    /// do not fit.
    public func resolve(input: Shape) throws -> Resolved {
        let name = Self.info.name
        try validate()
        let spatial = kernelSize.count
        guard input.rank == spatial + 2 else {
            throw ZooError(
                .shapeMismatch,
                "\(name) with a \(spatial)-D kernel needs a rank-\(spatial + 2) input (N, C, spatial...). Received: input \(input), kernel \(kernel.shape).")
        }
        var sizes: [Int] = [], outputs: [Int] = [], fulls: [Int] = [], begins: [Int] = [], ends: [Int] = [], extents: [Int] = []
        for axis in 0..<spatial {
            let size = try input.size(ofAxis: axis + 2, for: name)
            guard size >= 1 else {
                throw ZooError(.shapeMismatch, "\(name) needs at least one input element per spatial axis. Received: input \(input).")
            }
            let extent = try WindowAxis.extent(kernel: kernelSize[axis], dilation: dilation[axis])
            let scattered = try Checked.multiply(stride[axis], size - 1, "\(name) output size")
            let full = try Checked.add(try Checked.add(scattered, outputPadding[axis], "\(name) output size"), extent, "\(name) output size")
            let target = try outputShape.map { $0[axis] } ?? Checked.multiply(size, stride[axis], "\(name) output size")
            let (begin, end) = try padding.resolveTransposed(full: full, target: target, axis: axis)
            let output = try Checked.subtract(try Checked.subtract(full, begin, "\(name) output size"), end, "\(name) output size")
            guard output >= 1 else {
                throw ZooError(
                    .shapeMismatch,
                    "\(name) output must keep at least one element: s (in - 1) + output_padding + k' - p_begin - p_end = \(stride[axis]) x (\(size) - 1) + \(outputPadding[axis]) + \(extent) - \(begin) - \(end) >= 1 on spatial axis \(axis). Received: input \(input), kernel \(kernel.shape), stride \(stride), pads \(begin),\(end).")
            }
            // Past the full output only the bias reaches; ONNX lets output_padding add fewer than
            // max(s, d) such elements, and output_shape (or same) no more.
            guard output - full < max(stride[axis], dilation[axis]) else {
                throw ZooError(
                    .shapeMismatch,
                    "\(name) output shape may exceed the full output s (in - 1) + output_padding + k' = \(full) by less than max(stride, dilation) = \(max(stride[axis], dilation[axis])) on spatial axis \(axis), as output_padding could. Received: output shape \(outputShape ?? []), input \(input), kernel \(kernel.shape), stride \(stride).")
            }
            sizes.append(size)
            outputs.append(output)
            fulls.append(full)
            begins.append(begin)
            ends.append(end)
            extents.append(extent)
        }
        return Resolved(input: sizes, output: outputs, full: fulls, padBegin: begins, padEnd: ends, extent: extents)
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let name = Self.info.name
        let resolved = try resolve(input: inputs[0])
        let channels = try inputs[0].size(ofAxis: 1, for: name)
        guard channels == inputChannels else {
            throw ZooError(
                .shapeMismatch,
                "\(name) input channels must equal the kernel's first axis (C of [C, M/groups, k...]). Received: input \(inputs[0]), kernel \(kernel.shape).")
        }
        try Conv.checkBias(bias, filters: filters, op: name)
        return Shape([inputs[0][0], .fixed(filters)] + resolved.output.map(Dim.fixed))
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        // An output sums at most C/groups x ceil(k_h / s_h) x ceil(k_w / s_w) products.
        var fanIn = groups > 0 ? inputChannels / groups : 0
        for (axis, size) in kernelSize.enumerated() {
            let step = axis < stride.count ? max(stride[axis], 1) : 1
            fanIn = fanIn.multipliedReportingOverflow(by: (max(size, 0) + step - 1) / step).partialValue
        }
        try body("kernel", .kernel(fanIn: max(fanIn, 0)), &kernel)
        try visitOptional("bias", .bias, &bias, body)
    }

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        let name = Self.info.name
        let scattered = try inputs[0].elementCountPerSample()
        let perInput = try Checked.product(kernel.shape.dropFirst(), "\(name) MACs per input element")
        let macs = try Checked.multiply(scattered, perInput, "\(name) MACs")
        let outputs = try output.elementCountPerSample()
        let flops = try Checked.add(try Checked.multiply(macs, 2, "\(name) FLOPs"), bias == nil ? 0 : outputs, "\(name) FLOPs")
        return Cost(macs: macs, flops: flops)
    }

    /// With stride 1 on every axis, output `o` sums the inputs `o + p_begin - i d` for the taps
    /// `i < k`: the window of a convolution with begin padding `k' - 1 - p_begin` (negative when
    /// the crop exceeds `k' - 1`). Any stride above 1: ``FieldStep/global`` (see ``fieldRule``).
    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        let resolved = try resolve(input: inputs[0])
        guard stride.allSatisfy({ $0 == 1 }) else { return .global }
        return .window((0..<kernelSize.count).map { axis in
            WindowAxis(
                axis: axis + 2, kernel: kernelSize[axis], stride: 1, dilation: dilation[axis],
                padBegin: resolved.extent[axis] - 1 - resolved.padBegin[axis])
        })
    }

    /// `kernel`, `stride`, `pads` (resolved, ONNX order), `output_padding`, `dilation` and `groups`.
    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        var list: [(String, AttributeValue)] = [("kernel", .ints(kernelSize)), ("stride", .ints(stride))]
        list.append(padding.attribute(resolved: (try? resolve(input: inputs[0])).map { ($0.padBegin, $0.padEnd) }))
        if outputPadding.contains(where: { $0 != 0 }) { list.append(("output_padding", .ints(outputPadding))) }
        if dilation.contains(where: { $0 != 1 }) { list.append(("dilation", .ints(dilation))) }
        return list + [("groups", .int(groups))]
    }
}
