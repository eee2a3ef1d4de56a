import ZooCore

/// The element-wise difference `a - b` (broadcasting in BroadcastKernel).
struct SubFunction: BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b }
}
