import ZooCore

/// Average pooling: the mean of the window's taps inside the input, or with
/// `countIncludePad` the sum over those taps divided by the number of taps inside the padded
/// input (input plus begin and end padding; the extra window of ceil mode is not padding).
struct AveragePoolKernel: Kernel {
    private let geometry: WindowGeometry
    private let countIncludePad: Bool
    private let outputShape: [Int]

    init(_ pool: AveragePool, input: [Int], output: [Int]) throws {
        geometry = try WindowGeometry(pool.window, input: input, op: AveragePool.info.name)
        countIncludePad = pool.countIncludePad
        outputShape = output
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let g = geometry
        let includePad = countIncludePad
        return try context.tensor(shape: outputShape) { y in
            Parallel.forEach(g.batch * g.channels, threads: context.threads) { planes in
                for plane in planes {
                    let input = plane * g.inputPlane
                    var output = plane * g.outputPlane
                    for row in 0..<g.outHeight {
                        let rows = g.rowTaps(row)
                        let paddedRows = includePad
                            ? WindowGeometry.taps(
                                row, kernel: g.kernelHeight, stride: g.strideHeight, dilation: g.dilationHeight, pad: g.padTop,
                                lower: -g.padTop, upper: g.height + g.padBottom).count
                            : rows.count
                        let top = row * g.strideHeight - g.padTop
                        for column in 0..<g.outWidth {
                            let columns = g.columnTaps(column)
                            let left = column * g.strideWidth - g.padLeft
                            var sum: Float = 0
                            for i in rows {
                                let source = input + (top + i * g.dilationHeight) * g.width + left
                                for j in columns { sum += x[source + j * g.dilationWidth] }
                            }
                            let paddedColumns = includePad
                                ? WindowGeometry.taps(
                                    column, kernel: g.kernelWidth, stride: g.strideWidth, dilation: g.dilationWidth, pad: g.padLeft,
                                    lower: -g.padLeft, upper: g.width + g.padRight).count
                                : columns.count
                            let count = paddedRows * paddedColumns
                            y[output] = count > 0 ? sum / Float(count) : .nan
                            output += 1
                        }
                    }
                }
            }
        }
    }
}
