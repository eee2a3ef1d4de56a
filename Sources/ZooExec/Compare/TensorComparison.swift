import ZooCore

/// How far one tensor is from a reference tensor of the same shape.
///
/// - `maxAbs`: `max |a - b|`
/// - `maxRel`: `max |a - b| / |b|` over the elements where `b != 0`
/// - `cosine`: `sum a b / (||a|| ||b||)`, in double precision (1 when both are zero)
/// - `failures`: how many elements the tolerance rejects, and the first one's index
public struct TensorComparison: Sendable {
    public let shape: [Int]
    public let referenceShape: [Int]
    public let maxAbs: Double
    public let maxRel: Double
    public let cosine: Double
    public let failures: Int
    /// The flat index of the first rejected element.
    public let firstFailure: Int?
    /// The candidate's and the reference's values at ``firstFailure``.
    public let firstFailureValues: (actual: Float, reference: Float)?
    public let tolerance: Tolerance

    /// Whether the shapes agree and every element is within the tolerance.
    public var passes: Bool { shape == referenceShape && failures == 0 }

    /// Compares `actual` with `reference` under `tolerance`. Tensors of different shapes do not
    /// compare (every figure is NaN) unless they hold the same number of elements and differ only
    /// in size-1 axes.
    public init(_ actual: Tensor, reference: Tensor, tolerance: Tolerance) {
        self.tolerance = tolerance
        shape = actual.shape
        referenceShape = reference.shape
        let a = actual.storage?.buffer ?? UnsafeBufferPointer(start: nil, count: 0)
        let b = reference.storage?.buffer ?? UnsafeBufferPointer(start: nil, count: 0)
        guard Self.sameLayout(actual.shape, reference.shape), a.count == b.count else {
            maxAbs = .nan
            maxRel = .nan
            cosine = .nan
            failures = max(a.count, b.count, 1)
            firstFailure = nil
            firstFailureValues = nil
            return
        }
        var maxAbs = 0.0, maxRel = 0.0, dot = 0.0, normA = 0.0, normB = 0.0
        var failures = 0
        var first: Int?
        for index in 0..<a.count {
            let x = a[index], y = b[index]
            if !tolerance.accepts(x, y) {
                failures += 1
                if first == nil { first = index }
            }
            if x.isFinite, y.isFinite {
                let difference = abs(Double(x) - Double(y))
                maxAbs = max(maxAbs, difference)
                if y != 0 { maxRel = max(maxRel, difference / abs(Double(y))) }
                dot += Double(x) * Double(y)
                normA += Double(x) * Double(x)
                normB += Double(y) * Double(y)
            } else if x != y, !(x.isNaN && y.isNaN) {
                maxAbs = .infinity
                maxRel = .infinity
            }
        }
        self.maxAbs = maxAbs
        self.maxRel = maxRel
        cosine = normA == 0 && normB == 0 ? 1 : dot / ((normA * normB).squareRoot())
        self.failures = failures
        firstFailure = first
        firstFailureValues = first.map { (a[$0], b[$0]) }
    }

    /// Whether two shapes hold the elements in the same order (equal after dropping size-1 axes).
    static func sameLayout(_ a: [Int], _ b: [Int]) -> Bool {
        a.filter { $0 != 1 } == b.filter { $0 != 1 }
    }
}
