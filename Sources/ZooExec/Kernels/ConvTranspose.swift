import ZooCore

/// Transposed convolution, per image `n` and group `g` (`C_g` input, `M_g` output channels):
///
///     Y[n, g M_g + m, y s_h + i d_h - p_top, x s_w + j d_w - p_left] += W[g C_g + c, m, i, j] X[n, g C_g + c, y, x]
///
/// summed over `c`, every input position `(y, x)` and tap `(i, j)`, into an output that starts
/// as the bias; contributions that land outside the output (the cropped edges) are dropped.
/// Computed as a matrix product and a scatter (col2im): for a band of input rows, `sgemm`
/// multiplies the group's kernel, packed once as `W_g^T` (rows `(m, i, j)`, columns `c`), by the
/// band of input planes (rows `c`, columns `(y, x)`), giving every product of one tap and one
/// input position; each output channel then adds its rows of products at their output
/// positions. Bands are sized so the products stay near 16 MB. The scatter runs one output
/// channel per task in a fixed order (band, tap, input row, input column), and the products go
/// through ``BLAS`` in blocks set by the sizes alone, so the result is the same for every
/// thread count. A fused activation is applied per output channel at the end.
struct ConvTransposeKernel: Kernel {
    private let batch: Int, channels: Int, groups: Int, channelsPerGroup: Int, filtersPerGroup: Int, filters: Int
    private let height: Int, width: Int, outHeight: Int, outWidth: Int
    private let kernelHeight: Int, kernelWidth: Int
    private let strideHeight: Int, strideWidth: Int, dilationHeight: Int, dilationWidth: Int
    /// The crops before the first output row and column (negative: the output starts before the full output).
    private let padTop: Int, padLeft: Int
    /// Per group, `W_g^T`: `M_g k_h k_w` rows of `C_g` floats.
    private let packed: TensorStorage
    private let bias: Tensor?
    private let epilogue: (any Epilogue)?
    private let outputShape: [Int]
    /// `M_g k_h k_w`: the rows of the products of one group.
    private let productRows: Int
    /// Input rows per band.
    private let bandRows: Int

    /// Floats the products of one band may take.
    private static let bandBudget = 4 << 20

    init(_ op: ConvTranspose, input: [Int], output: [Int], epilogue: (any Epilogue)?) throws {
        let name = ConvTranspose.info.name
        let resolved = try op.resolve(input: Shape(input))
        let twoD = op.kernelSize.count == 2
        // A 1-D op runs as a 2-D one of height 1.
        func axis<T>(_ values: [T], _ flat: T) -> (T, T) { twoD ? (values[0], values[1]) : (flat, values[0]) }
        batch = input[0]
        channels = input[1]
        groups = op.groups
        channelsPerGroup = op.inputChannels / max(op.groups, 1)
        filtersPerGroup = op.kernel.shape[1]
        filters = op.filters
        (height, width) = axis(resolved.input, 1)
        (outHeight, outWidth) = axis(resolved.output, 1)
        (kernelHeight, kernelWidth) = axis(op.kernelSize, 1)
        (strideHeight, strideWidth) = axis(op.stride, 1)
        (dilationHeight, dilationWidth) = axis(op.dilation, 1)
        (padTop, padLeft) = axis(resolved.padBegin, 0)
        bias = op.bias
        self.epilogue = epilogue
        outputShape = output
        let taps = kernelHeight * kernelWidth
        productRows = try Checked.multiply(filtersPerGroup, taps, "\(name) products per input position")
        bandRows = max(1, min(height, Self.bandBudget / max(productRows * width, 1)))
        try BLAS.checkSizes([productRows, channelsPerGroup, height * width, bandRows * width], op: name)
        // W[g C_g + c, m, t] -> packed[g][(m taps + t) C_g + c].
        let weights = op.kernel.elements
        guard weights.count == op.kernel.count else {
            throw ZooError(.missingWeight, "\(name) needs its kernel's values to run. Received: kernel \(op.kernel.shape) declared without values.")
        }
        let (rows, perGroup) = (productRows, channelsPerGroup)
        packed = try TensorStorage(count: op.kernel.count) { out in
            for g in 0..<op.groups {
                for c in 0..<perGroup {
                    for row in 0..<rows {
                        out[(g * rows + row) * perGroup + c] = weights[((g * perGroup + c) * rows) + row]
                    }
                }
            }
        }
    }

    var algorithm: String { "sgemm (OpenBLAS) + col2im" }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let inputPlane = height * width, outputPlane = outHeight * outWidth
        let bandSize = try Checked.multiply(productRows, bandRows * width, "the \(ConvTranspose.info.name) band size")
        let block = try context.scratch(count: bandSize)
        let products = block.buffer
        return try context.tensor(shape: outputShape) { y in
            guard let xBase = x.baseAddress, let aBase = packed.buffer.baseAddress, let pBase = products.baseAddress, let yBase = y.baseAddress
            else { return }
            start(y, context: context)
            for n in 0..<batch {
                for g in 0..<groups {
                    var row = 0
                    while row < height {
                        let rows = min(bandRows, height - row)
                        let columns = rows * width
                        BLAS.parallelGemm(
                            m: productRows, n: columns, k: channelsPerGroup,
                            a: aBase + g * productRows * channelsPerGroup, lda: channelsPerGroup,
                            b: xBase + (n * channels + g * channelsPerGroup) * inputPlane + row * width, ldb: inputPlane,
                            c: pBase, ldc: columns, threads: context.threads)
                        let firstPlane = n * filters + g * filtersPerGroup
                        Parallel.forEach(filtersPerGroup, threads: context.threads) { range in
                            for m in range {
                                scatter(
                                    products: UnsafePointer(pBase + m * (kernelHeight * kernelWidth) * columns), columns: columns,
                                    firstRow: row, rows: rows, into: yBase + (firstPlane + m) * outputPlane)
                            }
                        }
                        row += rows
                    }
                }
            }
            finish(y, context: context)
            withExtendedLifetime(block) {}
        }
    }

    /// Adds one output channel's products (`k_h k_w` rows of `columns`, one row per tap, one
    /// column per input position of the band starting at input row `firstRow`) at their output
    /// positions `(y s_h + i d_h - p_top, x s_w + j d_w - p_left)` inside the output plane.
    @inline(__always)
    private func scatter(products: UnsafePointer<Float>, columns: Int, firstRow: Int, rows: Int, into plane: UnsafeMutablePointer<Float>) {
        for i in 0..<kernelHeight {
            for j in 0..<kernelWidth {
                let source = products + (i * kernelWidth + j) * columns
                let offset = j * dilationWidth - padLeft
                // Input columns x with 0 <= x s_w + offset < outWidth.
                let low = offset >= 0 ? 0 : (-offset + strideWidth - 1) / strideWidth
                let last = outWidth - 1 - offset
                let high = last < 0 ? 0 : min(width, last / strideWidth + 1)
                guard low < high else { continue }
                for r in 0..<rows {
                    let outRow = (firstRow + r) * strideHeight + i * dilationHeight - padTop
                    guard outRow >= 0, outRow < outHeight else { continue }
                    let from = source + r * width
                    let to = outRow * outWidth + offset
                    if strideWidth == 1 {
                        for k in low..<high { plane[to + k] += from[k] }
                    } else {
                        for k in low..<high { plane[to + k * strideWidth] += from[k] }
                    }
                }
            }
        }
    }

    /// Every output plane set to its channel's bias (or 0).
    private func start(_ y: UnsafeMutableBufferPointer<Float>, context: KernelContext) {
        let plane = outHeight * outWidth
        let biasValues = bias?.elements
        Parallel.forEach(batch * filters, threads: context.threads, grain: max(1, 4096 / max(plane, 1))) { planes in
            for index in planes {
                let value = biasValues.map { $0[index % filters] } ?? 0
                UnsafeMutableBufferPointer(rebasing: y[(index * plane)..<((index + 1) * plane)]).update(repeating: value)
            }
        }
    }

    /// Applies the fused activation, one output channel plane at a time.
    private func finish(_ y: UnsafeMutableBufferPointer<Float>, context: KernelContext) {
        guard let epilogue else { return }
        let plane = outHeight * outWidth
        Parallel.forEach(batch * filters, threads: context.threads, grain: max(1, 4096 / max(plane, 1))) { planes in
            for index in planes {
                epilogue.apply(UnsafeMutableBufferPointer(rebasing: y[(index * plane)..<((index + 1) * plane)]))
            }
        }
    }
}
