import ZooCore

/// The element-wise sum `a + b` (broadcasting in BroadcastKernel).
struct AddFunction: BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b }
}
