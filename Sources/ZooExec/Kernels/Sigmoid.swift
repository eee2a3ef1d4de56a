import Foundation
import ZooCore

/// `1 / (1 + exp(-x))`.
extension Sigmoid: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
}
