import Foundation
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
/// the products `M[ξ] = U[ξ] V[ξ]` (`[O, C] x [C, tiles]`) are 36 products by zoo's own kernels
/// (each `U[ξ]` packed at load, ``PackedMatrix``), spread over the threads by `ξ`, and the
/// output transform scatters `A^T M A` into the output. F(4x4, 3x3) needs
/// 36 / (16 x 9) = 1/4 of the direct method's multiplications.
struct WinogradConvolution: Sendable {
    let geometry: WindowGeometry
    let filters: Int
    /// `U`: `a^2` matrices `[O, C]`, each packed for the matrix kernels.
    let transformedFilters: [PackedMatrix]
    let tilesHigh: Int, tilesWide: Int
    /// Tiles per band.
    let band: Int

    /// Floats the transformed input of one band may take.
    static let bandBudget = 4 << 20

    /// The fewest 4x4 output tiles per image for which the transforms pay off: with fewer, the 36
    /// products have too few columns for `sgemm` to run near its peak, and reading the 36
    /// transformed filter matrices costs more than the multiplications saved. Measured on one
    /// thread: VGG-16's 28x28 layers take 18 ms instead of 43 and its 14x14 ones gain too,
    /// ResNet-50's 14x14 layers (16 tiles) break even, its 7x7 ones (4 tiles) take twice as long.
    static let minimumTiles = 16
    /// The fewest input channels for which the transforms pay off (VGG-16's first layer, with 3,
    /// is faster as im2col + `sgemm`).
    static let minimumChannels = 16

    /// Whether `conv` on `geometry` is a case this algorithm computes, and worth it.
    static func applies(to conv: Conv, geometry: WindowGeometry) -> Bool {
        geometry.kernelHeight == 3 && geometry.kernelWidth == 3 && geometry.strideHeight == 1 && geometry.strideWidth == 1
            && geometry.dilationHeight == 1 && geometry.dilationWidth == 1 && conv.groups == 1 && geometry.height > 1
            && ((geometry.outHeight + 3) / 4) * ((geometry.outWidth + 3) / 4) >= minimumTiles && geometry.channels >= minimumChannels
    }

    init(_ conv: Conv, geometry: WindowGeometry, instructionSet: InstructionSet) throws {
        self.geometry = geometry
        filters = conv.filters
        let channels = geometry.channels, a = 6, m = 4
        tilesHigh = (geometry.outHeight + m - 1) / m
        tilesWide = (geometry.outWidth + m - 1) / m
        let tiles = tilesHigh * tilesWide
        band = max(1, min(tiles, Self.bandBudget / max(36 * channels, 1)))
        let kernel = conv.kernel.elements
        let filters = filters
        let count = try Checked.product([a * a, filters, channels], "the Winograd filter size")
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let transformed = try TensorStorage(count: count) { u in
            guard let base = u.baseAddress, let kernelBase = kernel.baseAddress else { return }
            Parallel.forEach(filters, threads: threads) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 18) { temp in
                    guard let gt = temp.baseAddress else { return }
                    for o in range {
                        for c in 0..<channels {
                            let g = kernelBase + (o * channels + c) * 9
                            // G g (6 x 3), column by column, then (G g) G^T (6 x 6), row by row.
                            for j in 0..<3 { Self.filterRows(g + j, stride: 3, into: gt + j, stride: 3) }
                            for i in 0..<6 { Self.filterRows(gt + i * 3, stride: 1, into: base + (i * 6 * filters + o) * channels + c, stride: filters * channels) }
                        }
                    }
                }
            }
        }
        try BLAS.checkSizes([filters, channels, band], op: Conv.info.name)
        guard let u = transformed.buffer.baseAddress else {
            throw ZooError(.invalidGraph, "A Winograd convolution needs filters. Received: none.")
        }
        transformedFilters = try (0..<(a * a)).map { xi in
            try PackedMatrix(u + xi * filters * channels, rows: filters, depth: channels, leading: channels, instructionSet: instructionSet)
        }
    }

    /// The transformed input and the products of one band, and the matrix kernels' packing
    /// space for each thread.
    struct Scratch {
        let input: PooledBlock
        let products: PooledBlock
        let packing: PooledBlock
    }

    /// Floats of packing space one thread's products need.
    private var packingPerThread: Int { transformedFilters[0].scratchCount(columns: band, threads: 1) }

    /// Scratch memory for ``run(n:x:y:scratch:context:)``.
    func scratch(_ context: KernelContext) throws -> Scratch {
        let area = 36
        return Scratch(
            input: try context.scratch(count: try Checked.product([area, geometry.channels, band], "the Winograd band size")),
            products: try context.scratch(count: try Checked.product([area, filters, band], "the Winograd band size")),
            packing: try context.scratch(count: try Checked.multiply(packingPerThread, min(context.threads, area), "the Winograd packing space")))
    }

    /// Computes image `n` of the convolution (without bias) into `y`.
    func run(n: Int, x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>, scratch: Scratch, context: KernelContext) {
        let tiles = tilesHigh * tilesWide
        let v = scratch.input.buffer, product = scratch.products.buffer
        var first = 0
        while first < tiles {
            let count = min(band, tiles - first)
            transformInput(n: n, firstTile: first, count: count, x: x, into: v, context: context)
            multiply(count: count, v: v, into: product, packing: scratch.packing.buffer, threads: context.threads)
            transformOutput(n: n, firstTile: first, count: count, product: product, y: y, context: context)
            first += count
        }
    }

    /// `V[ξ][c][t] = (B^T d B)[ξ]` for the tiles `firstTile ..< firstTile + count`, 16 tiles at a
    /// time: lane `l` of each vector is tile `t + l`, so the transform is vector arithmetic and
    /// the results are stored as whole vectors (`t` is contiguous in `V`).
    private func transformInput(
        n: Int, firstTile: Int, count: Int, x: UnsafeBufferPointer<Float>, into v: UnsafeMutableBufferPointer<Float>, context: KernelContext
    ) {
        let g = geometry, channels = g.channels, band = band, tilesWide = tilesWide
        Parallel.forEach(channels, threads: context.threads) { range in
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 72) { scratch in
                guard let d = scratch.baseAddress, let base = v.baseAddress, let xBase = x.baseAddress else { return }
                let temp = d + 36
                let lanes = UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self)
                for c in range {
                    let plane = xBase + (n * channels + c) * g.inputPlane
                    var t = 0
                    while t < count {
                        let width = min(16, count - t)
                        for l in 0..<16 {
                            let tile = firstTile + t + min(l, width - 1)
                            let top = (tile / tilesWide) * 4 - g.padTop, left = (tile % tilesWide) * 4 - g.padLeft
                            let interior = top >= 0 && left >= 0 && top + 6 <= g.height && left + 6 <= g.width
                            for i in 0..<6 {
                                let row = top + i
                                for j in 0..<6 {
                                    let column = left + j
                                    lanes[(i * 6 + j) * 16 + l] = interior || (row >= 0 && row < g.height && column >= 0 && column < g.width)
                                        ? plane[row * g.width + column] : 0
                                }
                            }
                        }
                        for j in 0..<6 { Self.inputRows(d + j, stride: 6, into: temp + j, stride: 6) }
                        // Each row is read whole before it is overwritten.
                        for i in 0..<6 { Self.inputRows(temp + i * 6, stride: 1, into: temp + i * 6, stride: 1) }
                        for xi in 0..<36 {
                            let destination = base + (xi * channels + c) * band + t
                            if width == 16 {
                                UnsafeMutableRawPointer(destination).storeBytes(of: temp[xi], as: SIMD16<Float>.self)
                            } else {
                                for l in 0..<width { destination[l] = temp[xi][l] }
                            }
                        }
                        t += width
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
    private static func inputRows(
        _ z: UnsafeMutablePointer<SIMD16<Float>>, stride s: Int, into r: UnsafeMutablePointer<SIMD16<Float>>, stride rs: Int
    ) {
        let z0 = z[0], z1 = z[s], z2 = z[2 * s], z3 = z[3 * s], z4 = z[4 * s], z5 = z[5 * s]
        r[0] = 4 * z0 - 5 * z2 + z4
        r[rs] = -4 * (z1 + z2) + z3 + z4
        r[2 * rs] = 4 * (z1 - z2) - z3 + z4
        r[3 * rs] = 2 * (z3 - z1) - z2 + z4
        r[4 * rs] = 2 * (z1 - z3) - z2 + z4
        r[5 * rs] = 4 * z1 - 5 * z3 + z5
    }

    /// `G z` for one column `z` of three filter taps:
    ///
    ///     G = [  1/4     0     0  ]
    ///         [ -1/6  -1/6  -1/6  ]
    ///         [ -1/6   1/6  -1/6  ]
    ///         [ 1/24  1/12   1/6  ]
    ///         [ 1/24 -1/12   1/6  ]
    ///         [    0     0     1  ]
    @inline(__always)
    private static func filterRows(_ z: UnsafePointer<Float>, stride s: Int, into r: UnsafeMutablePointer<Float>, stride rs: Int) {
        let z0 = z[0], z1 = z[s], z2 = z[2 * s]
        r[0] = z0 / 4
        r[rs] = -(z0 + z1 + z2) / 6
        r[2 * rs] = -(z0 - z1 + z2) / 6
        r[3 * rs] = z0 / 24 + z1 / 12 + z2 / 6
        r[4 * rs] = z0 / 24 - z1 / 12 + z2 / 6
        r[5 * rs] = z2
    }

    /// `M[ξ] = U[ξ] V[ξ]`: `a^2` products `[O, C] x [C, count]`.
    private func multiply(
        count: Int, v: UnsafeMutableBufferPointer<Float>, into product: UnsafeMutableBufferPointer<Float>,
        packing: UnsafeMutableBufferPointer<Float>, threads: Int
    ) {
        let channels = geometry.channels, filters = filters, band = band, perThread = packingPerThread
        guard let vBase = v.baseAddress, let pBase = product.baseAddress, let packingBase = packing.baseAddress else { return }
        Parallel.forEachChunk(36, threads: threads) { range, chunk in
            for xi in range {
                transformedFilters[xi].multiply(
                    .matrix(vBase + xi * channels * band, leading: band), columns: count, into: pBase + xi * filters * band, leading: band,
                    bias: nil, threads: 1, scratch: packingBase + chunk * perThread)
            }
        }
    }

    /// `Y = A^T M A` for each filter and tile, 16 tiles at a time (lane `l` is tile `t + l`),
    /// clipped at the output's edges.
    private func transformOutput(
        n: Int, firstTile: Int, count: Int, product: UnsafeMutableBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>,
        context: KernelContext
    ) {
        let g = geometry, filters = filters, band = band, tilesWide = tilesWide
        Parallel.forEach(filters, threads: context.threads) { range in
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 36 + 24 + 16) { scratch in
                guard let m = scratch.baseAddress, let base = product.baseAddress, let yBase = y.baseAddress else { return }
                let temp = m + 36, result = temp + 24
                let lanes = UnsafeMutableRawPointer(result).assumingMemoryBound(to: Float.self)
                for o in range {
                    let plane = yBase + (n * filters + o) * g.outputPlane
                    var t = 0
                    while t < count {
                        let width = min(16, count - t)
                        for xi in 0..<36 {
                            let source = base + (xi * filters + o) * band + t
                            if width == 16 {
                                m[xi] = UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self)
                            } else {
                                var vector = SIMD16<Float>(repeating: 0)
                                for l in 0..<width { vector[l] = source[l] }
                                m[xi] = vector
                            }
                        }
                        // A^T M, column by column (4 x 6), then (A^T M) A, row by row (4 x 4).
                        for j in 0..<6 { Self.outputRows(m + j, stride: 6, into: temp + j, stride: 6) }
                        for i in 0..<4 { Self.outputRows(temp + i * 6, stride: 1, into: result + i * 4, stride: 1) }
                        for l in 0..<width {
                            let index = firstTile + t + l
                            let top = (index / tilesWide) * 4, left = (index % tilesWide) * 4
                            let rows = min(4, g.outHeight - top), columns = min(4, g.outWidth - left)
                            for i in 0..<rows {
                                let row = plane + (top + i) * g.outWidth + left
                                for j in 0..<columns { row[j] = lanes[(i * 4 + j) * 16 + l] }
                            }
                        }
                        t += width
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
    private static func outputRows(_ z: UnsafeMutablePointer<SIMD16<Float>>, stride s: Int, into r: UnsafeMutablePointer<SIMD16<Float>>, stride rs: Int) {
        let z0 = z[0], z1 = z[s], z2 = z[2 * s], z3 = z[3 * s], z4 = z[4 * s], z5 = z[5 * s]
        let sum12 = z1 + z2, difference12 = z1 - z2, sum34 = z3 + z4, difference34 = z3 - z4
        r[0] = z0 + sum12 + sum34
        r[rs] = difference12 + 2 * difference34
        r[2 * rs] = sum12 + 4 * sum34
        r[3 * rs] = difference12 + 8 * difference34 + z5
    }
}
