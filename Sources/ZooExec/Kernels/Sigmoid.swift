import CZooKernels
import ZooCore

/// `1 / (1 + exp(-x))`, computed by CZooKernels (``VectorActivation``: relative error about
/// 2^-23; 1 above x = 87.33; 0 below x = -88.37 on AVX2 and SSE2, where AVX-512 gives the
/// subnormal values down to about x = -103).
extension Sigmoid: VectorActivation {
    static var kernelActivation: zoo_activation { ZOO_ACTIVATION_SIGMOID }
}
