import ZooCore

/// `min(max(x, min), max)`, an absent bound being infinite; with `min > max` every element
/// becomes `max` (ONNX Clip).
extension Clip: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float {
        let (low, high) = bounds
        let raised = x < low ? low : x
        return raised > high ? high : raised
    }

    var stored: StoredActivation? { StoredActivation(low: bounds.low, high: bounds.high) }

    private var bounds: (low: Float, high: Float) { (min ?? -.infinity, max ?? .infinity) }
}
