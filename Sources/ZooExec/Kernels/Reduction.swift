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
///
/// Neighbouring axes that are both reduced or both kept are merged first, so that reducing the
/// last axes (or a middle block) walks one stride; only several separate reduced blocks need a
/// table of offsets.
struct ReductionKernel: Kernel {
    private let function: any ReductionFunction
    private let outputShape: [Int]
    /// The merged kept axes (sizes and input strides), outermost first: they locate an output's
    /// first reduced element.
    private let kept: [(size: Int, stride: Int)]
    /// The number of elements each output reduces.
    private let count: Int
    /// One merged reduced block: its input stride; nil when there are several (then `offsets`).
    private let step: Int?
    /// The offsets of the reduced elements from an output's first one, in increasing order, when
    /// the reduced axes form several separate blocks.
    private let offsets: [Int]

    init<R: Reduction>(_ reduction: R, function: any ReductionFunction, input: [Int], output: [Int]) throws {
        self.function = function
        outputShape = output
        let reduced = Set(try reduction.resolvedAxes(Shape(input)))
        let strides = contiguousStrides(input)
        // Merge neighbours of the same kind (size-1 axes dropped: they move nothing).
        var keptAxes: [(size: Int, stride: Int)] = [], reducedAxes: [(size: Int, stride: Int)] = []
        var previousReduced: Bool?
        for axis in input.indices where input[axis] != 1 {
            let isReduced = reduced.contains(axis)
            if previousReduced == isReduced {
                if isReduced {
                    reducedAxes[reducedAxes.count - 1] = (reducedAxes[reducedAxes.count - 1].size * input[axis], strides[axis])
                } else {
                    keptAxes[keptAxes.count - 1] = (keptAxes[keptAxes.count - 1].size * input[axis], strides[axis])
                }
            } else if isReduced {
                reducedAxes.append((input[axis], strides[axis]))
            } else {
                keptAxes.append((input[axis], strides[axis]))
            }
            previousReduced = isReduced
        }
        kept = keptAxes
        count = input.indices.filter { reduced.contains($0) }.map { input[$0] }.reduce(1, *)
        if reducedAxes.count <= 1 {
            step = reducedAxes.first?.stride ?? 1
            offsets = []
        } else {
            step = nil
            var table = [0]
            for axis in reducedAxes { table = table.flatMap { base in (0..<axis.size).map { base + $0 * axis.stride } } }
            offsets = table
        }
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements
        let function = function, kept = kept, count = count, step = step, offsets = offsets
        return try context.tensor(shape: outputShape) { y in
            Parallel.forEach(y.count, threads: context.threads, grain: max(1, 16384 / max(count, 1))) { range in
                for index in range {
                    var base = 0, rest = index
                    for axis in kept.reversed() {
                        base += (rest % axis.size) * axis.stride
                        rest /= axis.size
                    }
                    var accumulated = function.initial
                    if let step {
                        for k in 0..<count { accumulated = function.combine(accumulated, x[base + k * step]) }
                    } else {
                        for offset in offsets { accumulated = function.combine(accumulated, x[base + offset]) }
                    }
                    y[index] = function.finish(accumulated, count: count)
                }
            }
        }
    }
}
