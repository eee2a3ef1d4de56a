import ZooCore

/// Builds the kernel of each op. Exhaustive over ``Op`` on purpose: a new op must get a kernel.
enum KernelFactory {
    /// The kernel of `op` for inputs of `inputs` shapes producing `output`; `epilogue` is a
    /// fused activation (only conv, transposed conv, dense and add take one); `scaledInput`, a
    /// conv's second input scaling its input channels (``FusedLayer/inputScale``).
    static func make(
        _ op: Op, inputs: [[Int]], output: [Int], epilogue: (any Epilogue)? = nil, scaledInput: Bool = false, winograd: Bool = true,
        instructionSet: InstructionSet = .best
    ) throws -> any Kernel {
        switch (op, epilogue) {
        case (.conv, _), (.convTranspose, _), (.dense, _), (.add, _), (_, nil): break
        default: throw ZooError(.invalidGraph, "Only conv, convtranspose, dense and add kernels apply a fused activation. Received: \(op.name).")
        }
        // Activations run on the kernels' instruction set, fused or on their own.
        let epilogue = epilogue?.running(on: instructionSet)
        switch op {
        case .conv(let conv):
            // After the input (and its scale), an input is a residual sum fused after the conv (``FusedLayer/residual``).
            let scale = scaledInput ? inputs.dropFirst().first : nil
            let others = inputs.count - (scaledInput ? 2 : 1)
            if others > 1 || others == 1 && inputs.last != output || scaledInput && scale == nil {
                throw ZooError(
                    .invalidGraph,
                    "A fused conv takes its input, an input scale and a residual sum of its output shape \(output). Received: inputs of shapes \(inputs).")
            }
            return try ConvKernel(
                conv, input: inputs[0], output: output, epilogue: epilogue, inputScale: scale, residual: others == 1, winograd: winograd,
                instructionSet: instructionSet)
        case .convTranspose(let op): return try ConvTransposeKernel(op, input: inputs[0], output: output, epilogue: epilogue)
        case .dense(let dense): return try DenseKernel(dense, input: inputs[0], output: output, epilogue: epilogue)
        case .maxPool(let pool): return try MaxPoolKernel(pool, input: inputs[0], output: output, instructionSet: instructionSet)
        case .averagePool(let pool): return try AveragePoolKernel(pool, input: inputs[0], output: output)
        case .globalAveragePool: return GlobalPoolKernel(reduction: .mean, input: inputs[0], output: output, instructionSet: instructionSet)
        case .globalMaxPool: return GlobalPoolKernel(reduction: .max, input: inputs[0], output: output, instructionSet: instructionSet)
        case .matMul: return try MatMulKernel(a: inputs[0], b: inputs[1], output: output)
        case .batchNorm(let norm): return try BatchNormKernel(norm, input: inputs[0])
        case .normalization(let norm): return try NormalizationKernel(norm, input: inputs[0], output: output)
        case .relu, .clip, .sigmoid, .tanh, .leakyRelu, .hardSigmoid, .hardSwish, .silu, .elu, .selu, .softplus, .gelu, .sqrt, .exp, .log,
            .neg, .abs, .reciprocal, .erf:
            guard let function = op.elementwiseFunction else {
                throw ZooError(.invalidGraph, "An activation needs an element-wise function. Received: \(op.name).")
            }
            return UnaryKernel(function: function.running(on: instructionSet), shape: output)
        case .prelu(let prelu):
            return try BroadcastKernel(function: PReluFunction(), constant: ConstantOperand(prelu.slope), inputs: inputs, output: output)
        case .pow(let pow):
            guard case .tensor(let exponent) = pow.exponent else { return UnaryKernel(function: pow, shape: output) }
            return try BroadcastKernel(function: PowFunction(), constant: ConstantOperand(exponent), inputs: inputs, output: output)
        case .softmax(let softmax): return try SoftmaxKernel(softmax, shape: output)
        case .lrn(let lrn): return LRNKernel(lrn, shape: output)
        case .add(let add): return try BroadcastKernel(function: AddFunction(), constant: add.constant, inputs: inputs, output: output, epilogue: epilogue)
        case .sub(let sub): return try BroadcastKernel(function: SubFunction(), constant: sub.constant, inputs: inputs, output: output)
        case .mul(let mul): return try BroadcastKernel(function: MulFunction(), constant: mul.constant, inputs: inputs, output: output)
        case .div(let div): return try BroadcastKernel(function: DivFunction(), constant: div.constant, inputs: inputs, output: output)
        case .concat(let concat): return try ConcatKernel(concat, inputs: inputs, output: output)
        case .flatten, .reshape, .dropout, .identity: return AliasKernel(shape: output)
        case .transpose(let transpose): return TransposeKernel(transpose, input: inputs[0], output: output, instructionSet: instructionSet)
        case .pad(let pad): return try PadKernel(pad, input: inputs[0], output: output)
        case .resize(let resize): return try ResizeKernel(resize, input: inputs[0], output: output)
        case .slice(let slice): return try SliceKernel(slice, input: inputs[0], output: output)
        case .gather(let gather): return try GatherKernel(gather, input: inputs[0], output: output)
        case .expand: return ExpandKernel(input: inputs[0], output: output)
        case .reduceMean(let op): return try ReductionKernel(op, function: ReduceMeanFunction(), input: inputs[0], output: output)
        case .reduceSum(let op): return try ReductionKernel(op, function: ReduceSumFunction(), input: inputs[0], output: output)
        case .reduceMax(let op): return try ReductionKernel(op, function: ReduceMaxFunction(), input: inputs[0], output: output)
        case .reduceMin(let op): return try ReductionKernel(op, function: ReduceMinFunction(), input: inputs[0], output: output)
        case .mean(let mean): return try MeanKernel.make(mean, inputs: inputs, output: output)
        case .maximum(let op): return try BroadcastKernel(function: MaximumFunction(), constant: op.constant, inputs: inputs, output: output)
        case .minimum(let op): return try BroadcastKernel(function: MinimumFunction(), constant: op.constant, inputs: inputs, output: output)
        case .layerNorm(let norm): return try LayerNormKernel(norm, input: inputs[0])
        case .instanceNorm(let norm): return InstanceNormKernel(norm, input: inputs[0])
        case .groupNorm(let norm): return GroupNormKernel(norm, input: inputs[0])
        case .logSoftmax(let op): return try SoftmaxKernel(op, shape: output)
        }
    }
}
