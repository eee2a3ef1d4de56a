import CZooKernels
import ZooCore

/// Hard swish as Keras writes it and tf2onnx exports it, four ops on the same value `x`:
///
///     x * (min(max(x + 3, 0), 6) * (1 / 6))      (Add 3, Clip 0..6, Mul by the float 1/6, Mul by x)
///
/// each operation rounded to float as the four kernels would, so that the fused chain gives their
/// bits (ONNX HardSwish-14's `x max(0, min(1, x / 6 + 1 / 2))` rounds differently and stays its
/// own op). Computed by CZooKernels (``VectorActivation``), so convolutions apply it as they
/// store a tile. ``Fusion`` matches the chain; it is not an op of the IR.
struct HardSwishChain: VectorActivation {
    static var kernelActivation: zoo_activation { ZOO_ACTIVATION_HARD_SWISH }

    /// The ops of the chain, in order, for the step's name.
    static let opNames = [Add.info.name, Clip.info.name, Mul.info.name, Mul.info.name]
}
