import Foundation
import ZooCore

/// Softmax along one axis: `Y = exp(X - max) / sum exp(X - max)` over that axis (ONNX 13 and
/// later; the importer expresses older opsets' flattened softmax through reshapes), or with
/// `logarithmic` its log, `Y = (X - max) - log sum exp(X - max)` (LogSoftmax).
struct SoftmaxKernel: Kernel {
    private let outer: Int, length: Int, inner: Int
    private let shape: [Int]
    private let logarithmic: Bool

    init(_ softmax: Softmax, shape: [Int]) throws {
        try self.init(axis: softmax.axis, logarithmic: false, shape: shape, op: Softmax.info.name)
    }

    init(axis: Int, logarithmic: Bool, shape: [Int], op: String) throws {
        let axis = try Shape(shape).normalizedAxis(axis, for: op)
        self.logarithmic = logarithmic
        outer = shape[..<axis].reduce(1, *)
        length = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
        self.shape = shape
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let length = length, inner = inner, logarithmic = logarithmic
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
                    if logarithmic {
                        let logSum = log(sum)
                        for k in 0..<length { y[base + k * inner] = (x[base + k * inner] - largest) - logSum }
                    } else {
                        for k in 0..<length { y[base + k * inner] /= sum }
                    }
                }
            }
        }
    }
}
