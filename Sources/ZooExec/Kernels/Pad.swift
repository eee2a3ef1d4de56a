import ZooCore

/// Padding of every axis: each output index maps, per axis, to the input index it copies
/// (`constant` mode: none, the value), by the mode's rule for `i` before the start
/// (`i < 0`) or past the end (`i >= d`) of an axis of size `d`:
/// - reflect: `-i`, `2 (d - 1) - i`
/// - edge: `0`, `d - 1`
/// - wrap: `i + d`, `i - d`
/// - symmetric: `-i - 1`, `2 d - 1 - i`
struct PadKernel: Kernel {
    private let outputShape: [Int]
    private let value: Float
    /// Per axis, per output index, the input index (or -1 for the constant).
    private let sources: [[Int]]
    private let inputStrides: [Int]

    init(_ pad: Pad, input: [Int], output: [Int]) throws {
        let rank = input.count
        var sources: [[Int]] = []
        for axis in 0..<rank {
            let size = input[axis], begin = pad.pads[axis]
            sources.append((0..<output[axis]).map { o in
                let i = o - begin
                if i >= 0, i < size { return i }
                switch pad.mode {
                case .constant: return -1
                case .reflect: return i < 0 ? -i : 2 * (size - 1) - i
                case .edge: return i < 0 ? 0 : size - 1
                case .wrap: return i < 0 ? i + size : i - size
                case .symmetric: return i < 0 ? -i - 1 : 2 * size - 1 - i
                }
            })
        }
        self.sources = sources
        inputStrides = contiguousStrides(input)
        outputShape = output
        value = pad.value
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let shape = outputShape, sources = sources, strides = inputStrides, value = value
        let rank = shape.count
        guard rank > 0 else { return try Tensor(shape: shape, storage: inputs[0].storage) }
        let inner = shape[rank - 1], innerSources = sources[rank - 1]
        let rows = shape.dropLast().reduce(1, *)
        return try context.tensor(shape: shape) { y in
            Parallel.forEach(rows, threads: context.threads, grain: max(1, 8192 / max(inner, 1))) { range in
                for row in range {
                    var source = 0, rest = row, outside = false
                    for axis in stride(from: rank - 2, through: 0, by: -1) {
                        let index = sources[axis][rest % shape[axis]]
                        rest /= shape[axis]
                        if index < 0 { outside = true } else { source += index * strides[axis] }
                    }
                    let out = row * inner
                    if outside {
                        for k in 0..<inner { y[out + k] = value }
                        continue
                    }
                    for k in 0..<inner {
                        let index = innerSources[k]
                        y[out + k] = index < 0 ? value : x[source + index]
                    }
                }
            }
        }
    }
}
