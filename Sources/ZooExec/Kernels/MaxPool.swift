import ZooCore

/// Max pooling: `Y[n, c, y, x] = max over the window's taps of X[n, c, ...]`, the padding read
/// as -infinity (it never wins; a window entirely in the padding gives -infinity), one plane at
/// a time through CZooKernels (``PlaneWindow``). The maximum is taken without branches
/// (`x > best ? x : best`, `vmaxps`-like), so a NaN tap is not propagated reliably.
struct MaxPoolKernel: Kernel {
    private let window: PlaneWindow
    private let outputShape: [Int]

    init(_ pool: MaxPool, input: [Int], output: [Int], instructionSet: InstructionSet) throws {
        window = try PlaneWindow(
            try WindowGeometry(pool.window, input: input, op: MaxPool.info.name), fill: -.infinity, instructionSet: instructionSet, op: MaxPool.info.name)
        outputShape = output
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let g = window.geometry, window = window
        let scratch = try context.scratch(count: try Checked.multiply(window.perThread, context.threads, "the max pool scratch"))
        return try context.tensor(shape: outputShape) { y in
            guard let xBase = x.baseAddress, let yBase = y.baseAddress, let base = scratch.buffer.baseAddress else { return }
            Parallel.forEachChunk(g.batch * g.channels, threads: context.threads) { planes, chunk in
                window.run(xBase, planes: planes, weights: nil, bias: nil, into: yBase, scratch: base + chunk * window.perThread)
            }
        }
    }
}
