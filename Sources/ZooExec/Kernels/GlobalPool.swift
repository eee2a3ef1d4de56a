import CZooKernels
import ZooCore

/// Global pooling over every axis after the first two: `Y[n, c, 1, ...] = mean` (or `max`) of
/// `X[n, c, ...]`. The mean sums in double precision, in 32 interleaved partial sums whose
/// order is fixed by the plane size alone (CZooKernels' `zoo_kernels_plane_means`: the same
/// bits on every instruction set).
struct GlobalPoolKernel: Kernel {
    enum Reduction: Sendable { case mean, max }

    let reduction: Reduction
    private let planes: Int, planeSize: Int
    private let outputShape: [Int]
    private let instructionSet: InstructionSet

    init(reduction: Reduction, input: [Int], output: [Int], instructionSet: InstructionSet) {
        self.reduction = reduction
        planes = input.prefix(2).reduce(1, *)
        planeSize = input.dropFirst(2).reduce(1, *)
        outputShape = output
        self.instructionSet = instructionSet
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let size = planeSize
        let reduction = reduction
        let isa = instructionSet.rawValue
        return try context.tensor(shape: outputShape) { y in
            Parallel.forEach(planes, threads: context.threads, grain: max(1, 8192 / max(size, 1))) { range in
                switch reduction {
                case .mean:
                    guard size > 0 else {
                        for plane in range { y[plane] = .nan }
                        return
                    }
                    guard let source = x.baseAddress, let destination = y.baseAddress else { return }
                    zoo_kernels_plane_means(isa, source + range.lowerBound * size, range.count, size, destination + range.lowerBound)
                case .max:
                    for plane in range {
                        var best = -Float.infinity
                        for value in x[(plane * size)..<((plane + 1) * size)] where value > best || value.isNaN { best = value }
                        y[plane] = best
                    }
                }
            }
        }
    }
}
