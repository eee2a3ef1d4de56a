import CZooKernels
import ZooCore

/// `x sigmoid(x) = x / (1 + exp(-x))`, computed by CZooKernels (``VectorActivation``).
extension SiLU: VectorActivation {
    static var kernelActivation: zoo_activation { ZOO_ACTIVATION_SILU }
}
