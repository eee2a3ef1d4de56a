import ZooCore

/// A function applied to every element on its own (the activations). Each activation's kernel
/// file states its formula by conforming its op to this protocol; ``UnaryKernel`` maps it over a
/// tensor, and convolution and dense kernels apply it as a fused epilogue.
protocol ElementwiseFunction: Sendable {
    func callAsFunction(_ x: Float) -> Float
}

/// An element-wise function applied in place to a buffer: the fused epilogue of a conv or
/// dense kernel.
protocol Epilogue: Sendable {
    func apply(_ values: UnsafeMutableBufferPointer<Float>)
}

struct ElementwiseEpilogue<Function: ElementwiseFunction>: Epilogue {
    let function: Function

    func apply(_ values: UnsafeMutableBufferPointer<Float>) {
        for index in values.indices { values[index] = function(values[index]) }
    }
}

/// Maps an ``ElementwiseFunction`` over a tensor of any rank.
struct UnaryKernel<Function: ElementwiseFunction>: Kernel {
    let function: Function
    let shape: [Int]

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let input = inputs[0].elements
        return try Tensor.computed(shape: shape) { output in
            Parallel.forEach(output.count, threads: context.threads, grain: 1 << 14) { range in
                for index in range { output[index] = function(input[index]) }
            }
        }
    }
}

extension Op {
    /// The op's element-wise function, for ops that are one (activations), else nil.
    var elementwiseFunction: (any ElementwiseFunction)? {
        switch self {
        case .relu(let op): op
        case .clip(let op): op
        case .sigmoid(let op): op
        case .tanh(let op): op
        case .leakyRelu(let op): op
        case .hardSigmoid(let op): op
        case .hardSwish(let op): op
        case .silu(let op): op
        case .conv, .maxPool, .averagePool, .globalAveragePool, .globalMaxPool, .dense, .matMul, .batchNorm, .softmax, .lrn,
            .add, .sub, .mul, .div, .concat, .flatten, .reshape, .transpose, .pad, .dropout, .identity:
            nil
        }
    }
}

/// Opens an existential function into a generic kernel, so that the loop is specialized.
func makeUnaryKernel(_ function: any ElementwiseFunction, shape: [Int]) -> any Kernel {
    func open<F: ElementwiseFunction>(_ function: F) -> any Kernel { UnaryKernel(function: function, shape: shape) }
    return open(function)
}

/// Opens an existential function into a generic epilogue.
func makeEpilogue(_ function: any ElementwiseFunction) -> any Epilogue {
    func open<F: ElementwiseFunction>(_ function: F) -> any Epilogue { ElementwiseEpilogue(function: function) }
    return open(function)
}
