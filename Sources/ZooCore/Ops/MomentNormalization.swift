/// What layer, instance and group normalization share: each normalizes groups of elements by
/// their own mean and variance, `(x - mean) / sqrt(variance + epsilon)` (the biased variance,
/// divided by the group's element count), then applies an optional per-element scale and shift.
///
/// - FLOPs: 6 per element (mean 1, variance 3: subtract, square, add; normalize 2: subtract,
///   multiply by 1 / sqrt(variance + epsilon)), plus 1 for the scale and 1 for the shift when
///   present. The per-group square roots are not counted.
enum MomentNormalization {
    /// The FLOP rule text of the normalizations.
    static let flopRule = "6 per element (mean 1, variance 3, normalize 2), +1 scale, +1 shift when present"

    /// The FLOPs of normalizing `shape` with the scale and shift present or not.
    static func cost(_ shape: Shape, scale: Bool, shift: Bool) throws -> Cost {
        try .perElement(6 + (scale ? 1 : 0) + (shift ? 1 : 0), of: shape)
    }

    /// Refuses an epsilon that is NaN, infinite or negative.
    static func checkEpsilon(_ epsilon: Float, op: String) throws {
        guard epsilon.isFinite, epsilon >= 0 else {
            throw ZooError(.invalidGraph, "\(op) epsilon must be finite and non-negative. Received: epsilon \(epsilon).")
        }
    }

    /// Refuses a scale or shift whose shape is not `expected` (`what` says what it covers).
    static func checkAffine(_ name: String, _ tensor: Tensor?, expected: [Int], what: String, op: String, input: Shape) throws {
        guard let tensor, tensor.shape != expected else { return }
        throw ZooError(
            .shapeMismatch,
            "\(op) \(name) must have the shape \(expected) (\(what)). Received: input \(input), \(name) \(tensor.shape).")
    }
}
