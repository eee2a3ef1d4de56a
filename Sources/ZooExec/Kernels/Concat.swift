import ZooCore

/// Concatenation along one axis: each input's block of `size[axis] x inner` elements is copied
/// after the previous inputs' blocks, for every index of the axes before `axis`; the block
/// copies, cut into runs of at most 2^15 elements, are spread over threads.
struct ConcatKernel: Kernel {
    /// One block copy: a run of `count` elements of input `input` from `source` to `destination`.
    private struct Piece {
        let input: Int
        let source: Int
        let destination: Int
        let count: Int
    }

    /// Runs of at most this many elements, so that a concat with few outer indices (the
    /// channels of one image) spreads over threads too.
    private static let chunk = 1 << 15
    /// The copies for the fixed shapes, made once when the kernel is built.
    private let pieces: [Piece]
    private let outputShape: [Int]

    init(_ concat: Concat, inputs: [[Int]], output: [Int]) throws {
        let axis = try Shape(output).normalizedAxis(concat.axis, for: Concat.info.name)
        let outer = output[..<axis].reduce(1, *)
        let blocks = inputs.map { $0[axis...].reduce(1, *) }
        let total = blocks.reduce(0, +)
        var pieces: [Piece] = []
        for o in 0..<outer {
            var destination = o * total
            for (index, block) in blocks.enumerated() {
                for start in stride(from: 0, to: block, by: Self.chunk) {
                    pieces.append(Piece(input: index, source: o * block + start, destination: destination + start, count: min(Self.chunk, block - start)))
                }
                destination += block
            }
        }
        self.pieces = pieces
        outputShape = output
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let sources = inputs.map(\.elements)
        let pieces = pieces
        return try context.tensor(shape: outputShape) { y in
            guard let output = y.baseAddress else { return }
            Parallel.forEach(pieces.count, threads: context.threads, grain: max(1, (1 << 14) / Self.chunk)) { range in
                for piece in pieces[range] {
                    guard let source = sources[piece.input].baseAddress else { continue }
                    (output + piece.destination).update(from: source + piece.source, count: piece.count)
                }
            }
        }
    }
}
