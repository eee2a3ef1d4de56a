import CZooKernels
import ZooCore

/// `1 / (1 + exp(-x))`, computed by CZooKernels (``VectorActivation``: relative error about
/// 2^-23; 0 below x = -88.37, 1 above x = 87.33).
extension Sigmoid: VectorActivation {
    static var kernelActivation: zoo_activation { ZOO_ACTIVATION_SIGMOID }
}
