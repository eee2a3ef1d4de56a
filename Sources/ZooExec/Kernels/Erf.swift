import Foundation
import ZooCore

/// `erf(x)` (the C library's `erff`).
extension Erf: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float { erf(x) }
}
