import ZooCore

/// The element-wise product `a * b` (broadcasting in BroadcastKernel).
struct MulFunction: BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b }
}
