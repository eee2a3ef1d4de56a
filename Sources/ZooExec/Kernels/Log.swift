import Foundation
import ZooCore

/// `ln(x)`.
extension Log: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { log(x) }
}
