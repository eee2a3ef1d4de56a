import ZooCore

/// `x` for `x >= 0`, else `slope x`, the slope broadcast to the input by ``BroadcastKernel`` (a
/// stored second operand); not an element-wise function of `x` alone, so no fused epilogue.
struct PReluFunction: BinaryFunction {
    func callAsFunction(_ x: Float, _ slope: Float) -> Float { x < 0 ? slope * x : x }
}
