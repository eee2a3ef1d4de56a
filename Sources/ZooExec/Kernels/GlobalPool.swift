import ZooCore

/// Global pooling over every axis after the first two: `Y[n, c, 1, ...] = mean` (or `max`) of
/// `X[n, c, ...]`. The mean sums in double precision, in eight interleaved partial sums (the
/// order is fixed by the plane size alone).
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
                        y[plane] = size > 0 ? Float(Self.sum(UnsafeBufferPointer(rebasing: values)) / Double(size)) : .nan
                    case .max:
                        var best = -Float.infinity
                        for value in values where value > best || value.isNaN { best = value }
                        y[plane] = best
                    }
                }
            }
        }
    }

    /// The sum of `values` in double precision: element `k` goes to partial sum `k % 8` (the
    /// tail included), and the partial sums are added in order.
    private static func sum(_ values: UnsafeBufferPointer<Float>) -> Double {
        guard let base = values.baseAddress else { return 0 }
        var lanes = SIMD8<Double>(repeating: 0)
        var k = 0
        while k + 8 <= values.count {
            lanes += SIMD8<Double>(UnsafeRawPointer(base + k).loadUnaligned(as: SIMD8<Float>.self))
            k += 8
        }
        var tail = SIMD8<Float>(repeating: 0)
        for lane in 0..<(values.count - k) { tail[lane] = base[k + lane] }
        lanes += SIMD8<Double>(tail)
        return lanes.indices.reduce(0) { $0 + lanes[$1] }
    }
}
