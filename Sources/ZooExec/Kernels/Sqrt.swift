import ZooCore

/// `sqrt(x)` (IEEE square root, correctly rounded; NaN below 0).
extension Sqrt: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
}
