import Testing
import ZooCore

/// Shapes, parameters, FLOPs and field steps of the reductions, the variadic Mean/Max/Min and
/// the normalizations, each computed by hand in the comment beside it from the rules in the op
/// files: reductions 1 FLOP per input element; Mean 1 per output element per operand, Max/Min
/// 1 per output element per operand beyond the first; normalizations 6 per element plus 1 for
/// a scale and 1 for a shift.
@Suite("Reductions, variadic ops and normalizations: shapes, parameters, costs, fields")
struct NormalizationReductionTests {
    @Test("reductions: keepdims keeps size-1 axes, otherwise they are dropped; empty axes reduce every axis")
    func reductionShapes() throws {
        // [N, 4, 5, 6] over [2, 3], keepdims: [N, 4, 1, 1]; 4·5·6 = 120 FLOPs per sample.
        var result = try OpTestKit.evaluate(ReduceMean(axes: [2, 3]), [["N", 4, 5, 6]])
        #expect(result.output == ["N", 4, 1, 1])
        #expect(result.cost == Cost(flops: 120))
        #expect(result.step == .reduce(axes: [2, 3]))
        // [2, 3, 4] over [-1, 0] dropped: [3]; 24 FLOPs; axes sorted [0, 2].
        result = try OpTestKit.evaluate(ReduceSum(axes: [-1, 0], keepDims: false), [[2, 3, 4]])
        #expect(result.output == [3])
        #expect(result.cost == Cost(flops: 24))
        #expect(result.step == .reduce(axes: [0, 2]))
        // no axes: all of [2, 3] -> [1, 1] kept, [] dropped.
        #expect(try ReduceMax().outputShape(inputs: [[2, 3]]) == [1, 1])
        #expect(try ReduceMin(keepDims: false).outputShape(inputs: [[2, 3]]) == Shape([Dim]()))
    }

    @Test("reductions refuse axes outside the rank and repeated axes")
    func reductionErrors() throws {
        try OpTestKit.expectError(.invalidGraph, mentioning: ["axis", "[-3, 2]", "Received: axis 3"]) {
            _ = try ReduceMean(axes: [3]).outputShape(inputs: [[1, 2, 3]])
        }
        try OpTestKit.expectError(.invalidGraph, mentioning: ["distinct", "[1, -2]"]) {
            _ = try ReduceSum(axes: [1, -2]).outputShape(inputs: [[1, 2, 3]])
        }
    }

    @Test("a reduction without keepdims drops its axes from the receptive field; a spatial one is global")
    func reductionFields() throws {
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: ["N", 3, 8, 8])],
            layers: [
                Layer("conv", .conv(Conv(kernel: try OpTestKit.declared([4, 3, 3, 3]), bias: nil)), inputs: ["x"]),
                Layer("channels", .reduceSum(ReduceSum(axes: [1], keepDims: false)), inputs: ["conv"]),
                Layer("rows", .reduceMax(ReduceMax(axes: [2])), inputs: ["channels"]),
            ],
            outputs: [GraphOutput(name: "rows")])
        let report = try Analyzer.analyze(graph, model: "rf", format: "test")
        // conv 3x3: field 3 on H and W; the channel sum [N, 6, 6] moves it to axes 1 and 2;
        // the max over axis 2 (W, size 6) mixes a spatial axis: global.
        let channels = try #require(report.layer("channels")?.receptiveField)
        #expect(channels.size == [3, 3])
        #expect(channels.stride == [1, 1])
        #expect(report.layer("rows")?.fieldState == .global)
    }

    @Test("variadic mean, max and min broadcast every operand; their FLOPs")
    func variadicOps() throws {
        // [1, 4, 3, 3], [4, 1, 1], [3]: broadcast [1, 4, 3, 3], 36 elements.
        let inputs: [Shape] = [[1, 4, 3, 3], [4, 1, 1], [3]]
        let mean = try OpTestKit.evaluate(Mean(), inputs)
        #expect(mean.output == [1, 4, 3, 3])
        #expect(mean.cost == Cost(flops: 3 * 36))  // two additions and a division
        #expect(try OpTestKit.evaluate(Maximum(), inputs).cost == Cost(flops: 2 * 36))
        #expect(try OpTestKit.evaluate(Minimum(), inputs).step == .elementwise)
        try OpTestKit.expectError(.shapeMismatch, mentioning: ["broadcast", "[2, 3]", "[4]"]) {
            _ = try Maximum().outputShape(inputs: [[2, 3], [4]])
        }
    }

    @Test("layernorm: scale and bias of the normalized shape, 6 + 1 + 1 FLOPs per element, a reduce field over axis..last")
    func layerNorm() throws {
        let op = LayerNorm(axis: -2, scale: try OpTestKit.filled([5, 6]), bias: try OpTestKit.filled([5, 6]))
        let result = try OpTestKit.evaluate(op, [["N", 4, 5, 6]])
        #expect(result.output == ["N", 4, 5, 6])
        #expect(result.cost == Cost(flops: 8 * 120))
        #expect(result.step == .reduce(axes: [2, 3]))
        #expect(OpTestKit.counts(op.weights).trainable == 60)
        // no bias: 7 per element.
        let unbiased = LayerNorm(scale: try OpTestKit.filled([6]), bias: nil)
        #expect(try OpTestKit.evaluate(unbiased, [[2, 6]]).cost == Cost(flops: 7 * 12))
        try OpTestKit.expectError(.shapeMismatch, mentioning: ["scale", "[6]", "Received", "[5]"]) {
            _ = try LayerNorm(scale: try OpTestKit.filled([5]), bias: nil).outputShape(inputs: [[2, 6]])
        }
        try OpTestKit.expectError(.invalidGraph, mentioning: ["epsilon", "nan"]) {
            _ = try LayerNorm(epsilon: .nan, scale: nil, bias: nil).outputShape(inputs: [[2, 6]])
        }
        try OpTestKit.expectError(.invalidGraph, mentioning: ["axis", "Received: axis 2"]) {
            _ = try LayerNorm(axis: 2, scale: nil, bias: nil).outputShape(inputs: [[2, 6]])
        }
    }

    @Test("instancenorm and groupnorm: per-channel (or per-group) weights, 8 FLOPs per element, fields over the spatial axes")
    func instanceAndGroupNorm() throws {
        let instance = InstanceNorm(scale: try OpTestKit.filled([3]), bias: try OpTestKit.filled([3]), epsilon: 1e-3)
        let result = try OpTestKit.evaluate(instance, [[1, 3, 4, 4]])
        #expect(result.cost == Cost(flops: 8 * 48))
        #expect(result.step == .reduce(axes: [2, 3]))
        try OpTestKit.expectError(.shapeMismatch, mentioning: ["instancenorm", "[N, C, spatial...]", "[1, 3]"]) {
            _ = try instance.outputShape(inputs: [[1, 3]])
        }
        // groups 2 of 6 channels; weights per channel (12 parameters) or per group (4).
        let perChannel = GroupNorm(groups: 2, scale: try OpTestKit.filled([6]), bias: try OpTestKit.filled([6]))
        #expect(try OpTestKit.evaluate(perChannel, [["N", 6, 2, 2]]).step == .reduce(axes: [1, 2, 3]))
        #expect(OpTestKit.counts(perChannel.weights).trainable == 12)
        let perGroup = GroupNorm(groups: 2, scale: try OpTestKit.filled([2]), bias: nil)
        #expect(try OpTestKit.evaluate(perGroup, [["N", 6, 2, 2]]).cost == Cost(flops: 7 * 24))
        try OpTestKit.expectError(.invalidGraph, mentioning: ["num_groups", "divide", "4", "[N, 6, 2, 2]"]) {
            _ = try GroupNorm(groups: 4, scale: nil, bias: nil).outputShape(inputs: [["N", 6, 2, 2]])
        }
        try OpTestKit.expectError(.shapeMismatch, mentioning: ["bias", "[6]", "[3]"]) {
            _ = try GroupNorm(groups: 2, scale: nil, bias: try OpTestKit.filled([3])).outputShape(inputs: [["N", 6, 2, 2]])
        }
    }

    @Test("logsoftmax: any axis, 3 FLOPs per element")
    func logSoftmax() throws {
        let result = try OpTestKit.evaluate(LogSoftmax(axis: 1), [[2, 3, 4]])
        #expect(result.cost == Cost(flops: 72))
        #expect(result.step == .reduce(axes: [1]))
    }
}
