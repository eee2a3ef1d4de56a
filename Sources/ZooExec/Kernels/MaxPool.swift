import ZooCore

/// Max pooling: `Y[n, c, y, x] = max over the window's taps inside the input of X[n, c, ...]`;
/// padding never wins (it is not read), and a window entirely in the padding gives -infinity.
/// The maximum is taken without branches (`vmaxps`), so a NaN tap is not propagated reliably. Each output row starts at -infinity and takes, tap by tap, the
/// maximum with a strided run of an input row.
struct MaxPoolKernel: Kernel {
    private let geometry: WindowGeometry
    private let columns: [(low: Int, high: Int, offset: Int)]
    private let outputShape: [Int]

    init(_ pool: MaxPool, input: [Int], output: [Int]) throws {
        geometry = try WindowGeometry(pool.window, input: input, op: MaxPool.info.name)
        columns = geometry.columnRanges
        outputShape = output
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let g = geometry, columns = columns
        return try context.tensor(shape: outputShape) { y in
            Parallel.forEach(g.batch * g.channels, threads: context.threads) { planes in
                for plane in planes {
                    let input = plane * g.inputPlane
                    for row in 0..<g.outHeight {
                        let out = plane * g.outputPlane + row * g.outWidth
                        for k in 0..<g.outWidth { y[out + k] = -.infinity }
                        for i in g.rowTaps(row) {
                            let source = input + (row * g.strideHeight + i * g.dilationHeight - g.padTop) * g.width
                            for (low, high, offset) in columns {
                                let start = source + offset
                                if g.strideWidth == 1 {
                                    for k in low..<high { y[out + k] = Self.maximum(y[out + k], x[start + k]) }
                                } else {
                                    for k in low..<high { y[out + k] = Self.maximum(y[out + k], x[start + k * g.strideWidth]) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `max(best, value)`, branch-free.
    @inline(__always)
    static func maximum(_ best: Float, _ value: Float) -> Float {
        value > best ? value : best
    }
}
