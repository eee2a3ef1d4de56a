import ZooCore

/// `max(x, 0)`, NaN staying NaN (as NumPy's `maximum` and the ONNX reference).
extension Relu: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { x < 0 ? 0 : x }
    var stored: StoredActivation? { StoredActivation(low: 0) }
}
