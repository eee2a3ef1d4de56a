import ZooCore

/// How one reduction combines the elements it reduces, stated in each reduction's kernel file:
/// accumulated in double precision from ``initial`` by ``combine(_:_:)``, then ``finish(_:count:)``.
protocol ReductionFunction: Sendable {
    /// The value of an empty reduction's accumulator (0 for a sum, -inf for a max).
    var initial: Double { get }
    func combine(_ accumulated: Double, _ element: Float) -> Double
    /// The output from the accumulator over `count` elements.
    func finish(_ accumulated: Double, count: Int) -> Float
}

/// A reduction over some axes of one input (``Reduction``): every output element folds its
/// reduced elements in one fixed order (increasing input index), so the result does not depend
/// on how outputs are split over threads.
struct ReductionKernel: Kernel {
    private let function: any ReductionFunction
    private let outputShape: [Int]
    /// The input offset of each output element's first reduced element, by output index.
    private let outputOffsets: [Int]
    /// The offsets of the reduced elements from an output's first one, in increasing order.
    private let reducedOffsets: [Int]

    init<R: Reduction>(_ reduction: R, function: any ReductionFunction, input: [Int], output: [Int]) throws {
        self.function = function
        outputShape = output
        let reduced = Set(try reduction.resolvedAxes(Shape(input)))
        let strides = contiguousStrides(input)
        func offsets(_ axes: [Int]) -> [Int] {
            var offsets = [0]
            for axis in axes {
                offsets = offsets.flatMap { base in (0..<input[axis]).map { base + $0 * strides[axis] } }
            }
            return offsets
        }
        outputOffsets = offsets(input.indices.filter { !reduced.contains($0) })
        reducedOffsets = offsets(input.indices.filter { reduced.contains($0) })
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let function = function, outputOffsets = outputOffsets, reducedOffsets = reducedOffsets
        return try context.tensor(shape: outputShape) { y in
            Parallel.forEach(y.count, threads: context.threads, grain: max(1, 16384 / max(reducedOffsets.count, 1))) { range in
                for index in range {
                    let base = outputOffsets[index]
                    var accumulated = function.initial
                    for offset in reducedOffsets { accumulated = function.combine(accumulated, x[base + offset]) }
                    y[index] = function.finish(accumulated, count: reducedOffsets.count)
                }
            }
        }
    }
}
