import ZooCore

/// Concatenation along one axis: each input's block of `size[axis] x inner` elements is copied
/// after the previous inputs' blocks, for every index of the axes before `axis`.
struct ConcatKernel: Kernel {
    private let outer: Int
    /// Elements per outer index of each input.
    private let blocks: [Int]
    private let outputShape: [Int]

    init(_ concat: Concat, inputs: [[Int]], output: [Int]) throws {
        let axis = try Shape(output).normalizedAxis(concat.axis, for: Concat.info.name)
        outer = output[..<axis].reduce(1, *)
        blocks = inputs.map { $0[axis...].reduce(1, *) }
        outputShape = output
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let sources = inputs.map(\.elements)
        let blocks = blocks
        let total = blocks.reduce(0, +)
        return try context.tensor(shape: outputShape) { y in
            Parallel.forEach(outer, threads: context.threads, grain: max(1, 16384 / max(total, 1))) { range in
                for o in range {
                    var destination = o * total
                    for (source, block) in zip(sources, blocks) {
                        for k in 0..<block { y[destination + k] = source[o * block + k] }
                        destination += block
                    }
                }
            }
        }
    }
}
