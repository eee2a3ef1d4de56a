import CZooKernels
import ZooCore

/// Convolution as the lecture finally writes it (a cross-correlation), per group `g`:
///
///     Y[n, o, y, x] = B[o] + sum_{c, i, j} W[o, c, i, j] X[n, g C_g + c, y s_h + i d_h - p_top, x s_w + j d_w - p_left]
///
/// with `X` read as zero outside the input. Three paths:
/// - depthwise (one filter per channel): a direct loop per channel plane (``PlaneWindow``);
/// - 3x3, stride 1, one group, when allowed: Winograd's F(4x4, 3x3) (``WinogradConvolution``);
/// - otherwise a matrix product per image and group, `Y_g = W_g X_g` with `W_g` the group's
///   filters `[O_g, C_g k_h k_w]`, packed once at load (``PackedMatrix``), and `X_g` the
///   im2col matrix (rows `(c, i, j)`, columns `(y, x)`), which is never materialized: each
///   tile of the product packs its part straight from the input (a 1x1 stride-1 unpadded
///   convolution reads the input planes as they are).
/// Bias and a fused clamp (ReLU, ReLU6, Clip), sigmoid, SiLU or exported hard swish
/// (``StoredActivation``) are applied as each tile or depthwise run is stored; another fused
/// activation runs per output channel after the product.
struct ConvKernel: Kernel {
    private enum Path { case gemm([PackedMatrix]), depthwise(PlaneWindow), winograd(WinogradConvolution) }

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
    /// Whether a residual sum (the last input) is added before the activation.
    private let hasResidual: Bool
    /// With a per-channel scale of the input (the second input, `[N or 1, C, 1, 1]`), whether it
    /// holds one per image.
    private let scaleImages: Int?

    /// - Parameters:
    ///   - inputScale: the shape of a second input `s` (`[N or 1, C, 1, 1]`) that multiplies the
    ///     input channel by channel, `x[n, c] s[n, c]` rounded as a separate multiply would (a
    ///     squeeze-and-excitation gate fused into a 1x1 convolution), or nil.
    ///   - residual: whether `run` gets a last input of the output's shape, added after the bias
    ///     and before the activation (a residual sum fused into the conv).
    init(
        _ conv: Conv, input: [Int], output: [Int], epilogue: (any Epilogue)?, inputScale: [Int]? = nil, residual: Bool = false, winograd: Bool,
        instructionSet: InstructionSet
    ) throws {
        geometry = try WindowGeometry(conv.window, input: input, op: Conv.info.name)
        filters = conv.filters
        groups = conv.groups
        channelsPerGroup = geometry.channels / max(conv.groups, 1)
        filtersPerGroup = filters / max(conv.groups, 1)
        kernel = conv.kernel
        bias = conv.bias
        self.epilogue = epilogue
        hasResidual = residual
        outputShape = output
        if let scale = inputScale {
            let g = geometry
            let pointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1 && g.isUnpadded
            guard pointwise, conv.groups == 1, scale.count == 4, scale[0] == 1 || scale[0] == g.batch, scale[1] == g.channels, scale[2] == 1,
                scale[3] == 1
            else {
                throw ZooError(
                    .invalidGraph,
                    "A fused input scale needs a 1x1 stride-1 unpadded conv of one group and a scale of shape [N or 1, \(g.channels), 1, 1]. Received: \(scale).")
            }
            scaleImages = scale[0]
        } else {
            scaleImages = nil
        }
        taps = channelsPerGroup * geometry.kernelHeight * geometry.kernelWidth
        self.instructionSet = instructionSet
        let g = geometry
        let paddedHeight = try Checked.add(g.height, Checked.add(g.padTop, g.padBottom)), paddedWidth = try Checked.add(g.width, Checked.add(g.padLeft, g.padRight))
        // The packing arithmetic adds a row offset and a tap offset, each within the padded plane.
        try BLAS.checkSizes(
            [taps, filters, g.outputPlane, g.inputPlane, try Checked.multiply(paddedHeight, 2), try Checked.multiply(paddedWidth, 2)], op: Conv.info.name)
        if groups == g.channels, filters == groups {
            path = .depthwise(try PlaneWindow(g, fill: 0, instructionSet: instructionSet, op: Conv.info.name))
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
    /// input planes as the matrix, `depthwise-fused` (bias and a clamp, sigmoid, SiLU or hard swish applied in registers) or
    /// `depthwise` (another activation after each plane), or `winograd-f4x4`.
    var algorithm: String {
        switch path {
        case .gemm: readsInputAsMatrix ? "gemm-pointwise" : "gemm"
        case .depthwise: stored == nil && epilogue != nil ? "depthwise" : "depthwise-fused"
        case .winograd: "winograd-f4x4"
        }
    }

    /// The residual sum's input, on the matrix path when a filter's sum is one block of depth
    /// (CZooKernels' tiles add the residual as they store the finished sum: each tile reads a
    /// residual element just before it writes the output's element at the same place, so the
    /// output may be written over the residual; over several blocks, the first block's partial
    /// sums would be stored before the residual is read).
    var overwritableInput: Int? {
        guard hasResidual, case .gemm = path, taps <= Int(ZOO_KERNELS_DEPTH_BLOCK) else { return nil }
        return scaleImages == nil ? 1 : 2
    }

    /// Whether the matrix path reads the input planes as they are (1x1, stride 1, no padding).
    private var readsInputAsMatrix: Bool {
        let g = geometry
        return g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1 && g.isUnpadded
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let weights = kernel.elements
        let residual = hasResidual ? inputs[inputs.count - 1].elements : nil
        let scale = scaleImages != nil ? inputs[1].elements.baseAddress : nil
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
            func fill(_ y: UnsafeMutableBufferPointer<Float>) {
                guard let xBase = x.baseAddress, let yBase = y.baseAddress, let scratch = block.buffer.baseAddress else { return }
                let biasBase = bias?.elements.baseAddress
                func image(_ n: Int, threads: Int, scratch: UnsafeMutablePointer<Float>) {
                    for group in 0..<groups {
                        let input = xBase + (n * g.channels + group * channelsPerGroup) * g.inputPlane
                        // A scale is per image or one for all, one value per channel (one group).
                        let rowScale = scale.map { $0 + (scaleImages == 1 ? 0 : n * g.channels) }
                        let source: zoo_kernels_b_source = readsInputAsMatrix
                            ? .matrix(input, leading: g.inputPlane, rowScale: rowScale) : .convolution(input, geometry: g)
                        let offset = (n * filters + group * filtersPerGroup) * columns
                        packed[group].multiply(
                            source, columns: columns, into: yBase + offset, leading: columns, bias: biasBase.map { $0 + group * filtersPerGroup },
                            residual: residual?.baseAddress.map { $0 + offset }, activation: stored ?? .none, threads: threads, scratch: scratch)
                    }
                }
                if byImage {
                    Parallel.forEachChunk(g.batch, threads: context.threads) { images, chunk in
                        for n in images { image(n, threads: 1, scratch: scratch + chunk * perThread) }
                    }
                } else {
                    for n in 0..<g.batch { image(n, threads: context.threads, scratch: scratch) }
                }
                if stored == nil { finish(y, addingBias: false, residual: nil, context: context) }
                withExtendedLifetime(block) {}
            }
            if let input = overwritableInput, context.overwritable == input, let storage = inputs[input].storage {
                // The output written over the residual (see overwritableInput).
                fill(UnsafeMutableBufferPointer(mutating: storage.buffer))
                return try Tensor(shape: outputShape, storage: storage)
            }
            return try context.tensor(shape: outputShape, fill)
        case .depthwise(let plan):
            let scratch = try context.scratch(count: try Checked.multiply(plan.perThread, context.threads, "the depthwise scratch"))
            return try context.tensor(shape: outputShape) { y in
                guard let base = scratch.buffer.baseAddress else { return }
                Parallel.forEachChunk(geometry.batch * filters, threads: context.threads) { planes, chunk in
                    guard let xBase = x.baseAddress, let wBase = weights.baseAddress, let yBase = y.baseAddress else { return }
                    // Filter `o` reads channel `o`; bias and a stored activation are applied in registers.
                    // A residual sum (before the activation) or another activation is applied to each
                    // plane after, while it is in cache.
                    let scratch = base + chunk * plan.perThread, biasBase = bias?.elements.baseAddress
                    guard residual != nil || stored == nil && epilogue != nil else {
                        plan.run(
                            xBase, planes: planes, weights: wBase, bias: biasBase, activation: stored ?? .none, into: yBase, scratch: scratch)
                        return
                    }
                    for plane in planes {
                        plan.run(xBase, planes: plane..<plane + 1, weights: wBase, bias: biasBase, into: yBase, scratch: scratch)
                        finish(plane: plane, y, addingBias: false, residual: residual)
                    }
                }
            }
        case .winograd(let winograd):
            let scratch = try winograd.scratch(context)
            return try context.tensor(shape: outputShape) { y in
                for n in 0..<geometry.batch { winograd.run(n: n, x: x, y: y, scratch: scratch, context: context) }
                finish(y, addingBias: true, residual: residual, context: context)
            }
        }
    }

    /// The fused activation as the matrix kernels apply it while storing (a clamp, sigmoid, SiLU or hard swish), if they can.
    private var stored: StoredActivation? { epilogue?.stored }

    /// Adds the bias (when `addingBias`) and the residual sum (when given), then applies the
    /// fused activation, one output channel plane at a time.
    private func finish(_ y: UnsafeMutableBufferPointer<Float>, addingBias: Bool, residual: UnsafeBufferPointer<Float>?, context: KernelContext) {
        guard addingBias && bias != nil || residual != nil || epilogue != nil else { return }
        let plane = geometry.outputPlane
        Parallel.forEach(geometry.batch * filters, threads: context.threads, grain: max(1, 4096 / max(plane, 1))) { planes in
            for index in planes { finish(plane: index, y, addingBias: addingBias, residual: residual) }
        }
    }

    /// ``finish(_:addingBias:residual:context:)`` on output plane `index` (image
    /// `index / filters`, filter `index % filters`) alone.
    private func finish(plane index: Int, _ y: UnsafeMutableBufferPointer<Float>, addingBias: Bool, residual: UnsafeBufferPointer<Float>?) {
        let plane = geometry.outputPlane
        let slice = UnsafeMutableBufferPointer(rebasing: y[(index * plane)..<((index + 1) * plane)])
        if addingBias, let biasValues = bias?.elements {
            let b = biasValues[index % filters]
            for k in slice.indices { slice[k] += b }
        }
        if let residual {
            for k in slice.indices { slice[k] += residual[index * plane + k - slice.startIndex] }
        }
        epilogue?.apply(slice)
    }
}
