import Foundation
import ZooCore

/// `ln(exp(x) + 1)` as `max(x, 0) + log1p(exp(-|x|))`: the same function, which neither
/// overflows for large `x` nor loses the small values of large negative `x`.
extension Softplus: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { max(x, 0) + log1p(exp(-x.magnitude)) }
}
