import ZooCore

/// The element-wise maximum `max(a, b)`, NaN when either is NaN (broadcasting in BroadcastKernel).
struct MaximumFunction: BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : (b > a ? b : a) }
}
