import ZooCore

/// `|x|` (the magnitude, exact).
extension Abs: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { x.magnitude }
}
