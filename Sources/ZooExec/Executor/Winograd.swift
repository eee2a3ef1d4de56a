import ZooCore

/// Winograd's minimal filtering F(4x4, 3x3) for 3x3 convolutions with stride 1, dilation 1 and
/// one group (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016; points
/// 0, ±1, ±2).
///
/// Each output tile of `4 x 4` is computed from an input tile of `6 x 6` as
///
///     Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A
///
/// summed over input channels. The filter transform `U = G g G^T` is done once, at load; per
/// band of tiles the input transform `V = B^T d B` is gathered into 36 matrices `[C, tiles]`,
/// the products `M[ξ] = U[ξ] V[ξ]` (`[O, C] x [C, tiles]`) are 36 `sgemm` calls, and the output transform scatters `A^T M A` into the output. F(4x4, 3x3) needs
/// 36 / (16 x 9) = 1/4 of the direct method's multiplications.
struct WinogradConvolution: Sendable {
    /// `G`, 6 x 3, row-major: the filter transform `U = G g G^T`.
    static let filterTransform: [Float] = [
        1.0 / 4, 0, 0,
        -1.0 / 6, -1.0 / 6, -1.0 / 6,
        -1.0 / 6, 1.0 / 6, -1.0 / 6,
        1.0 / 24, 1.0 / 12, 1.0 / 6,
        1.0 / 24, -1.0 / 12, 1.0 / 6,
        0, 0, 1,
    ]

    let geometry: WindowGeometry
    let filters: Int
    /// `U`: `a^2` matrices `[O, C]`, stored one after the other.
    let transformedFilters: TensorStorage
    let tilesHigh: Int, tilesWide: Int
    /// Tiles per band.
    let band: Int

    /// Floats the transformed input of one band may take.
    static let bandBudget = 4 << 20

    /// The fewest 4x4 output tiles per image for which the transforms pay off: with fewer, the 36
    /// products have too few columns for `sgemm` to run near its peak, and reading the 36
    /// transformed filter matrices costs more than the multiplications saved (measured on
    /// ResNet-50: its 28x28 and smaller 3x3 layers are faster as im2col + `sgemm`).
    static let minimumTiles = 100
    /// The fewest input channels for which the transforms pay off (VGG-16's first layer, with 3,
    /// is faster as im2col + `sgemm`).
    static let minimumChannels = 16

    /// Whether `conv` on `geometry` is a case this algorithm computes, and worth it.
    static func applies(to conv: Conv, geometry: WindowGeometry) -> Bool {
        geometry.kernelHeight == 3 && geometry.kernelWidth == 3 && geometry.strideHeight == 1 && geometry.strideWidth == 1
            && geometry.dilationHeight == 1 && geometry.dilationWidth == 1 && conv.groups == 1 && geometry.height > 1
            && ((geometry.outHeight + 3) / 4) * ((geometry.outWidth + 3) / 4) >= minimumTiles && geometry.channels >= minimumChannels
    }

    init(_ conv: Conv, geometry: WindowGeometry) throws {
        self.geometry = geometry
        filters = conv.filters
        let channels = geometry.channels, a = 6, m = 4
        let transform = Self.filterTransform
        tilesHigh = (geometry.outHeight + m - 1) / m
        tilesWide = (geometry.outWidth + m - 1) / m
        let tiles = tilesHigh * tilesWide
        band = max(1, min(tiles, Self.bandBudget / max(36 * channels, 1)))
        let kernel = conv.kernel.elements
        let filters = filters
        let count = try Checked.product([a * a, filters, channels], "the Winograd filter size")
        transformedFilters = try TensorStorage(count: count) { u in
            var g = [Float](repeating: 0, count: 9), gt = [Float](repeating: 0, count: 3 * a)
            for o in 0..<filters {
                for c in 0..<channels {
                    for k in 0..<9 { g[k] = kernel[(o * channels + c) * 9 + k] }
                    // G g: a x 3
                    for i in 0..<a {
                        for j in 0..<3 {
                            var sum: Float = 0
                            for k in 0..<3 { sum += transform[i * 3 + k] * g[k * 3 + j] }
                            gt[i * 3 + j] = sum
                        }
                    }
                    // (G g) G^T: a x a
                    for i in 0..<a {
                        for j in 0..<a {
                            var sum: Float = 0
                            for k in 0..<3 { sum += gt[i * 3 + k] * transform[j * 3 + k] }
                            u[((i * a + j) * filters + o) * channels + c] = sum
                        }
                    }
                }
            }
        }
        try BLAS.checkSizes([filters, channels, band], op: Conv.info.name)
    }

    /// The transformed input and the products of one band.
    struct Scratch {
        let input: PooledBlock
        let products: PooledBlock
    }

    /// Scratch memory for ``run(n:x:y:scratch:context:)``.
    func scratch(_ context: KernelContext) throws -> Scratch {
        let area = 36
        return Scratch(
            input: try context.scratch(count: try Checked.product([area, geometry.channels, band], "the Winograd band size")),
            products: try context.scratch(count: try Checked.product([area, filters, band], "the Winograd band size")))
    }

    /// Computes image `n` of the convolution (without bias) into `y`.
    func run(n: Int, x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>, scratch: Scratch, context: KernelContext) {
        let tiles = tilesHigh * tilesWide
        let v = scratch.input.buffer, product = scratch.products.buffer
        var first = 0
        while first < tiles {
            let count = min(band, tiles - first)
            transformInput(n: n, firstTile: first, count: count, x: x, into: v, context: context)
            multiply(count: count, v: v, into: product, threads: context.threads)
            transformOutput(n: n, firstTile: first, count: count, product: product, y: y, context: context)
            first += count
        }
    }

    /// `V[ξ][c][t] = (B^T d B)[ξ]` for the tiles `firstTile ..< firstTile + count`.
    private func transformInput(
        n: Int, firstTile: Int, count: Int, x: UnsafeBufferPointer<Float>, into v: UnsafeMutableBufferPointer<Float>, context: KernelContext
    ) {
        let g = geometry, channels = g.channels, band = band, tilesWide = tilesWide
        Parallel.forEach(channels, threads: context.threads) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 72) { scratch in
                guard let d = scratch.baseAddress, let base = v.baseAddress else { return }
                let temp = d + 36
                for c in range {
                    let plane = (n * channels + c) * g.inputPlane
                    let output = base + c * band
                    for t in 0..<count {
                        let tile = firstTile + t
                        let top = (tile / tilesWide) * 4 - g.padTop, left = (tile % tilesWide) * 4 - g.padLeft
                        if top >= 0, left >= 0, top + 6 <= g.height, left + 6 <= g.width {
                            for i in 0..<6 {
                                let row = plane + (top + i) * g.width + left
                                for j in 0..<6 { d[i * 6 + j] = x[row + j] }
                            }
                        } else {
                            for i in 0..<6 {
                                let row = top + i
                                for j in 0..<6 {
                                    let column = left + j
                                    d[i * 6 + j] = row >= 0 && row < g.height && column >= 0 && column < g.width
                                        ? x[plane + row * g.width + column] : 0
                                }
                            }
                        }
                        // B^T d, column by column, then (B^T d) B, row by row.
                        for j in 0..<6 { Self.inputRows(d + j, stride: 6, into: temp + j, stride: 6) }
                        for i in 0..<6 { Self.inputRows(temp + i * 6, stride: 1, into: output + i * 6 * channels * band + t, stride: channels * band) }
                    }
                }
            }
        }
    }

    /// `B^T z` for one column `z` of six values (F(4x4, 3x3), points 0, ±1, ±2):
    ///
    ///     B^T = [ 4  0 -5  0  1  0 ]
    ///           [ 0 -4 -4  1  1  0 ]
    ///           [ 0  4 -4 -1  1  0 ]
    ///           [ 0 -2 -1  2  1  0 ]
    ///           [ 0  2 -1 -2  1  0 ]
    ///           [ 0  4  0 -5  0  1 ]
    @inline(__always)
    private static func inputRows(_ z: UnsafePointer<Float>, stride s: Int, into r: UnsafeMutablePointer<Float>, stride rs: Int) {
        let z0 = z[0], z1 = z[s], z2 = z[2 * s], z3 = z[3 * s], z4 = z[4 * s], z5 = z[5 * s]
        r[0] = 4 * z0 - 5 * z2 + z4
        r[rs] = -4 * (z1 + z2) + z3 + z4
        r[2 * rs] = 4 * (z1 - z2) - z3 + z4
        r[3 * rs] = 2 * (z3 - z1) - z2 + z4
        r[4 * rs] = 2 * (z1 - z3) - z2 + z4
        r[5 * rs] = 4 * z1 - 5 * z3 + z5
    }

    /// `M[ξ] = U[ξ] V[ξ]`: `a^2` products `[O, C] x [C, count]`.
    private func multiply(count: Int, v: UnsafeMutableBufferPointer<Float>, into product: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let channels = geometry.channels, filters = filters, band = band
        guard let u = transformedFilters.buffer.baseAddress, let vBase = v.baseAddress, let pBase = product.baseAddress else { return }
        Parallel.forEach(36, threads: threads) { range in
            for xi in range {
                BLAS.gemm(
                    m: filters, n: count, k: channels,
                    a: u + xi * filters * channels, lda: channels,
                    b: vBase + xi * channels * band, ldb: band,
                    c: pBase + xi * filters * band, ldc: band)
            }
        }
    }

    /// `Y = A^T M A` for each filter and tile, clipped at the output's edges.
    private func transformOutput(
        n: Int, firstTile: Int, count: Int, product: UnsafeMutableBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>,
        context: KernelContext
    ) {
        let g = geometry, filters = filters, band = band, tilesWide = tilesWide
        Parallel.forEach(filters, threads: context.threads) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 24 + 16) { scratch in
                guard let temp = scratch.baseAddress, let base = product.baseAddress else { return }
                let result = temp + 24
                for o in range {
                    let plane = (n * filters + o) * g.outputPlane
                    let source = base + o * band
                    let step = filters * band
                    for t in 0..<count {
                        // A^T M, column by column (4 x 6), then (A^T M) A, row by row (4 x 4).
                        for j in 0..<6 { Self.outputRows(source + j * step + t, stride: 6 * step, into: temp + j, stride: 6) }
                        for i in 0..<4 { Self.outputRows(temp + i * 6, stride: 1, into: result + i * 4, stride: 1) }
                        let index = firstTile + t
                        let top = (index / tilesWide) * 4, left = (index % tilesWide) * 4
                        let rows = min(4, g.outHeight - top), columns = min(4, g.outWidth - left)
                        for i in 0..<rows {
                            let row = plane + (top + i) * g.outWidth + left
                            for j in 0..<columns { y[row + j] = result[i * 4 + j] }
                        }
                    }
                }
            }
        }
    }

    /// `A^T z` for one column `z` of six values:
    ///
    ///     A^T = [ 1  1  1  1  1  0 ]
    ///           [ 0  1 -1  2 -2  0 ]
    ///           [ 0  1  1  4  4  0 ]
    ///           [ 0  1 -1  8 -8  1 ]
    @inline(__always)
    private static func outputRows(_ z: UnsafePointer<Float>, stride s: Int, into r: UnsafeMutablePointer<Float>, stride rs: Int) {
        let z0 = z[0], z1 = z[s], z2 = z[2 * s], z3 = z[3 * s], z4 = z[4 * s], z5 = z[5 * s]
        let sum12 = z1 + z2, difference12 = z1 - z2, sum34 = z3 + z4, difference34 = z3 - z4
        r[0] = z0 + sum12 + sum34
        r[rs] = difference12 + 2 * difference34
        r[2 * rs] = sum12 + 4 * sum34
        r[3 * rs] = difference12 + 8 * difference34 + z5
    }
}
