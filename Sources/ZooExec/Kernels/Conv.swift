import ZooCore

/// Convolution as the lecture finally writes it (a cross-correlation), per group `g`:
///
///     Y[n, o, y, x] = B[o] + sum_{c, i, j} W[o, c, i, j] X[n, g C_g + c, y s_h + i d_h - p_top, x s_w + j d_w - p_left]
///
/// with `X` read as zero outside the input. Three paths:
/// - pointwise (1x1, stride 1, no padding): one `sgemm` per image and group on the input as is;
/// - depthwise (one filter per channel): a direct loop per channel plane;
/// - 3x3, stride 1, one group, when allowed: Winograd's F(4x4, 3x3) (``WinogradConvolution``);
/// - otherwise im2col: the taps of a band of output rows are gathered into a matrix
///   (rows `(c, i, j)`, columns `(y, x)`) and multiplied by the filters with `sgemm`, band by
///   band so that the gathered matrix stays near 16 MB.
/// Bias and a fused activation are applied per output channel after the product.
struct ConvKernel: Kernel {
    private enum Path { case pointwise, depthwise, winograd(WinogradConvolution), im2col }

    private let geometry: WindowGeometry
    private let filters: Int, groups: Int, channelsPerGroup: Int, filtersPerGroup: Int
    private let kernel: Tensor
    private let bias: Tensor?
    private let epilogue: (any Epilogue)?
    private let outputShape: [Int]
    private let path: Path
    /// `C_g k_h k_w`: the length of one filter.
    private let taps: Int
    /// Output rows gathered per im2col band.
    private let bandRows: Int
    /// Depthwise: where each tap `(i, j)` reads in the zero-bordered plane, from a window's corner.
    private let tapOffsets: [Int]

    /// Floats the im2col matrix of one band may take.
    private static let bandBudget = 4 << 20

    init(_ conv: Conv, input: [Int], output: [Int], epilogue: (any Epilogue)?, winograd: Bool) throws {
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
        let g = geometry
        if g.kernelHeight == 1, g.kernelWidth == 1, g.strideHeight == 1, g.strideWidth == 1, g.isUnpadded {
            path = .pointwise
        } else if groups == g.channels, filters == groups {
            path = .depthwise
        } else if winograd, WinogradConvolution.applies(to: conv, geometry: g) {
            path = .winograd(try WinogradConvolution(conv, geometry: g))
        } else {
            path = .im2col
        }
        bandRows = max(1, min(g.outHeight, Self.bandBudget / max(taps * g.outWidth, 1)))
        let paddedWidth = g.width + g.padLeft + g.padRight
        tapOffsets = (0..<(g.kernelHeight * g.kernelWidth)).map { tap in
            (tap / g.kernelWidth) * g.dilationHeight * paddedWidth + (tap % g.kernelWidth) * g.dilationWidth
        }
        try BLAS.checkSizes([taps, filters, g.outputPlane, g.inputPlane, bandRows * g.outWidth], op: Conv.info.name)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let weights = kernel.elements
        switch path {
        case .pointwise:
            return try context.tensor(shape: outputShape) { y in
                guard let xBase = x.baseAddress, let wBase = weights.baseAddress, let yBase = y.baseAddress else { return }
                let plane = geometry.outputPlane
                for n in 0..<geometry.batch {
                    for group in 0..<groups {
                        BLAS.parallelGemm(
                            m: filtersPerGroup, n: plane, k: taps,
                            a: wBase + group * filtersPerGroup * taps, lda: taps,
                            b: xBase + (n * geometry.channels + group * channelsPerGroup) * plane, ldb: plane,
                            c: yBase + (n * filters + group * filtersPerGroup) * plane, ldc: plane, threads: context.threads)
                    }
                }
                finish(y, context: context)
            }
        case .depthwise:
            let g = geometry
            let paddedSize = try Checked.product(
                [g.height + g.padTop + g.padBottom, g.width + g.padLeft + g.padRight], "the padded plane of a depthwise convolution")
            // A SIMD32 load at the end of a stride-2 row may reach 16 floats past the plane.
            let scratch = try context.scratch(count: try Checked.multiply(paddedSize + 32, context.threads, "the depthwise scratch"))
            return try context.tensor(shape: outputShape) { y in
                guard let base = scratch.buffer.baseAddress else { return }
                Parallel.forEachChunk(geometry.batch * filters, threads: context.threads) { planes, chunk in
                    for plane in planes { depthwise(plane: plane, x: x, weights: weights, y: y, padded: base + chunk * (paddedSize + 32)) }
                }
                finish(y, context: context)
            }
        case .winograd(let winograd):
            let scratch = try winograd.scratch(context)
            return try context.tensor(shape: outputShape) { y in
                for n in 0..<geometry.batch { winograd.run(n: n, x: x, y: y, scratch: scratch, context: context) }
                finish(y, context: context)
            }
        case .im2col:
            let columns = try Checked.multiply(taps, bandRows * geometry.outWidth, "the im2col band size")
            let block = try context.scratch(count: columns)
            let scratch = block.buffer
            return try context.tensor(shape: outputShape) { y in
                for n in 0..<geometry.batch {
                    for group in 0..<groups {
                        var row = 0
                        while row < geometry.outHeight {
                            let rows = min(bandRows, geometry.outHeight - row)
                            gather(n: n, group: group, firstRow: row, rows: rows, x: x, into: scratch, context: context)
                            multiply(n: n, group: group, firstRow: row, rows: rows, band: scratch, weights: weights, y: y, context: context)
                            row += rows
                        }
                    }
                }
                finish(y, context: context)
                withExtendedLifetime(block) {}
            }
        }
    }

    /// Fills the im2col band for output rows `firstRow ..< firstRow + rows` of image `n`, group
    /// `group`: row `(c, i, j)` of the band holds, for every output position `(y, x)` of the band,
    /// the input element tap `(i, j)` of channel `c` reads there, or 0 in the padding.
    private func gather(
        n: Int, group: Int, firstRow: Int, rows: Int, x: UnsafeBufferPointer<Float>, into band: UnsafeMutableBufferPointer<Float>,
        context: KernelContext
    ) {
        let g = geometry
        let width = rows * g.outWidth
        let kernelArea = g.kernelHeight * g.kernelWidth
        Parallel.forEach(taps, threads: context.threads, grain: 8) { tapRange in
            for tap in tapRange {
                let c = tap / kernelArea, i = (tap % kernelArea) / g.kernelWidth, j = tap % g.kernelWidth
                let channel = (n * g.channels + group * channelsPerGroup + c) * g.inputPlane
                let offset = j * g.dilationWidth - g.padLeft
                let (low, high) = WindowGeometry.validRange(offset: offset, stride: g.strideWidth, size: g.width, count: g.outWidth)
                for r in 0..<rows {
                    let destination = tap * width + r * g.outWidth
                    let sourceRow = (firstRow + r) * g.strideHeight + i * g.dilationHeight - g.padTop
                    guard sourceRow >= 0, sourceRow < g.height, low < high else {
                        for k in 0..<g.outWidth { band[destination + k] = 0 }
                        continue
                    }
                    let source = channel + sourceRow * g.width + offset
                    for k in 0..<low { band[destination + k] = 0 }
                    if g.strideWidth == 1 {
                        for k in low..<high { band[destination + k] = x[source + k] }
                    } else {
                        for k in low..<high { band[destination + k] = x[source + k * g.strideWidth] }
                    }
                    for k in high..<g.outWidth { band[destination + k] = 0 }
                }
            }
        }
    }

    /// `Y[n, group's filters, band rows] = W_group x band`.
    private func multiply(
        n: Int, group: Int, firstRow: Int, rows: Int, band: UnsafeMutableBufferPointer<Float>, weights: UnsafeBufferPointer<Float>,
        y: UnsafeMutableBufferPointer<Float>, context: KernelContext
    ) {
        guard let wBase = weights.baseAddress, let bBase = band.baseAddress, let yBase = y.baseAddress else { return }
        let g = geometry
        let width = rows * g.outWidth
        BLAS.parallelGemm(
            m: filtersPerGroup, n: width, k: taps,
            a: wBase + group * filtersPerGroup * taps, lda: taps,
            b: bBase, ldb: width,
            c: yBase + (n * filters + group * filtersPerGroup) * g.outputPlane + firstRow * g.outWidth, ldc: g.outputPlane,
            threads: context.threads)
    }

    /// One output plane of a depthwise convolution (filter `o` reads channel `o`): the input
    /// plane is copied into `padded` with its zero border, then each run of 16 outputs of a row
    /// sums its taps in registers (stride 1 and 2 load the run directly; other strides gather).
    private func depthwise(
        plane: Int, x: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>,
        padded: UnsafeMutablePointer<Float>
    ) {
        let g = geometry
        let paddedWidth = g.width + g.padLeft + g.padRight, paddedHeight = g.height + g.padTop + g.padBottom
        guard let xBase = x.baseAddress, let wBase = weights.baseAddress, let yBase = y.baseAddress else { return }
        padded.initialize(repeating: 0, count: paddedWidth * paddedHeight)
        let input = xBase + plane * g.inputPlane
        for row in 0..<g.height {
            (padded + (row + g.padTop) * paddedWidth + g.padLeft).update(from: input + row * g.width, count: g.width)
        }
        let taps = g.kernelHeight * g.kernelWidth
        let filter = wBase + (plane % filters) * taps
        let offsets = tapOffsets
        let output = yBase + plane * g.outputPlane
        let stride = g.strideWidth
        for row in 0..<g.outHeight {
            let source = padded + row * g.strideHeight * paddedWidth
            let destination = output + row * g.outWidth
            var k = 0
            if stride <= 2 {
                while k + 16 <= g.outWidth {
                    var sum = SIMD16<Float>(repeating: 0)
                    for tap in 0..<taps {
                        let start = UnsafeRawPointer(source + offsets[tap] + k * stride)
                        let values = stride == 1
                            ? start.loadUnaligned(as: SIMD16<Float>.self)
                            : start.loadUnaligned(as: SIMD32<Float>.self).evenHalf
                        sum += SIMD16(repeating: filter[tap]) * values
                    }
                    UnsafeMutableRawPointer(destination + k).storeBytes(of: sum, as: SIMD16<Float>.self)
                    k += 16
                }
            }
            while k < g.outWidth {
                var sum: Float = 0
                for tap in 0..<taps { sum += filter[tap] * source[offsets[tap] + k * stride] }
                destination[k] = sum
                k += 1
            }
        }
    }

    /// Adds the bias and applies the fused activation, one output channel plane at a time.
    private func finish(_ y: UnsafeMutableBufferPointer<Float>, context: KernelContext) {
        guard bias != nil || epilogue != nil else { return }
        let plane = geometry.outputPlane
        let biasValues = bias?.elements
        Parallel.forEach(geometry.batch * filters, threads: context.threads, grain: max(1, 4096 / max(plane, 1))) { planes in
            for index in planes {
                let slice = UnsafeMutableBufferPointer(rebasing: y[(index * plane)..<((index + 1) * plane)])
                if let biasValues {
                    let b = biasValues[index % filters]
                    for k in slice.indices { slice[k] += b }
                }
                epilogue?.apply(slice)
            }
        }
    }
}
