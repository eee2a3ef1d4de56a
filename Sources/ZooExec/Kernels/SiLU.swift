import CZooKernels
import ZooCore

/// `x sigmoid(x) = x / (1 + exp(-x))`, with ``Sigmoid``'s vector exp.
extension SiLU: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float {
        var y = x
        withUnsafeMutablePointer(to: &y) { map($0, $0, count: 1) }
        return y
    }

    var stored: StoredActivation? { StoredActivation(function: ZOO_ACTIVATION_SILU) }

    func map(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int) {
        zoo_kernels_silu(InstructionSet.best.rawValue, source, destination, count)
    }
}
