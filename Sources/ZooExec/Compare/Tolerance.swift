/// When two values count as equal: `|a - b| <= atol + rtol |b|` element by element, `b` being
/// the reference (NumPy's `allclose`). NaNs equal NaNs and infinities equal infinities of the
/// same sign, as in `numpy.testing.assert_allclose`.
public struct Tolerance: Sendable, Equatable {
    public var rtol: Float
    public var atol: Float

    /// zoo's defaults: rtol 1e-4, atol 1e-5.
    public init(rtol: Float = 1e-4, atol: Float = 1e-5) {
        self.rtol = rtol
        self.atol = atol
    }

    /// Whether `actual` is close enough to `reference`.
    @inline(__always)
    public func accepts(_ actual: Float, _ reference: Float) -> Bool {
        if actual == reference { return true }
        if actual.isNaN || reference.isNaN { return actual.isNaN && reference.isNaN }
        if actual.isInfinite || reference.isInfinite { return false }
        return abs(actual - reference) <= atol + rtol * abs(reference)
    }
}
