import ZooCore

/// `-x` (a sign flip, exact).
extension Neg: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { -x }
}
