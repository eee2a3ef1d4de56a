import Testing
import ZooCore

// The tests' own statement of the project's tolerance. It is written here, apart from ZooExec's
// `TensorComparison`, so that the production comparer is checked against a rule that shares no
// code with it.

/// Whether `actual` is within `atol + rtol |expected|` of `expected` (docs/DESIGN.md section 6).
/// An expected NaN wants a NaN and an expected infinity the same infinity; an actual NaN is never
/// close to a number.
public func isClose(_ actual: Double, _ expected: Double, rtol: Double, atol: Double) -> Bool {
    if expected.isNaN { return actual.isNaN }
    if expected.isInfinite { return actual == expected }
    return abs(actual - expected) <= atol + rtol * abs(expected)
}

/// Why the row-major values `actual` of shape `actualShape` are not close to `expected` of
/// shape `expectedShape` (``isClose(_:_:rtol:atol:)`` elementwise): the shapes, the element
/// counts, or the first element outside the tolerance with its multi-index and both values.
/// Nil when every element is close.
public func closenessProblem(
    _ actual: [Double], shape actualShape: [Int], _ expected: [Double], shape expectedShape: [Int], rtol: Double, atol: Double
) -> String? {
    guard actualShape == expectedShape else {
        return "shape \(actualShape), expected \(expectedShape)"
    }
    guard actual.count == expected.count else {
        return "element count \(actual.count), expected \(expected.count)"
    }
    for (offset, (a, b)) in zip(actual, expected).enumerated() where !isClose(a, b, rtol: rtol, atol: atol) {
        return "element \(multiIndex(offset, shape: expectedShape)): \(a), expected \(b) (|diff| \(abs(a - b)), rtol \(rtol), atol \(atol))"
    }
    return nil
}

/// ``closenessProblem(_:shape:_:shape:rtol:atol:)`` for two tensors; a tensor that is declared
/// only (no values) is a problem too.
public func closenessProblem(_ actual: Tensor, _ expected: Tensor, rtol: Float, atol: Float) -> String? {
    guard let actualValues = actual.values, let expectedValues = expected.values else {
        return "\(actual.isMaterialized ? "expected" : "actual") tensor declared, without values"
    }
    return closenessProblem(
        actualValues.map(Double.init), shape: actual.shape, expectedValues.map(Double.init), shape: expected.shape,
        rtol: Double(rtol), atol: Double(atol))
}

/// Expects `actual` to have `expected`'s shape and every element within `atol + rtol |expected|`
/// of `expected`'s (the defaults are the project's, rtol 1e-4 and atol 1e-5); otherwise records
/// one issue naming the first element that is not, after `comment` when given.
public func expectClose(
    _ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-4, atol: Float = 1e-5, _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let problem = closenessProblem(actual, expected, rtol: rtol, atol: atol) else { return }
    let prefix = comment.map { "\($0.rawValue): " } ?? ""
    Issue.record("\(prefix)not close: \(problem)", sourceLocation: sourceLocation)
}

/// The row-major multi-index of element `offset` of a tensor of `shape`.
private func multiIndex(_ offset: Int, shape: [Int]) -> [Int] {
    var rest = offset
    var index = Array(repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
        index[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return index
}
