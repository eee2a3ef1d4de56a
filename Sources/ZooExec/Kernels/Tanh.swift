import Foundation
import ZooCore

/// `tanh(x)`.
extension Tanh: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { tanh(x) }
}
