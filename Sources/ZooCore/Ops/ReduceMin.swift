/// The smallest element along the reduced axes (ONNX ReduceMin):
///
///     Y[kept indices] = min_i X[i] over the reduced elements
///
/// See ``Reduction`` for the axes, `keepDims` and the shape rule.
/// - FLOPs: 1 per input element.
public struct ReduceMin: Reduction {
    public var op: Op { .reduceMin(self) }

    public var axes: [Int]
    public var keepDims: Bool

    public init(axes: [Int] = [], keepDims: Bool = true) {
        self.axes = axes
        self.keepDims = keepDims
    }

    public static let info = OpInfo(
        name: "reducemin", summary: "the smallest element along some axes (all when none are given)", flopRule: reductionFlopRule,
        fieldRule: reductionFieldRule)
}
