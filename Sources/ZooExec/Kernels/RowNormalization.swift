import ZooCore

/// What the layer, instance and group normalization kernels share: the input seen as `rows`
/// consecutive runs of `length` elements, each normalized by its own mean and biased variance,
///
///     y[r, i] = (x[r, i] - mean_r) / sqrt(variance_r + epsilon) * scale[a] + shift[a]
///
/// with `mean_r` and `variance_r` taken in two passes in double precision, and the affine index
/// `a = (r % period) * perRow + i / perIndex` (layer norm: `i`; instance norm: the channel
/// `r % C`; group norm: the group's first channel plus `i / spatial`). Rows are independent, so
/// any split over threads gives the same bits.
struct RowNormalization: Sendable {
    let shape: [Int]
    let rows: Int, length: Int
    let epsilon: Double
    let scale: [Float]?, shift: [Float]?
    let period: Int, perRow: Int, perIndex: Int

    func run(_ input: Tensor, context: KernelContext) throws -> Tensor {
        let x = input.elements
        let length = length, epsilon = epsilon, scale = scale, shift = shift
        let period = period, perRow = perRow, perIndex = max(perIndex, 1)
        return try context.tensor(shape: shape) { y in
            Parallel.forEach(rows, threads: context.threads, grain: max(1, 8192 / max(length, 1))) { range in
                for row in range {
                    let base = row * length
                    var sum = 0.0
                    for i in 0..<length { sum += Double(x[base + i]) }
                    let mean = sum / Double(length)
                    var squares = 0.0
                    for i in 0..<length {
                        let deviation = Double(x[base + i]) - mean
                        squares += deviation * deviation
                    }
                    let inverse = 1 / (squares / Double(length) + epsilon).squareRoot()
                    let first = (row % period) * perRow
                    for i in 0..<length {
                        var value = Float((Double(x[base + i]) - mean) * inverse)
                        let a = first + i / perIndex
                        if let scale { value *= scale[a] }
                        if let shift { value += shift[a] }
                        y[base + i] = value
                    }
                }
            }
        }
    }
}

