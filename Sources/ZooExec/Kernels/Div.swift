import ZooCore

/// The element-wise quotient `a / b` (broadcasting in BroadcastKernel).
struct DivFunction: BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b }
}
