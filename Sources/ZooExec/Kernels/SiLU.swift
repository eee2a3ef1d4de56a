import Foundation
import ZooCore

/// `x sigmoid(x) = x / (1 + exp(-x))`.
extension SiLU: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { x / (1 + exp(-x)) }
}
