import Foundation
import ZooCore

/// `exp(x)`.
extension Exp: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { exp(x) }
}
