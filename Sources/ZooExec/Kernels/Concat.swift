import ZooCore

/// Concatenation along one axis: each input's block of `size[axis] x inner` elements is copied
/// after the previous inputs' blocks, for every index of the axes before `axis`; the block
/// copies, cut into runs of at most 2^15 elements, are spread over threads.
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
        let blocks = blocks, outer = outer
        let total = blocks.reduce(0, +)
        // The copies (input, outer index), each split into runs of at most `chunk` elements so
        // that a concat with few outer indices (channels of one image) spreads over threads too.
        let chunk = 1 << 15
        var pieces: [(input: Int, source: Int, destination: Int, count: Int)] = []
        for o in 0..<outer {
            var destination = o * total
            for (index, block) in blocks.enumerated() {
                var start = 0
                while start < block {
                    let count = min(chunk, block - start)
                    pieces.append((index, o * block + start, destination + start, count))
                    start += count
                }
                destination += block
            }
        }
        return try context.tensor(shape: outputShape) { y in
            guard let output = y.baseAddress else { return }
            Parallel.forEach(pieces.count, threads: context.threads, grain: max(1, (1 << 14) / chunk)) { range in
                for piece in pieces[range] {
                    guard let source = sources[piece.input].baseAddress else { continue }
                    (output + piece.destination).update(from: source + piece.source, count: piece.count)
                }
            }
        }
    }
}
