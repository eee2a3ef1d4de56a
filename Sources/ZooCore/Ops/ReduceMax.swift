/// The largest element along the reduced axes (ONNX ReduceMax):
///
///     Y[kept indices] = max_i X[i] over the reduced elements
///
/// See ``Reduction`` for the axes, `keepDims` and the shape rule.
/// - FLOPs: 1 per input element.
public struct ReduceMax: Reduction {
    public var op: Op { .reduceMax(self) }

    public var axes: [Int]
    public var keepDims: Bool

    public init(axes: [Int] = [], keepDims: Bool = true) {
        self.axes = axes
        self.keepDims = keepDims
    }

    public static let info = OpInfo(
        name: "reducemax", summary: "the largest element along some axes (all when none are given)", flopRule: reductionFlopRule,
        fieldRule: reductionFieldRule)
}
