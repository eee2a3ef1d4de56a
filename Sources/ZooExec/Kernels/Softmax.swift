import Foundation
import ZooCore

/// Softmax along one axis: `Y = exp(X - max) / sum exp(X - max)` over that axis (ONNX 13 and
/// later; the importer expresses older opsets' flattened softmax through reshapes).
struct SoftmaxKernel: Kernel {
    private let outer: Int, length: Int, inner: Int
    private let shape: [Int]

    init(_ softmax: Softmax, shape: [Int]) throws {
        let axis = try Shape(shape).normalizedAxis(softmax.axis, for: Softmax.info.name)
        outer = shape[..<axis].reduce(1, *)
        length = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
        self.shape = shape
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let length = length, inner = inner
        return try context.tensor(shape: shape) { y in
            Parallel.forEach(outer * inner, threads: context.threads, grain: 64) { range in
                for vector in range {
                    let base = (vector / inner) * length * inner + vector % inner
                    var largest = -Float.infinity
                    for k in 0..<length { largest = max(largest, x[base + k * inner]) }
                    var sum: Float = 0
                    for k in 0..<length {
                        let e = exp(x[base + k * inner] - largest)
                        y[base + k * inner] = e
                        sum += e
                    }
                    for k in 0..<length { y[base + k * inner] /= sum }
                }
            }
        }
    }
}
