import CZooKernels
import ZooCore

/// A weight matrix `A` (`rows x depth`, row-major) packed once, at load, into the panels
/// CZooKernels' micro-kernel reads, and its products `C = f(A B + bias)` with `f` a
/// ``StoredActivation`` applied as each tile is stored.
///
/// `B` (`depth x columns`) is never packed ahead: each tile packs the part it needs, straight
/// from the input (a plain matrix, or a convolution's taps: the im2col matrix is never
/// materialized). The output is cut into tiles of whole micro-tiles spread over the threads;
/// every element's sum runs in the same order whatever the tiles (blocks of 256 of `depth` in
/// order, each a chain of multiply-adds, fused where the instruction set has FMA), so results do not depend on the thread count.
struct PackedMatrix: Sendable {
    let isa: InstructionSet
    let rows: Int
    let depth: Int
    private let packed: TensorStorage

    /// Output columns per tile, at most: a packed block of B (256 deep) takes at most a quarter
    /// of a core's L2, beside the block of A the tile multiplies it by (256 columns, 256 KiB, on
    /// an L2 of 1 MiB or more, or one the system does not report; 128 on Zen 3's 512 KiB, where
    /// MobileNet v1's 14 x 14 1x1 convolutions took 1.75 ms at one thread against 2.0 at 256).
    static let columnTile: Int = {
        let quarter = zoo_kernels_l2_bytes() / 4, perColumn = Int(ZOO_KERNELS_DEPTH_BLOCK) * MemoryLayout<Float>.size
        guard quarter > 0 else { return 256 }
        return quarter / perColumn >= 256 ? 256 : quarter / perColumn >= 128 ? 128 : 64
    }()

    /// Packs `rows x depth` values of `matrix` (leading dimension `leading`).
    init(_ matrix: UnsafePointer<Float>, rows: Int, depth: Int, leading: Int, instructionSet isa: InstructionSet) throws {
        try BLAS.checkSizes([rows, depth, leading], op: "a packed matrix")
        self.isa = isa
        self.rows = rows
        self.depth = depth
        let count = zoo_kernels_packed_a_count(isa.rawValue, Int32(rows), Int32(depth))
        packed = try TensorStorage(count: count) { buffer in
            guard let base = buffer.baseAddress else { return }
            zoo_kernels_pack_a(isa.rawValue, Int32(rows), Int32(depth), matrix, Int32(leading), base)
        }
    }

    /// How the output of `columns` columns is cut into tiles of whole micro-tiles: row bands
    /// (of micro-tile panels) and column bands (of strips), each band's share as even as whole
    /// micro-tiles allow (band `b` of `n` over `u` units takes `b u / n ..< (b + 1) u / n`), so
    /// that every thread gets about the same work. Columns are cut into bands of at most about
    /// ``columnTile`` (a packed block of B stays in L2), as many as a multiple of the threads,
    /// and at least one a thread where each gets two strips and A is no larger than B (at most
    /// as many rows as columns: each thread reads all of A but only its own columns of B, with
    /// no pass to pack B shared first; MobileNet v2's 14 x 14 projections, 64 rows and 196
    /// columns, took 0.031 ms at two threads in row bands against 0.045 at one); rows only
    /// when there are fewer column bands than threads (B is then packed once, its blocks of
    /// depth spread over the threads, for every row band to read).
    private func tiling(columns: Int, threads: Int) -> Tiling {
        let nr = isa.microColumns, mr = isa.microRows
        let threads = max(threads, 1)
        let strips = max(1, (columns + nr - 1) / nr), panels = max(1, (rows + mr - 1) / mr)
        var columnBands = max(1, (columns + Self.columnTile - 1) / Self.columnTile)
        if columnBands < threads, strips >= 2 * threads, rows <= columns { columnBands = threads }
        if columnBands > 1 { columnBands = (columnBands + threads - 1) / threads * threads }
        columnBands = min(columnBands, strips)
        let rowBands = threads == 1 ? 1 : min(panels, max(1, (threads + columnBands - 1) / columnBands))
        return Tiling(rows: rows, columns: columns, mr: mr, nr: nr, panels: panels, strips: strips, rowBands: rowBands, columnBands: columnBands)
    }

    /// The tiles of a product: tile `t` is row band `t % rowBands` and column band `t / rowBands`.
    private struct Tiling {
        let rows: Int, columns: Int, mr: Int, nr: Int, panels: Int, strips: Int, rowBands: Int, columnBands: Int
        var count: Int { rowBands * columnBands }
        /// The widest column band's columns (what one tile's packed B holds).
        var tileColumns: Int { (strips + columnBands - 1) / columnBands * nr }

        /// Tile `t`'s first row and column and its rows and columns.
        func tile(_ t: Int) -> (m0: Int, n0: Int, height: Int, width: Int) {
            let r = t % rowBands, b = t / rowBands
            let m0 = r * panels / rowBands * mr, m1 = min(rows, (r + 1) * panels / rowBands * mr)
            let n0 = b * strips / columnBands * nr, n1 = min(columns, (b + 1) * strips / columnBands * nr)
            return (m0, n0, m1 - m0, n1 - n0)
        }
    }

    /// The threads a product of `columns` columns is spread over: one under about a million
    /// multiply-adds, where waking another thread costs more than it saves, unless A alone is a
    /// MiB or more (a matrix-vector product, as a classifier on a 1 x 1 plane: reading A is the
    /// cost, and each thread reads its own rows).
    private func threadCount(columns: Int, offered threads: Int) -> Int {
        let weights = Double(rows) * Double(depth)
        return weights * Double(columns) < 1_048_576 && weights < 262_144 ? 1 : max(threads, 1)
    }

    /// Floats of scratch ``multiply(_:columns:into:leading:bias:residual:activation:threads:scratch:)`` needs:
    /// a block of B per thread, or, when the rows are cut into bands, every column band's whole
    /// packed B (``sharedPackCount(_:)``).
    func scratchCount(columns: Int, threads offered: Int) -> Int {
        let threads = threadCount(columns: columns, offered: offered)
        let tiling = tiling(columns: columns, threads: threads)
        if tiling.rowBands > 1 { return sharedPackCount(tiling) }
        return Int(zoo_kernels_scratch_count(isa.rawValue, Int32(tiling.tileColumns))) * threads
    }

    /// Floats of B packed once for every row band (each column band's `depth x tileColumns`).
    private func sharedPackCount(_ tiling: Tiling) -> Int { tiling.columnBands * depth * tiling.tileColumns }

    /// `C = f(A B + bias + R)` into `c` (`rows x columns`, leading dimension `leading`) for `B`
    /// read from `source`, `f` being `activation`; `bias` holds `rows` values or is nil, and
    /// `residual` (`R`, laid out as `C`) is a residual sum or nil. `scratch` holds
    /// ``scratchCount(columns:threads:)`` floats.
    func multiply(
        _ source: zoo_kernels_b_source, columns: Int, into c: UnsafeMutablePointer<Float>, leading: Int, bias: UnsafePointer<Float>?,
        residual: UnsafePointer<Float>? = nil, activation: StoredActivation = .none, threads offered: Int, scratch: UnsafeMutablePointer<Float>
    ) {
        guard rows > 0, columns > 0 else { return }
        let threads = threadCount(columns: columns, offered: offered)
        let tiling = tiling(columns: columns, threads: threads)
        let packedBase = packed.buffer.baseAddress
        if tiling.rowBands > 1 {
            // Row bands would each pack the same B: its blocks of depth are packed once, spread
            // over the threads, then every tile reads them (the same arithmetic, the same bits).
            let band = depth * tiling.tileColumns, blocks = (depth + Int(ZOO_KERNELS_DEPTH_BLOCK) - 1) / Int(ZOO_KERNELS_DEPTH_BLOCK)
            Parallel.forEach(tiling.columnBands * blocks, threads: threads) { range in
                var source = source
                for item in range {
                    let (_, n0, _, width) = tiling.tile(item / blocks * tiling.rowBands)
                    guard width > 0 else { continue }
                    zoo_kernels_pack_b(
                        isa.rawValue, &source, Int32(depth), Int32(item % blocks * Int(ZOO_KERNELS_DEPTH_BLOCK)), Int32(n0), Int32(width),
                        scratch + item / blocks * band)
                }
            }
            Parallel.forEach(tiling.count, threads: threads) { range in
                for tile in range {
                    let (m0, n0, height, width) = tiling.tile(tile)
                    guard height > 0, width > 0 else { continue }
                    zoo_kernels_gemm_tile_packed(
                        isa.rawValue, Int32(rows), Int32(depth), packedBase, Int32(m0), Int32(height), scratch + tile / tiling.rowBands * band,
                        Int32(width), c + m0 * leading + n0, Int32(leading), bias, residual.map { $0 + m0 * leading + n0 }, activation.low,
                        activation.high, Int32(activation.function.rawValue))
                }
            }
            return
        }
        let perThread = Int(zoo_kernels_scratch_count(isa.rawValue, Int32(tiling.tileColumns)))
        Parallel.forEachChunk(tiling.count, threads: threads) { range, chunk in
            var source = source
            for tile in range {
                let (m0, n0, height, width) = tiling.tile(tile)
                guard height > 0, width > 0 else { continue }
                zoo_kernels_gemm_tile(
                    isa.rawValue, Int32(rows), Int32(depth), packedBase, Int32(m0), Int32(height), &source, Int32(n0), Int32(width),
                    c + m0 * leading + n0, Int32(leading), bias, residual.map { $0 + m0 * leading + n0 }, activation.low, activation.high,
                    Int32(activation.function.rawValue),
                    scratch + chunk * perThread)
            }
        }
    }
}

extension zoo_kernels_b_source {
    /// A plain row-major matrix `B[k][n] = data[k leading + n]`, each row `k` times
    /// `rowScale[k]` when given (as a separate multiply would round it).
    static func matrix(_ data: UnsafePointer<Float>, leading: Int, rowScale: UnsafePointer<Float>? = nil) -> zoo_kernels_b_source {
        var source = zoo_kernels_b_source()
        source.data = data
        source.ld = Int32(leading)
        source.row_scale = rowScale
        return source
    }

    /// The im2col matrix of one image's channels at `data` under `geometry`'s window, whose
    /// padded plane the caller has checked to fit 32 bits twice over. A stride or dilation
    /// larger than the padded size (a file's value) is clamped to it: a stride matters only
    /// between two outputs and a dilation only between two taps, both inside the padded plane.
    static func convolution(_ data: UnsafePointer<Float>, geometry g: WindowGeometry) -> zoo_kernels_b_source {
        let paddedHeight = g.height + g.padTop + g.padBottom, paddedWidth = g.width + g.padLeft + g.padRight
        return zoo_kernels_b_source(
            data: data, ld: 0, height: Int32(g.height), width: Int32(g.width), kernel_h: Int32(g.kernelHeight), kernel_w: Int32(g.kernelWidth),
            stride_h: Int32(min(g.strideHeight, paddedHeight)), stride_w: Int32(min(g.strideWidth, paddedWidth)),
            dilation_h: Int32(min(g.dilationHeight, paddedHeight)), dilation_w: Int32(min(g.dilationWidth, paddedWidth)),
            pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft), out_w: Int32(g.outWidth), row_scale: nil)
    }
}
