/// The mean along the reduced axes (ONNX ReduceMean):
///
///     Y[kept indices] = sum_i X[i] / n over the reduced elements
///
/// See ``Reduction`` for the axes, `keepDims` and the shape rule.
/// - FLOPs: 1 per input element.
public struct ReduceMean: Reduction {
    public var op: Op { .reduceMean(self) }

    public var axes: [Int]
    public var keepDims: Bool

    public init(axes: [Int] = [], keepDims: Bool = true) {
        self.axes = axes
        self.keepDims = keepDims
    }

    public static let info = OpInfo(
        name: "reducemean", summary: "the mean along some axes (all when none are given)", flopRule: reductionFlopRule,
        fieldRule: reductionFieldRule)
}
