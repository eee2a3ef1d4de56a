import ZooCore

/// The element-wise mean `(a + b + ...) / n`: the operands summed left to right by a broadcast
/// AddFunction kernel, whose last step divides by `n` (``MeanDivision``, its epilogue).
enum MeanKernel {
    static func make(_ mean: Mean, inputs: [[Int]], output: [Int]) throws -> BroadcastKernel {
        let operands = inputs.count + (mean.constant == nil ? 0 : 1)
        return try BroadcastKernel(
            function: AddFunction(), constant: mean.constant, inputs: inputs, output: output, epilogue: MeanDivision(count: Float(operands)))
    }
}

/// `x / n`, the last step of a mean of `n` operands.
struct MeanDivision: ElementwiseFunction {
    let count: Float
    func callAsFunction(_ x: Float) -> Float { x / count }
}
