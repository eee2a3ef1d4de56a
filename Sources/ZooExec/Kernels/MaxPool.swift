import ZooCore

/// Max pooling: `Y[n, c, y, x] = max over the window's taps inside the input of X[n, c, ...]`;
/// padding never wins (it is not read), and a window entirely in the padding gives -infinity.
struct MaxPoolKernel: Kernel {
    private let geometry: WindowGeometry
    private let outputShape: [Int]

    init(_ pool: MaxPool, input: [Int], output: [Int]) throws {
        geometry = try WindowGeometry(pool.window, input: input, op: MaxPool.info.name)
        outputShape = output
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let g = geometry
        return try Tensor.computed(shape: outputShape) { y in
            Parallel.forEach(g.batch * g.channels, threads: context.threads) { planes in
                for plane in planes {
                    let input = plane * g.inputPlane
                    var output = plane * g.outputPlane
                    for row in 0..<g.outHeight {
                        let rows = g.rowTaps(row)
                        let top = row * g.strideHeight - g.padTop
                        for column in 0..<g.outWidth {
                            let left = column * g.strideWidth - g.padLeft
                            var best = -Float.infinity
                            for i in rows {
                                let source = input + (top + i * g.dilationHeight) * g.width + left
                                for j in g.columnTaps(column) {
                                    let value = x[source + j * g.dilationWidth]
                                    if value > best || value.isNaN { best = value }
                                }
                            }
                            y[output] = best
                            output += 1
                        }
                    }
                }
            }
        }
    }
}
