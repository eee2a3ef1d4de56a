import Testing
import ZooCore
import ZooExec

/// The ZooExec contract of DESIGN.md section 9: for every op kind of `Op.allKinds`, the kernel's
/// output shape equals the op's shape rule (`outputShape(inputs:)`), on samples chosen for the
/// edges of each rule (1-D windows, ceil mode, rank-1 matmul operands, scalars, `0` and `-1`
/// reshape entries, flatten at both ends, padding to each mode's limit).
@Suite("Kernel contract")
struct KernelContractTests {
    /// One sample: an op and the shapes of its runtime inputs.
    struct Sample {
        let op: Op
        let inputs: [[Int]]
    }

    /// The samples, at least one per op kind.
    static func samples() throws -> [Sample] {
        var rng = SplitMix64(seed: 0xC0_47AC7)
        let window = SpatialWindow(kernel: [3, 2], stride: [2, 2], dilation: [1, 2], padding: .explicit(begin: [1, 0], end: [1, 1]), ceilMode: true)
        return [
            Sample(op: .conv(Conv(kernel: try rng.tensor([4, 3, 3, 3]), bias: try rng.tensor([4]), padding: .same(extra: .end))), inputs: [[2, 3, 7, 6]]),
            Sample(
                op: .conv(Conv(kernel: try rng.tensor([6, 1, 3]), bias: nil, stride: [3], dilation: [2], padding: .same(extra: .beginning), groups: 3)),
                inputs: [[1, 3, 11]]),
            Sample(op: .conv(Conv(kernel: try rng.tensor([4, 2, 1, 1]), bias: nil, groups: 2)), inputs: [[3, 4, 5, 5]]),
            Sample(
                op: .convTranspose(ConvTranspose(
                    kernel: try rng.tensor([3, 2, 3, 3]), bias: try rng.tensor([2]), stride: [2, 2],
                    padding: .explicit(begin: [1, 0], end: [1, 2]), outputPadding: [1, 0])),
                inputs: [[2, 3, 4, 5]]),
            Sample(
                op: .convTranspose(ConvTranspose(
                    kernel: try rng.tensor([4, 3, 3]), bias: nil, stride: [3], dilation: [2], padding: .same(extra: .beginning),
                    outputPadding: [2], groups: 2)),
                inputs: [[1, 4, 6]]),
            Sample(
                op: .convTranspose(ConvTranspose(
                    kernel: try rng.tensor([1, 2, 3, 3]), bias: try rng.tensor([2]), stride: [3, 2], padding: .same(extra: .beginning),
                    outputShape: [10, 8])),
                inputs: [[1, 1, 3, 3]]),
            Sample(op: .convTranspose(ConvTranspose(kernel: try rng.tensor([2, 1, 1]), bias: nil, stride: [3], padding: .same(extra: .end))), inputs: [[2, 2, 4]]),
            Sample(op: .maxPool(MaxPool(window: window)), inputs: [[2, 3, 9, 8]]),
            Sample(
                op: .maxPool(MaxPool(window: SpatialWindow(kernel: [2], stride: [2], padding: .explicit(begin: [0], end: [1]), ceilMode: true))),
                inputs: [[1, 2, 4]]),
            Sample(op: .averagePool(AveragePool(window: window, countIncludePad: true)), inputs: [[1, 2, 10, 7]]),
            Sample(op: .averagePool(AveragePool(window: SpatialWindow(kernel: [3], padding: .same(extra: .end)))), inputs: [[2, 2, 5]]),
            Sample(op: .globalAveragePool(GlobalAveragePool()), inputs: [[2, 3, 4, 5]]),
            Sample(op: .globalAveragePool(GlobalAveragePool()), inputs: [[1, 2, 3, 2, 2]]),
            Sample(op: .globalMaxPool(GlobalMaxPool()), inputs: [[2, 3, 7]]),
            Sample(op: .dense(Dense(weight: try rng.tensor([3, 5]), bias: try rng.tensor([3]))), inputs: [[2, 5]]),
            Sample(op: .dense(Dense(weight: try rng.tensor([2, 4]), bias: nil)), inputs: [[4]]),
            Sample(op: .dense(Dense(weight: try rng.tensor([2, 4]), bias: nil)), inputs: [[2, 3, 4]]),
            Sample(op: .matMul(MatMul()), inputs: [[3], [3]]),
            Sample(op: .matMul(MatMul()), inputs: [[2, 1, 3, 4], [5, 4, 2]]),
            Sample(op: .matMul(MatMul()), inputs: [[4], [2, 4, 3]]),
            Sample(
                op: .batchNorm(BatchNorm(gamma: nil, beta: try rng.tensor([3]), mean: try rng.tensor([3]), variance: try rng.tensor([3], in: 0.5...1))),
                inputs: [[2, 3]]),
            Sample(
                op: .batchNorm(BatchNorm(
                    gamma: try rng.tensor([2]), beta: nil, mean: try rng.tensor([2]), variance: try rng.tensor([2], in: 0.5...1), epsilon: 1e-3)),
                inputs: [[1, 2, 3, 3]]),
            Sample(
                op: .normalization(Normalization(mean: try rng.tensor([3, 1, 1]), variance: try rng.tensor([3, 1, 1], in: 0...2), isStored: false)),
                inputs: [[2, 3, 2, 2]]),
            Sample(op: .relu(Relu()), inputs: [[2, 3, 4]]),
            Sample(op: .clip(Clip(min: -1)), inputs: [[5]]),
            Sample(op: .sigmoid(Sigmoid()), inputs: [[1, 2, 3, 4]]),
            Sample(op: .tanh(Tanh()), inputs: [[3, 1]]),
            Sample(op: .softmax(Softmax(axis: 0)), inputs: [[3, 4]]),
            Sample(op: .softmax(Softmax()), inputs: [[2, 3, 4]]),
            Sample(op: .leakyRelu(LeakyRelu()), inputs: [[2, 2]]),
            Sample(op: .prelu(PRelu(slope: try rng.tensor([3, 1, 1]))), inputs: [[2, 3, 2, 2]]),
            Sample(op: .prelu(PRelu(slope: try rng.tensor([4]))), inputs: [[2, 4]]),
            Sample(op: .hardSigmoid(HardSigmoid()), inputs: [[4, 1, 2]]),
            Sample(op: .hardSwish(HardSwish()), inputs: [[1, 8]]),
            Sample(op: .silu(SiLU()), inputs: [[2, 3, 2, 2]]),
            Sample(op: .elu(Elu()), inputs: [[2, 3, 1]]),
            Sample(op: .selu(Selu()), inputs: [[3, 4]]),
            Sample(op: .softplus(Softplus()), inputs: [[1, 2, 3, 2]]),
            Sample(op: .gelu(Gelu()), inputs: [[5, 2]]),
            Sample(op: .gelu(Gelu(approximate: .tanh)), inputs: [[2, 2, 3]]),
            Sample(op: .pow(Pow(exponent: 3)), inputs: [[2, 3]]),
            Sample(op: .pow(Pow(exponent: .tensor(try rng.tensor([3, 1])))), inputs: [[2, 1, 4]]),
            Sample(op: .sqrt(Sqrt()), inputs: [[2, 3]]),
            Sample(op: .exp(Exp()), inputs: [[3, 1, 2]]),
            Sample(op: .log(Log()), inputs: [[4]]),
            Sample(op: .neg(Neg()), inputs: [[1, 2, 2, 2]]),
            Sample(op: .abs(Abs()), inputs: [[2, 5]]),
            Sample(op: .reciprocal(Reciprocal()), inputs: [[3, 3]]),
            Sample(op: .erf(Erf()), inputs: [[1, 3, 2]]),
            Sample(op: .lrn(LRN(size: 3)), inputs: [[2, 5, 3, 3]]),
            Sample(op: .lrn(LRN(size: 4, alpha: 0.1, beta: 0.5, bias: 2)), inputs: [[1, 3, 4]]),
            Sample(op: .add(Add()), inputs: [[2, 1, 4], [3, 1], [4]]),
            Sample(op: .add(Add(constant: ConstantOperand(try rng.tensor([]), isFirst: true))), inputs: [[2, 3]]),
            Sample(op: .sub(Sub()), inputs: [[3, 1], [1, 4]]),
            Sample(op: .sub(Sub(constant: ConstantOperand(try rng.tensor([2, 1, 3]), isFirst: true))), inputs: [[4, 1]]),
            Sample(op: .mul(Mul(constant: ConstantOperand(try rng.tensor([3, 1, 1])))), inputs: [[1, 3, 2, 2]]),
            Sample(op: .mul(Mul()), inputs: [[5], [2, 5], [3, 1, 5]]),
            Sample(op: .div(Div()), inputs: [[2, 3], [3]]),
            Sample(op: .div(Div(constant: ConstantOperand(try rng.awayFromZero([4])))), inputs: [[2, 4]]),
            Sample(op: .concat(Concat()), inputs: [[2, 3, 4], [2, 1, 4], [2, 2, 4]]),
            Sample(op: .concat(Concat(axis: -1)), inputs: [[2, 3]]),
            Sample(op: .flatten(Flatten()), inputs: [[2, 3, 4, 5]]),
            Sample(op: .flatten(Flatten(axis: 0)), inputs: [[2, 3]]),
            Sample(op: .flatten(Flatten(axis: 3)), inputs: [[2, 3, 4]]),
            Sample(op: .reshape(Reshape(target: [0, -1])), inputs: [[2, 3, 4]]),
            Sample(op: .reshape(Reshape(target: [4, 0, 1, -1])), inputs: [[2, 3, 4]]),
            Sample(op: .transpose(Transpose(permutation: nil)), inputs: [[2, 3, 4]]),
            Sample(op: .transpose(Transpose.nchwToNhwc), inputs: [[1, 3, 4, 5]]),
            Sample(op: .pad(Pad(pads: [0, 1, 2, 0, 2, 1])), inputs: [[2, 3, 3]]),
            Sample(op: .pad(Pad(pads: [0, 0, 2, 2, 0, 0, 2, 2], mode: .reflect)), inputs: [[1, 1, 3, 3]]),
            Sample(op: .pad(Pad(pads: [1, 3, 1, 3], mode: .wrap)), inputs: [[2, 3]]),
            Sample(op: .pad(Pad(pads: [2, 2], mode: .symmetric)), inputs: [[2]]),
            Sample(op: .pad(Pad(pads: [0, 4, 0, 1], mode: .edge)), inputs: [[1, 1]]),
            Sample(op: .resize(Resize(interpolation: .nearest, target: .scales([1, 1, 2, 3]), coordinateMode: .asymmetric, nearestRounding: .floor)), inputs: [[2, 3, 4, 5]]),
            Sample(op: .resize(Resize(interpolation: .linear, target: .sizes([3, 7], policy: .stretch), axes: [2, 3])), inputs: [[1, 2, 5, 4]]),
            Sample(op: .resize(Resize(interpolation: .cubic, target: .scales([1, 1.5, 1.7]), coordinateMode: .alignCorners)), inputs: [[2, 3, 5]]),
            Sample(op: .resize(Resize(interpolation: .linear, target: .scales([1, 1, 0.4, 0.5]), antialias: true)), inputs: [[1, 2, 8, 8]]),
            Sample(op: .resize(Resize(interpolation: .cubic, target: .scales([1, 1, 0.6, 2]), cubicCoefficient: -0.5, excludeOutside: true, antialias: true)), inputs: [[1, 1, 7, 3]]),
            Sample(
                op: .resize(Resize(
                    interpolation: .linear, target: .sizes([3, 4], policy: .stretch), axes: [3, 2], coordinateMode: .tfCropAndResize, extrapolationValue: 10,
                    roi: [0.2, -0.3, 1.2, 0.8])),
                inputs: [[1, 2, 4, 5]]),
            Sample(op: .resize(Resize(interpolation: .nearest, target: .sizes([1], policy: .stretch), axes: [-1], coordinateMode: .pytorchHalfPixel)), inputs: [[2, 3, 6]]),
            Sample(op: .resize(Resize(interpolation: .nearest, target: .sizes([3, 3], policy: .notSmaller), axes: [2, 3], nearestRounding: .ceil)), inputs: [[1, 1, 4, 6]]),
            Sample(op: .resize(Resize(interpolation: .linear, target: .scales([1, 1, 0.6, 1.7]), coordinateMode: .halfPixelSymmetric)), inputs: [[1, 1, 4, 5]]),
            Sample(op: .resize(Resize(interpolation: .nearest, target: .scales([1, 1, 2, 2]), coordinateMode: .tfHalfPixelForNN)), inputs: [[1, 2, 3, 3]]),
            Sample(op: .dropout(Dropout()), inputs: [[2, 4]]),
            Sample(op: .identity(Identity()), inputs: [[3]]),
            Sample(op: .slice(Slice(starts: [1, -1], ends: [Int.max, Int.min], axes: [2, -1], steps: [2, -2])), inputs: [[2, 3, 7, 6]]),
            Sample(op: .slice(Slice(starts: [5], ends: [5])), inputs: [[6, 2]]),
            Sample(op: .slice(Slice(starts: [0, 1], ends: [1, 3])), inputs: [[2, 4, 3]]),
            Sample(op: .gather(Gather(axis: 1, indices: [2], indicesShape: [])), inputs: [[2, 3, 4]]),
            Sample(op: .gather(Gather(axis: -1, indices: [0, -1, 1, 1, 2, -4], indicesShape: [2, 3])), inputs: [[2, 4]]),
            Sample(op: .gather(Gather(axis: 0, indices: [])), inputs: [[3, 2]]),
            Sample(op: .expand(Expand(shape: [2, 1, 3, 4])), inputs: [[3, 1]]),
            Sample(op: .expand(Expand(shape: [1])), inputs: [[2, 3]]),
            Sample(op: .expand(Expand(shape: [3, 2, 1])), inputs: [[1, 1, 5]]),
            Sample(op: .reduceMean(ReduceMean(axes: [1, -1])), inputs: [[2, 3, 2, 4]]),
            Sample(op: .reduceMean(ReduceMean(keepDims: false)), inputs: [[3, 5]]),
            Sample(op: .reduceSum(ReduceSum(axes: [0, 2], keepDims: false)), inputs: [[2, 3, 4]]),
            Sample(op: .reduceMax(ReduceMax(axes: [-2])), inputs: [[2, 5, 3]]),
            Sample(op: .reduceMin(ReduceMin(axes: [2, 3], keepDims: false)), inputs: [[1, 2, 3, 3]]),
            Sample(op: .mean(Mean()), inputs: [[2, 1, 4], [3, 1], [4]]),
            Sample(op: .mean(Mean(constant: ConstantOperand(try rng.tensor([3, 1])))), inputs: [[2, 3, 2]]),
            Sample(op: .maximum(Maximum()), inputs: [[3, 1], [1, 4]]),
            Sample(op: .minimum(Minimum()), inputs: [[5], [2, 5], [3, 1, 5]]),
            Sample(op: .layerNorm(LayerNorm(scale: try rng.tensor([4]), bias: try rng.tensor([4]))), inputs: [[2, 3, 4]]),
            Sample(op: .layerNorm(LayerNorm(axis: 1, epsilon: 1e-3, scale: try rng.tensor([3, 2]), bias: nil)), inputs: [[2, 3, 2]]),
            Sample(op: .instanceNorm(InstanceNorm(scale: try rng.tensor([3]), bias: try rng.tensor([3]))), inputs: [[2, 3, 4, 2]]),
            Sample(op: .groupNorm(GroupNorm(groups: 2, scale: try rng.tensor([4]), bias: try rng.tensor([4]))), inputs: [[2, 4, 3, 2]]),
            Sample(op: .groupNorm(GroupNorm(groups: 3, epsilon: 1e-2, scale: nil, bias: try rng.tensor([3]))), inputs: [[2, 3, 5]]),
            Sample(op: .logSoftmax(LogSoftmax(axis: 1)), inputs: [[2, 3, 4]]),
        ]
    }

    /// Every kind of `Op.allKinds` has a sample here: adding an op without one fails this test.
    @Test func everyOpKindHasASample() throws {
        let sampled = Set(try Self.samples().map(\.op.name))
        let kinds = Set(Op.allKinds.map { kind in kind.info.name })
        #expect(kinds.subtracting(sampled).isEmpty, "op kinds without a sample: \(kinds.subtracting(sampled).sorted())")
        #expect(sampled.subtracting(kinds).isEmpty, "samples of unknown kinds: \(sampled.subtracting(kinds).sorted())")
    }

    /// The op's shape rule gives the shape the oracle computes on its own (from the op's formulas,
    /// Oracle.swift), and the kernel's output matches the oracle's in shape and values.
    @Test func shapeRulesAndKernelsAgreeWithTheOracle() throws {
        var rng = SplitMix64(seed: 0x5_4A9E)
        for sample in try Self.samples() {
            let rule = try sample.op.semantics.outputShape(inputs: sample.inputs.map { Shape($0) })
            let inputs = try sample.inputs.map { try rng.awayFromZero($0) }
            let oracle = Oracle.evaluate(sample.op, inputs.map(OracleArray.init))
            #expect(rule.concrete == oracle.shape, "\(sample.op) on \(sample.inputs): rule \(rule), oracle \(oracle.shape)")
            ExecTestKit.checkAgainstOracle(sample.op, inputs, context: "contract sample")
        }
    }
}
