import Foundation
import ZooCore

/// `x ^ e` (the C library's `powf`) with one exponent `e` for every element; a tensor exponent
/// runs in a ``BroadcastKernel`` with ``PowFunction`` instead, and is no fused epilogue.
extension Pow: ElementwiseFunction {
    var isElementwise: Bool { scalarExponent != nil }

    func callAsFunction(_ x: Float) -> Float { pow(x, scalarExponent ?? .nan) }

    func map(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        let e = scalarExponent ?? .nan
        for k in 0..<count { destination[k] = pow(source[k], e) }
    }
}

/// `a ^ b`, the base first (broadcasting in BroadcastKernel).
struct PowFunction: BinaryFunction {
    func callAsFunction(_ a: Float, _ b: Float) -> Float { pow(a, b) }
}
