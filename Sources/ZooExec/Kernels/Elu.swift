import Foundation
import ZooCore

/// `x` for `x >= 0`, else `alpha (exp(x) - 1)`, with `exp(x) - 1` as `expm1(x)` (exact near 0).
extension Elu: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { x >= 0 ? x : alpha * expm1(x) }
}
