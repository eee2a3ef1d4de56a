import CZooKernels
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
/// output transform scatters `A^T M A` into the output. Both transforms run in CZooKernels, on
/// the machine's instruction set, 16 tiles at a time. F(4x4, 3x3) needs
/// 36 / (16 x 9) = 1/4 of the direct method's multiplications.
struct WinogradConvolution: Sendable {
    let geometry: WindowGeometry
    let filters: Int
    /// `U`: `a^2` matrices `[O, C]`, each packed for the matrix kernels.
    let transformedFilters: [PackedMatrix]
    let tilesHigh: Int, tilesWide: Int
    /// Tiles per band.
    let band: Int
    /// The plane as CZooKernels' transforms read it.
    let plane: zoo_kernels_winograd_plane
    let instructionSet: InstructionSet

    /// Floats the transformed input of one band may take (4 MiB; its products as many again for
    /// as many filters), so that a band's matrices stay in the last-level cache between the input
    /// transform, the 36 products and the output transform. Measured on one thread: with 16 MiB
    /// (the band and its products past the 32 MiB L3) VGG-16 took 97.5 ms and a 512 x 512 U-Net
    /// with 16-32 channels 150-160; with 1 to 8 MiB, 86-87 and 108-115. ResNet-50's layers fit
    /// one band either way.
    static let bandBudget = 1 << 20

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
        self.instructionSet = instructionSet
        // ConvKernel has checked every plane size against 32 bits.
        plane = zoo_kernels_winograd_plane(
            height: Int32(geometry.height), width: Int32(geometry.width), pad_top: Int32(geometry.padTop), pad_left: Int32(geometry.padLeft),
            out_h: Int32(geometry.outHeight), out_w: Int32(geometry.outWidth), tiles_wide: Int32(tilesWide))
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

    /// `V[ξ][c][t] = (B^T d B)[ξ]` for the tiles `firstTile ..< firstTile + count`, a channel
    /// plane per call to CZooKernels (``zoo_kernels_winograd_input``), the channels spread over
    /// the threads.
    private func transformInput(
        n: Int, firstTile: Int, count: Int, x: UnsafeBufferPointer<Float>, into v: UnsafeMutableBufferPointer<Float>, context: KernelContext
    ) {
        let g = geometry, channels = g.channels, band = band, isa = instructionSet.rawValue
        Parallel.forEach(channels, threads: context.threads) { range in
            guard let base = v.baseAddress, let xBase = x.baseAddress else { return }
            withUnsafePointer(to: plane) { plane in
                for c in range {
                    zoo_kernels_winograd_input(
                        isa, plane, xBase + (n * channels + c) * g.inputPlane, Int32(firstTile), Int32(count), base + c * band, channels * band)
                }
            }
        }
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

    /// `Y = A^T M A` for each filter and tile, clipped at the output's edges, a filter per call to
    /// CZooKernels (``zoo_kernels_winograd_output``), the filters spread over the threads.
    private func transformOutput(
        n: Int, firstTile: Int, count: Int, product: UnsafeMutableBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>,
        context: KernelContext
    ) {
        let g = geometry, filters = filters, band = band, isa = instructionSet.rawValue
        Parallel.forEach(filters, threads: context.threads) { range in
            guard let base = product.baseAddress, let yBase = y.baseAddress else { return }
            withUnsafePointer(to: plane) { plane in
                for o in range {
                    zoo_kernels_winograd_output(
                        isa, plane, base + o * band, filters * band, Int32(firstTile), Int32(count), yBase + (n * filters + o) * g.outputPlane)
                }
            }
        }
    }
}
