import ZooCore

/// `min(max(x, min), max)`, an absent bound being infinite; with `min > max` every element
/// becomes `max` (ONNX Clip).
extension Clip: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float {
        let low = min ?? -.infinity, high = max ?? .infinity
        let raised = x < low ? low : x
        return raised > high ? high : raised
    }
}
