/// The sum along the reduced axes (ONNX ReduceSum):
///
///     Y[kept indices] = sum_i X[i] over the reduced elements
///
/// See ``Reduction`` for the axes, `keepDims` and the shape rule.
/// - FLOPs: 1 per input element.
public struct ReduceSum: Reduction {
    public var op: Op { .reduceSum(self) }

    public var axes: [Int]
    public var keepDims: Bool

    public init(axes: [Int] = [], keepDims: Bool = true) {
        self.axes = axes
        self.keepDims = keepDims
    }

    public static let info = OpInfo(
        name: "reducesum", summary: "the sum along some axes (all when none are given)", flopRule: reductionFlopRule,
        fieldRule: reductionFieldRule)
}
