import ZooCore

/// `max(0, min(1, alpha x + beta))`.
extension HardSigmoid: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { max(0, min(1, alpha * x + beta)) }
}
