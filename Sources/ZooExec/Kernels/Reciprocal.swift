import ZooCore

/// `1 / x` (one correctly rounded division).
extension Reciprocal: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { 1 / x }
}
