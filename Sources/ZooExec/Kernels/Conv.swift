import CZooKernels
import ZooCore

/// Convolution as the lecture finally writes it (a cross-correlation), per group `g`:
///
///     Y[n, o, y, x] = B[o] + sum_{c, i, j} W[o, c, i, j] X[n, g C_g + c, y s_h + i d_h - p_top, x s_w + j d_w - p_left]
///
/// with `X` read as zero outside the input. Three paths:
/// - depthwise (one filter per channel): a direct loop per channel plane;
/// - 3x3, stride 1, one group, when allowed: Winograd's F(4x4, 3x3) (``WinogradConvolution``);
/// - otherwise a matrix product per image and group, `Y_g = W_g X_g` with `W_g` the group's
///   filters `[O_g, C_g k_h k_w]`, packed once at load (``PackedMatrix``), and `X_g` the
///   im2col matrix (rows `(c, i, j)`, columns `(y, x)`), which is never materialized: each
///   tile of the product packs its part straight from the input (a 1x1 stride-1 unpadded
///   convolution reads the input planes as they are).
/// Bias and a fused clamp (ReLU, ReLU6, Clip), sigmoid or SiLU are applied as each tile is
/// stored; another fused activation runs per output channel after the product.
struct ConvKernel: Kernel {
    private enum Path { case gemm([PackedMatrix]), depthwise(DepthwisePlan), winograd(WinogradConvolution) }

    /// How a depthwise plane is computed. `flat` (the same stride 1 on both axes, or 2 with fewer
    /// than 16 outputs a row): every output as position `m = r w_p + c` of the padded width
    /// `w_p`, reading `padded[s m + offset(i, j)]`, 16 at a time over the whole plane, then each
    /// row's valid outputs copied out; small planes stay vectorized. Otherwise row by row, 16
    /// outputs at a time and the rest one by one.
    private struct DepthwisePlan: Sendable {
        let flat: Bool
        let paddedWidth: Int, paddedSize: Int
        /// Where each tap `(i, j)` reads in the zero-bordered plane, from a window's corner.
        let tapOffsets: [Int32]
        /// Floats of the zero-bordered plane and the slack past it that vector loads may reach.
        let planeCount: Int
        /// Floats of the flat outputs (a multiple of 16; 0 row by row).
        let wideCount: Int
        var perThread: Int { planeCount + wideCount }

        init(_ g: WindowGeometry, paddedHeight: Int, paddedWidth: Int) throws {
            self.paddedWidth = paddedWidth
            paddedSize = try Checked.multiply(paddedHeight, paddedWidth, "the padded plane of a depthwise convolution")
            // A tap's offset lies inside the padded plane (the dilated window fits it), so the products are bounded by its size.
            let offsets = try (0..<(g.kernelHeight * g.kernelWidth)).map { tap in
                try Checked.add(
                    try Checked.product([tap / g.kernelWidth, g.dilationHeight, paddedWidth], "a depthwise tap offset"),
                    try Checked.multiply(tap % g.kernelWidth, g.dilationWidth, "a depthwise tap offset"), "a depthwise tap offset")
            }
            let largestOffset = offsets.max() ?? 0
            let stride = g.strideWidth
            flat = g.strideHeight == stride && (stride == 1 || stride == 2 && g.outWidth < 16)
            if flat {
                let outputs = try Checked.multiply(g.outHeight, paddedWidth, "the outputs of a depthwise plane")
                wideCount = try Checked.multiply(try Checked.add(outputs, 15, "the outputs of a depthwise plane") / 16, 16, "the outputs of a depthwise plane")
                // The last run of 16 reads up to s (wideCount - 1) + 31 + the largest tap offset.
                let reach = try Checked.add(
                    try Checked.multiply(stride, wideCount, "the reach of a depthwise plane"),
                    try Checked.add(largestOffset, 32, "the reach of a depthwise plane"), "the reach of a depthwise plane")
                planeCount = max(paddedSize, reach)
            } else {
                // A SIMD32 load at the end of a stride-2 row may reach 16 floats past the plane.
                planeCount = try Checked.add(paddedSize, 32, "the padded plane of a depthwise convolution")
                wideCount = 0
            }
            // CZooKernels indexes the plane with 32-bit offsets.
            guard max(planeCount, wideCount) <= Int(Int32.max) else {
                throw ZooError(
                    .unsupported,
                    "A depthwise convolution's padded plane must hold fewer than 2^31 floats. Received: \(paddedHeight) x \(paddedWidth).")
            }
            tapOffsets = offsets.map { Int32($0) }
        }
    }

    private let geometry: WindowGeometry
    private let filters: Int, groups: Int, channelsPerGroup: Int, filtersPerGroup: Int
    private let kernel: Tensor
    private let bias: Tensor?
    private let epilogue: (any Epilogue)?
    private let outputShape: [Int]
    private let path: Path
    /// `C_g k_h k_w`: the length of one filter.
    private let taps: Int
    private let instructionSet: InstructionSet

    init(_ conv: Conv, input: [Int], output: [Int], epilogue: (any Epilogue)?, winograd: Bool, instructionSet: InstructionSet) throws {
        geometry = try WindowGeometry(conv.window, input: input, op: Conv.info.name)
        filters = conv.filters
        groups = conv.groups
        channelsPerGroup = geometry.channels / max(conv.groups, 1)
        filtersPerGroup = filters / max(conv.groups, 1)
        kernel = conv.kernel
        bias = conv.bias
        self.epilogue = epilogue
        outputShape = output
        taps = channelsPerGroup * geometry.kernelHeight * geometry.kernelWidth
        self.instructionSet = instructionSet
        let g = geometry
        let paddedHeight = try Checked.add(g.height, Checked.add(g.padTop, g.padBottom)), paddedWidth = try Checked.add(g.width, Checked.add(g.padLeft, g.padRight))
        // The packing arithmetic adds a row offset and a tap offset, each within the padded plane.
        try BLAS.checkSizes(
            [taps, filters, g.outputPlane, g.inputPlane, try Checked.multiply(paddedHeight, 2), try Checked.multiply(paddedWidth, 2)], op: Conv.info.name)
        if groups == g.channels, filters == groups {
            path = .depthwise(try DepthwisePlan(g, paddedHeight: paddedHeight, paddedWidth: paddedWidth))
        } else if winograd, WinogradConvolution.applies(to: conv, geometry: g) {
            path = .winograd(try WinogradConvolution(conv, geometry: g, instructionSet: instructionSet))
        } else {
            let weights = conv.kernel.elements
            guard let base = weights.baseAddress else { throw ZooError(.invalidGraph, "A convolution needs its weights. Received: none.") }
            let (perGroup, taps) = (filtersPerGroup, taps)
            path = .gemm(try (0..<groups).map { group in
                try PackedMatrix(base + group * perGroup * taps, rows: perGroup, depth: taps, leading: taps, instructionSet: instructionSet)
            })
        }
    }

    /// `gemm` packing its input tiles through the window's taps, `gemm-pointwise` reading the
    /// input planes as the matrix, `depthwise-fused` (bias and clamp applied in registers) or
    /// `depthwise` (another activation after each plane), or `winograd-f4x4`.
    var algorithm: String {
        switch path {
        case .gemm: readsInputAsMatrix ? "gemm-pointwise" : "gemm"
        case .depthwise: clamp == nil && epilogue != nil ? "depthwise" : "depthwise-fused"
        case .winograd: "winograd-f4x4"
        }
    }

    /// Whether the matrix path reads the input planes as they are (1x1, stride 1, no padding).
    private var readsInputAsMatrix: Bool {
        let g = geometry
        return g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1 && g.isUnpadded
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let weights = kernel.elements
        switch path {
        case .gemm(let packed):
            let g = geometry
            let columns = g.outputPlane
            // With at least one image per thread, each thread multiplies whole images (every tile
            // full width); otherwise each image's tiles are spread over the threads.
            let byImage = context.threads > 1 && g.batch >= context.threads
            let inner = byImage ? 1 : context.threads
            let perThread = packed.map { $0.scratchCount(columns: columns, threads: inner) }.max() ?? 0
            let block = try context.scratch(count: byImage ? try Checked.multiply(perThread, context.threads, "the convolution scratch") : perThread)
            return try context.tensor(shape: outputShape) { y in
                guard let xBase = x.baseAddress, let yBase = y.baseAddress, let scratch = block.buffer.baseAddress else { return }
                let biasBase = bias?.elements.baseAddress
                func image(_ n: Int, threads: Int, scratch: UnsafeMutablePointer<Float>) {
                    for group in 0..<groups {
                        let input = xBase + (n * g.channels + group * channelsPerGroup) * g.inputPlane
                        let source: zoo_kernels_b_source = readsInputAsMatrix
                            ? .matrix(input, leading: g.inputPlane) : .convolution(input, geometry: g)
                        packed[group].multiply(
                            source, columns: columns, into: yBase + (n * filters + group * filtersPerGroup) * columns, leading: columns,
                            bias: biasBase.map { $0 + group * filtersPerGroup }, activation: stored ?? .none, threads: threads, scratch: scratch)
                    }
                }
                if byImage {
                    Parallel.forEachChunk(g.batch, threads: context.threads) { images, chunk in
                        for n in images { image(n, threads: 1, scratch: scratch + chunk * perThread) }
                    }
                } else {
                    for n in 0..<g.batch { image(n, threads: context.threads, scratch: scratch) }
                }
                if stored == nil { finish(y, addingBias: false, context: context) }
                withExtendedLifetime(block) {}
            }
        case .depthwise(let plan):
            let scratch = try context.scratch(count: try Checked.multiply(plan.perThread, context.threads, "the depthwise scratch"))
            return try context.tensor(shape: outputShape) { y in
                guard let base = scratch.buffer.baseAddress else { return }
                Parallel.forEachChunk(geometry.batch * filters, threads: context.threads) { planes, chunk in
                    for plane in planes {
                        depthwise(plane: plane, plan: plan, x: x, weights: weights, y: y, scratch: base + chunk * plan.perThread)
                        if clamp == nil, epilogue != nil { finish(plane: plane, y, addingBias: false) }
                    }
                }
            }
        case .winograd(let winograd):
            let scratch = try winograd.scratch(context)
            return try context.tensor(shape: outputShape) { y in
                for n in 0..<geometry.batch { winograd.run(n: n, x: x, y: y, scratch: scratch, context: context) }
                finish(y, addingBias: true, context: context)
            }
        }
    }

    /// The fused activation as the matrix kernels apply it while storing (a clamp, sigmoid or SiLU), if they can.
    private var stored: StoredActivation? { epilogue?.stored }
    /// The bounds of a fused activation that is a clamp (ReLU, ReLU6, Clip), which the depthwise path applies in registers.
    private var clamp: (low: Float, high: Float)? { stored.flatMap { $0.isClamp ? ($0.low, $0.high) : nil } }

    /// One output plane of a depthwise convolution (filter `o` reads channel `o`): the input
    /// plane is copied into the scratch with its zero border, then CZooKernels sums the taps of
    /// runs of outputs in registers (``DepthwisePlan``), adds the bias and applies a fused clamp
    /// before they are stored (another fused activation runs on the plane after, while it is in
    /// cache).
    private func depthwise(
        plane: Int, plan: DepthwisePlan, x: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>,
        y: UnsafeMutableBufferPointer<Float>, scratch padded: UnsafeMutablePointer<Float>
    ) {
        let g = geometry
        let paddedWidth = plan.paddedWidth
        guard let xBase = x.baseAddress, let wBase = weights.baseAddress, let yBase = y.baseAddress else { return }
        padded.initialize(repeating: 0, count: plan.planeCount)
        let input = xBase + plane * g.inputPlane
        for row in 0..<g.height {
            (padded + (row + g.padTop) * paddedWidth + g.padLeft).update(from: input + row * g.width, count: g.width)
        }
        // The plan bounds every size here to 32 bits (a stride past the plane only ever multiplies 0).
        let taps = g.kernelHeight * g.kernelWidth
        let (low, high) = clamp ?? (-.infinity, .infinity)
        let biasPointer = bias?.elements.baseAddress.map { $0 + plane % filters }
        plan.tapOffsets.withUnsafeBufferPointer { offsets in
            var description = zoo_kernels_depthwise_plane(
                padded: padded, padded_width: Int32(paddedWidth), weights: wBase + (plane % filters) * taps, offsets: offsets.baseAddress,
                taps: Int32(taps), out_h: Int32(g.outHeight), out_w: Int32(g.outWidth), stride_h: Int32(min(g.strideHeight, plan.paddedSize)),
                stride_w: Int32(min(g.strideWidth, plan.paddedSize)), flat: plan.flat ? 1 : 0, wide_count: Int32(plan.wideCount))
            zoo_kernels_depthwise(instructionSet.rawValue, &description, biasPointer, low, high, yBase + plane * g.outputPlane, padded + plan.planeCount)
        }
    }

    /// Adds the bias (when `addingBias`) and applies the fused activation, one output channel
    /// plane at a time.
    private func finish(_ y: UnsafeMutableBufferPointer<Float>, addingBias: Bool, context: KernelContext) {
        guard addingBias && bias != nil || epilogue != nil else { return }
        let plane = geometry.outputPlane
        Parallel.forEach(geometry.batch * filters, threads: context.threads, grain: max(1, 4096 / max(plane, 1))) { planes in
            for index in planes { finish(plane: index, y, addingBias: addingBias) }
        }
    }

    /// ``finish(_:addingBias:context:)`` on output plane `index` (image `index / filters`,
    /// filter `index % filters`) alone.
    private func finish(plane index: Int, _ y: UnsafeMutableBufferPointer<Float>, addingBias: Bool) {
        let plane = geometry.outputPlane
        let slice = UnsafeMutableBufferPointer(rebasing: y[(index * plane)..<((index + 1) * plane)])
        if addingBias, let biasValues = bias?.elements {
            let b = biasValues[index % filters]
            for k in slice.indices { slice[k] += b }
        }
        epilogue?.apply(slice)
    }
}
