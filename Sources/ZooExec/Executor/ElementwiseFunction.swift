import CZooKernels
import ZooCore

/// A function applied to every element on its own (the activations). Each activation's kernel
/// file states its formula by conforming its op to this protocol; ``UnaryKernel`` maps it over a
/// tensor, and convolution and dense kernels apply it as a fused epilogue.
///
/// Kernels call ``map(_:_:count:)`` on a whole run of elements, so that the loop is compiled for
/// each concrete function (a per-element call through the protocol would not be inlined).
protocol ElementwiseFunction: Sendable {
    /// Whether the op is this function of each element alone: true but for a pow whose exponent
    /// is a tensor, which a broadcast kernel runs. Only then is it a kernel or a fused epilogue.
    var isElementwise: Bool { get }
    func callAsFunction(_ x: Float) -> Float
    /// `destination[k] = f(source[k])` for `k < count` (the two may be the same buffer).
    func map(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int)
    /// How zoo's matrix kernels apply the function as they store a tile, when they can: a clamp
    /// (ReLU, ReLU6, Clip), sigmoid, SiLU or the exported hard swish; else nil (the kernel maps the function after).
    var stored: StoredActivation? { get }
    /// The function as kernels built for `instructionSet` run it: a ``VectorActivation`` on that
    /// set's code (as the matrix kernels' tile store runs it), any other function itself.
    func running(on instructionSet: InstructionSet) -> any ElementwiseFunction
}

/// An activation CZooKernels computes on vectors (sigmoid, SiLU, with its vector exp on the
/// machine's widest instruction set): the op's kernel, a fused epilogue and the matrix kernels'
/// tile store run the same code, so they give the same bits.
protocol VectorActivation: ElementwiseFunction {
    static var kernelActivation: zoo_activation { get }
}

extension VectorActivation {
    func callAsFunction(_ x: Float) -> Float {
        var y = x
        withUnsafeMutablePointer(to: &y) { map($0, $0, count: 1) }
        return y
    }

    func map(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        zoo_kernels_activation(InstructionSet.best.rawValue, Int32(Self.kernelActivation.rawValue), source, destination, count)
    }

    var stored: StoredActivation? { StoredActivation(function: Self.kernelActivation) }

    func running(on instructionSet: InstructionSet) -> any ElementwiseFunction {
        PinnedActivation(function: Self.kernelActivation, instructionSet: instructionSet)
    }
}

/// A ``VectorActivation`` on one instruction set (the executor's ``ExecutionOptions/instructionSet``),
/// so that its own step and a fused epilogue give the bits the matrix kernels' tile store gives
/// on that set.
struct PinnedActivation: ElementwiseFunction {
    let function: zoo_activation
    let instructionSet: InstructionSet

    func callAsFunction(_ x: Float) -> Float {
        var y = x
        withUnsafeMutablePointer(to: &y) { map($0, $0, count: 1) }
        return y
    }

    func map(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        zoo_kernels_activation(instructionSet.rawValue, Int32(function.rawValue), source, destination, count)
    }

    var stored: StoredActivation? { StoredActivation(function: function) }
}

/// A function as CZooKernels' tiles apply it to each finished value: `f(clamp(x, low, high))`,
/// the clamp being `x < low ? low : x`, then `> high ? high : ...` (NaN passing through), and `f`
/// the identity, sigmoid, SiLU or the exported hard swish (CZooKernels' vector versions, which the
/// Sigmoid and SiLU kernels and a lone ``HardSwishChain`` also run: the same bits).
struct StoredActivation: Sendable {
    var low: Float = -.infinity
    var high: Float = .infinity
    var function = ZOO_ACTIVATION_NONE

    /// Nothing: the identity.
    static let none = StoredActivation()
}

extension ElementwiseFunction {
    var isElementwise: Bool { true }
    var stored: StoredActivation? { nil }
    func running(on instructionSet: InstructionSet) -> any ElementwiseFunction { self }

    func map(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        for k in 0..<count { destination[k] = self(source[k]) }
    }

    /// Applies the function in place: the fused epilogue of a conv or dense kernel.
    func apply(_ values: UnsafeMutableBufferPointer<Float>) {
        guard let base = values.baseAddress else { return }
        map(base, base, count: values.count)
    }
}

/// The activation a conv or dense kernel applies to its output.
typealias Epilogue = ElementwiseFunction

/// Maps an ``ElementwiseFunction`` over a tensor of any rank.
struct UnaryKernel: Kernel {
    let function: any ElementwiseFunction
    let shape: [Int]

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let input = inputs[0].elements
        return try context.tensor(shape: shape) { output in
            guard let source = input.baseAddress, let destination = output.baseAddress else { return }
            Parallel.forEach(output.count, threads: context.threads, grain: 1 << 14) { range in
                function.map(source + range.lowerBound, destination + range.lowerBound, count: range.count)
            }
        }
    }
}

extension Op {
    /// The op's element-wise function, for ops whose kernel file conforms them to
    /// ``ElementwiseFunction`` (the activations) and that are that function of each element
    /// alone (``ElementwiseFunction/isElementwise``), else nil.
    var elementwiseFunction: (any ElementwiseFunction)? {
        guard let function = semantics as? any ElementwiseFunction, function.isElementwise else { return nil }
        return function
    }
}
