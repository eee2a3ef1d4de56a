import ZooCore

/// `max(x, 0)`.
extension Relu: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 }
}
