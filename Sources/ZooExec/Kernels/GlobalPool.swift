import ZooCore

/// Global pooling over every axis after the first two: `Y[n, c, 1, ...] = mean` (or `max`) of
/// `X[n, c, ...]`. The mean sums in double precision.
struct GlobalPoolKernel: Kernel {
    enum Reduction: Sendable { case mean, max }

    let reduction: Reduction
    private let planes: Int, planeSize: Int
    private let outputShape: [Int]

    init(reduction: Reduction, input: [Int], output: [Int]) {
        self.reduction = reduction
        planes = input.prefix(2).reduce(1, *)
        planeSize = input.dropFirst(2).reduce(1, *)
        outputShape = output
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let size = planeSize
        let reduction = reduction
        return try context.tensor(shape: outputShape) { y in
            Parallel.forEach(planes, threads: context.threads, grain: max(1, 8192 / max(size, 1))) { range in
                for plane in range {
                    let values = x[(plane * size)..<((plane + 1) * size)]
                    switch reduction {
                    case .mean:
                        var sum = 0.0
                        for value in values { sum += Double(value) }
                        y[plane] = size > 0 ? Float(sum / Double(size)) : .nan
                    case .max:
                        var best = -Float.infinity
                        for value in values where value > best || value.isNaN { best = value }
                        y[plane] = best
                    }
                }
            }
        }
    }
}
