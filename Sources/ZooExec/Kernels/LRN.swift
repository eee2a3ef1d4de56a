import Foundation
import ZooCore

/// Local response normalization across channels:
/// `Y[n, c, s] = X[n, c, s] / (bias + alpha / size * sum_{c'} X[n, c', s]^2)^beta` over
/// `c' = c - floor((size - 1) / 2) ... c + ceil((size - 1) / 2)` inside `0 ..< C`.
struct LRNKernel: Kernel {
    private let lrn: LRN
    private let shape: [Int]
    private let channels: Int, planeSize: Int

    init(_ lrn: LRN, shape: [Int]) {
        self.lrn = lrn
        self.shape = shape
        channels = shape.count > 1 ? shape[1] : 1
        planeSize = shape.dropFirst(2).reduce(1, *)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let lrn = lrn, channels = channels, size = planeSize
        let below = (lrn.size - 1) / 2, above = lrn.size - 1 - below
        let batch = channels > 0 && size > 0 ? x.count / (channels * size) : 0
        return try context.tensor(shape: shape) { y in
            Parallel.forEach(batch * channels, threads: context.threads) { range in
                var squares = [Float](repeating: 0, count: size)
                for plane in range {
                    let n = plane / channels, c = plane % channels
                    for k in 0..<size { squares[k] = 0 }
                    for other in max(0, c - below)...min(channels - 1, c + above) {
                        let base = (n * channels + other) * size
                        for k in 0..<size { squares[k] += x[base + k] * x[base + k] }
                    }
                    let base = plane * size
                    for k in 0..<size {
                        y[base + k] = x[base + k] / pow(lrn.bias + lrn.alpha / Float(lrn.size) * squares[k], lrn.beta)
                    }
                }
            }
        }
    }
}
