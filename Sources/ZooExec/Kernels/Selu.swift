import Foundation
import ZooCore

/// `gamma x` for `x > 0`, else `gamma (alpha e^x - alpha) = gamma (alpha expm1(x))`.
extension Selu: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { x > 0 ? gamma * x : gamma * (alpha * expm1(x)) }
}
