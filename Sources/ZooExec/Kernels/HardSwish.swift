import ZooCore

/// `x max(0, min(1, x / 6 + 1 / 2))`.
extension HardSwish: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { x * max(0, min(1, x / 6 + 0.5)) }
}
