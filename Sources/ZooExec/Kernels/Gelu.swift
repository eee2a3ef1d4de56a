import Foundation
import ZooCore

/// `0.5 x (1 + erf(x / sqrt 2))`, computed as `0.5 x erfc(-x / sqrt 2)`; with the tanh
/// approximation `0.5 x (1 + tanh(z))`, `z = sqrt(2 / pi) (x + 0.044715 x^3)`, computed as
/// `x / (1 + exp(-2 z))`. Both rewrites are the same functions (`1 + erf(t) = erfc(-t)`,
/// `1 + tanh(z) = 2 / (1 + exp(-2 z))`) without the cancellation of `1 + (-1 + small)` for large
/// negative `x`.
extension Gelu: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float {
        switch approximate {
        case .exact: return 0.5 * x * erfc(-x * Self.inverseSquareRootOfTwo)
        case .tanh: return x / (1 + exp(-2 * Self.squareRootOfTwoOverPi * (x + 0.044715 * x * x * x)))
        }
    }

    /// `1 / sqrt(2)` rounded to float.
    static let inverseSquareRootOfTwo: Float = 0.70710678118654752
    /// `sqrt(2 / pi)` rounded to float.
    static let squareRootOfTwoOverPi: Float = 0.79788456080286536
}
