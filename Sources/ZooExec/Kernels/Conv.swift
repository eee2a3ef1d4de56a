import ZooCore

/// Convolution as the lecture finally writes it (a cross-correlation), per group `g`:
///
///     Y[n, o, y, x] = B[o] + sum_{c, i, j} W[o, c, i, j] X[n, g C_g + c, y s_h + i d_h - p_top, x s_w + j d_w - p_left]
///
/// with `X` read as zero outside the input. Three paths:
/// - pointwise (1x1, stride 1, no padding): one `sgemm` per image and group on the input as is;
/// - depthwise (one filter per channel): a direct loop per channel plane;
/// - otherwise im2col: the taps of a band of output rows are gathered into a matrix
///   (rows `(c, i, j)`, columns `(y, x)`) and multiplied by the filters with `sgemm`, band by
///   band so that the gathered matrix stays near 16 MB.
/// Bias and a fused activation are applied per output channel after the product.
struct ConvKernel: Kernel {
    private enum Path { case pointwise, depthwise, im2col }

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

    /// Floats the im2col matrix of one band may take.
    private static let bandBudget = 4 << 20

    init(_ conv: Conv, input: [Int], output: [Int], epilogue: (any Epilogue)?) throws {
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
        } else {
            path = .im2col
        }
        bandRows = max(1, min(g.outHeight, Self.bandBudget / max(taps * g.outWidth, 1)))
        try BLAS.checkSizes([taps, filters, g.outputPlane, g.inputPlane, bandRows * g.outWidth], op: Conv.info.name)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let weights = kernel.elements
        switch path {
        case .pointwise:
            return try Tensor.computed(shape: outputShape) { y in
                guard let xBase = x.baseAddress, let wBase = weights.baseAddress, let yBase = y.baseAddress else { return }
                let plane = geometry.outputPlane
                for n in 0..<geometry.batch {
                    for group in 0..<groups {
                        BLAS.gemm(
                            m: filtersPerGroup, n: plane, k: taps,
                            a: wBase + group * filtersPerGroup * taps, lda: taps,
                            b: xBase + (n * geometry.channels + group * channelsPerGroup) * plane, ldb: plane,
                            c: yBase + (n * filters + group * filtersPerGroup) * plane, ldc: plane)
                    }
                }
                finish(y, context: context)
            }
        case .depthwise:
            return try Tensor.computed(shape: outputShape) { y in
                Parallel.forEach(geometry.batch * filters, threads: context.threads) { planes in
                    for plane in planes { depthwise(plane: plane, x: x, weights: weights, y: y) }
                }
                finish(y, context: context)
            }
        case .im2col:
            let columns = try Checked.multiply(taps, bandRows * geometry.outWidth, "the im2col band size")
            let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: columns)
            defer { scratch.deallocate() }
            return try Tensor.computed(shape: outputShape) { y in
                for n in 0..<geometry.batch {
                    for group in 0..<groups {
                        var row = 0
                        while row < geometry.outHeight {
                            let rows = min(bandRows, geometry.outHeight - row)
                            gather(n: n, group: group, firstRow: row, rows: rows, x: x, into: scratch, context: context)
                            multiply(n: n, group: group, firstRow: row, rows: rows, band: scratch, weights: weights, y: y)
                            row += rows
                        }
                    }
                }
                finish(y, context: context)
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
                let (low, high) = Self.validRange(offset: offset, stride: g.strideWidth, size: g.width, count: g.outWidth)
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
        y: UnsafeMutableBufferPointer<Float>
    ) {
        guard let wBase = weights.baseAddress, let bBase = band.baseAddress, let yBase = y.baseAddress else { return }
        let g = geometry
        let width = rows * g.outWidth
        BLAS.gemm(
            m: filtersPerGroup, n: width, k: taps,
            a: wBase + group * filtersPerGroup * taps, lda: taps,
            b: bBase, ldb: width,
            c: yBase + (n * filters + group * filtersPerGroup) * g.outputPlane + firstRow * g.outWidth, ldc: g.outputPlane)
    }

    /// One output plane of a depthwise convolution (filter `o` reads channel `o`).
    private func depthwise(plane: Int, x: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) {
        let g = geometry
        let o = plane % filters
        let input = plane * g.inputPlane, output = plane * g.outputPlane
        let filter = o * g.kernelHeight * g.kernelWidth
        for k in output..<(output + g.outputPlane) { y[k] = 0 }
        var ranges: [(low: Int, high: Int, offset: Int)] = []
        for j in 0..<g.kernelWidth {
            let offset = j * g.dilationWidth - g.padLeft
            let (low, high) = Self.validRange(offset: offset, stride: g.strideWidth, size: g.width, count: g.outWidth)
            ranges.append((low, high, offset))
        }
        for row in 0..<g.outHeight {
            let destination = output + row * g.outWidth
            for i in 0..<g.kernelHeight {
                let sourceRow = row * g.strideHeight + i * g.dilationHeight - g.padTop
                guard sourceRow >= 0, sourceRow < g.height else { continue }
                let source = input + sourceRow * g.width
                for j in 0..<g.kernelWidth {
                    let weight = weights[filter + i * g.kernelWidth + j]
                    let (low, high, offset) = ranges[j]
                    if g.strideWidth == 1 {
                        for k in low..<high { y[destination + k] += weight * x[source + offset + k] }
                    } else {
                        for k in low..<high { y[destination + k] += weight * x[source + offset + k * g.strideWidth] }
                    }
                }
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

    /// The output positions `low ..< high` (of `count`) whose input index `k stride + offset`
    /// lies in `0 ..< size`.
    static func validRange(offset: Int, stride: Int, size: Int, count: Int) -> (Int, Int) {
        let low = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let last = size - 1 - offset
        let high = last < 0 ? 0 : min(count, last / stride + 1)
        return (min(low, count), max(min(low, count), high))
    }
}
