import ZooCore

/// `x` for `x >= 0`, else `alpha x`.
extension LeakyRelu: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { x >= 0 ? x : alpha * x }
}
