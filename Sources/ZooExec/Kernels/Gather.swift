import ZooCore

/// Selection along one axis: with the input seen as `[outer, d, inner]` (`d` the gathered
/// axis) and the output as `[outer, n, inner]` (`n` the index count),
/// `Y[o, j, k] = X[o, indices[j], k]`: each output row of `inner` elements is one block copy.
struct GatherKernel: Kernel {
    private let outputShape: [Int]
    private let indices: [Int]
    private let outer: Int
    private let axisSize: Int
    private let inner: Int

    init(_ gather: Gather, input: [Int], output: [Int]) throws {
        let axis = try Shape(input).normalizedAxis(gather.axis, for: Gather.info.name)
        axisSize = input[axis]
        indices = try gather.resolvedIndices(size: axisSize)
        outer = input[..<axis].reduce(1, *)
        inner = input[(axis + 1)...].reduce(1, *)
        outputShape = output
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let indices = indices, axisSize = axisSize, inner = inner
        let rows = outer * indices.count
        return try context.tensor(shape: outputShape) { y in
            guard inner > 0, let source = x.baseAddress, let destination = y.baseAddress else { return }
            Parallel.forEach(rows, threads: context.threads, grain: max(1, 16384 / inner)) { range in
                for row in range {
                    let o = row / indices.count, j = row % indices.count
                    (destination + row * inner).update(from: source + (o * axisSize + indices[j]) * inner, count: inner)
                }
            }
        }
    }
}
