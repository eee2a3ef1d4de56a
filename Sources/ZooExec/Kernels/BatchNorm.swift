import ZooCore

/// Batch normalization at inference, folded per channel into `Y = s X + t` with
/// `s = gamma / sqrt(variance + epsilon)` and `t = beta - s mean` (computed in double precision).
struct BatchNormKernel: Kernel {
    private let scale: [Float], shift: [Float]
    private let shape: [Int]
    private let planeSize: Int

    init(_ norm: BatchNorm, input: [Int]) throws {
        let channels = input[1]
        let mean = norm.mean.elements, variance = norm.variance.elements
        let gamma = norm.gamma?.elements, beta = norm.beta?.elements
        var scale: [Float] = [], shift: [Float] = []
        for c in 0..<channels {
            let s = Double(gamma?[c] ?? 1) / (Double(variance[c]) + Double(norm.epsilon)).squareRoot()
            scale.append(Float(s))
            shift.append(Float(Double(beta?[c] ?? 0) - s * Double(mean[c])))
        }
        self.scale = scale
        self.shift = shift
        shape = input
        planeSize = input.dropFirst(2).reduce(1, *)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let channels = scale.count, size = planeSize
        return try context.tensor(shape: shape) { y in
            let planes = size > 0 ? y.count / size : 0
            Parallel.forEach(planes, threads: context.threads, grain: max(1, 8192 / max(size, 1))) { range in
                for plane in range {
                    let s = scale[plane % channels], t = shift[plane % channels]
                    for index in (plane * size)..<((plane + 1) * size) { y[index] = s * x[index] + t }
                }
            }
        }
    }
}
