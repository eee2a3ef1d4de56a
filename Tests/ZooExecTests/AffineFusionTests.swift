import Testing
import ZooCore
import ZooExec

/// The graph rewriting a run does for foreign exports: per-channel Mul/Add/Sub/Div by constants
/// (and batch norms) after a conv, a dense or a batch norm fold into its weights, and transposes
/// that cancel run as nothing. Each case is checked three ways: the fused run, the unfused run
/// and the double-precision oracle agree, and the profile names the steps that ran, so a fold
/// that silently did not happen fails too.
@Suite("Affine fusion")
struct AffineFusionTests {
    /// The op names of the steps a fused, profiled run takes.
    static func steps(_ graph: Graph, _ inputs: [String: Tensor]) throws -> [String] {
        try Executor(graph: graph, options: ExecutionOptions(threads: 1, profiling: true)).run(inputs).timings.map(\.op)
    }

    static func graph(_ input: [Int], _ layers: [Layer]) throws -> Graph {
        try Graph(inputs: [GraphInput(name: "x", shape: Shape(input))], layers: layers, outputs: [GraphOutput(name: layers[layers.count - 1].name)])
    }

    @Test("conv followed by per-channel Mul, Add, Sub (both orders) and Div, then ReLU, is one step")
    func convAffineChain() throws {
        var rng = SplitMix64(seed: 0xAFF1)
        let x = ["x": try rng.tensor([2, 3, 6, 7], in: -2...2)]
        let graph = try Self.graph([2, 3, 6, 7], [
            Layer("conv", .conv(Conv(kernel: try rng.tensor([4, 3, 3, 3]), bias: try rng.tensor([4]), padding: .symmetric(1, axes: 2))), inputs: ["x"]),
            Layer("scale", .mul(Mul(constant: ConstantOperand(try rng.tensor([1, 4, 1, 1], in: 0.5...2)))), inputs: ["conv"]),
            Layer("shift", .add(Add(constant: ConstantOperand(try rng.tensor([4, 1, 1])))), inputs: ["scale"]),
            Layer("minus", .sub(Sub(constant: ConstantOperand(try rng.tensor([1, 4, 1, 1])))), inputs: ["shift"]),
            Layer("negated", .sub(Sub(constant: ConstantOperand(try rng.tensor([4, 1, 1]), isFirst: true))), inputs: ["minus"]),
            Layer("halved", .div(Div(constant: ConstantOperand(try Tensor(shape: [], values: [2])))), inputs: ["negated"]),
            Layer("relu", .relu(Relu()), inputs: ["halved"]),
        ])
        try ExecutorBehaviourTests.expectFusionInvariant(graph, x, "conv affine chain")
        #expect(try Self.steps(graph, x) == ["conv+mul+add+sub+sub+div+relu"])
    }

    @Test("dense takes per-unit Mul and Add in either weight order; batch norm takes them into gamma and beta")
    func denseAndBatchNormAffine() throws {
        var rng = SplitMix64(seed: 0xAFF2)
        let x = ["x": try rng.tensor([3, 5])]
        for order in [Dense.WeightOrder.outIn, .inOut] {
            let weight = try rng.tensor(order == .outIn ? [6, 5] : [5, 6])
            let graph = try Self.graph([3, 5], [
                Layer("dense", .dense(Dense(weight: weight, bias: nil, weightOrder: order)), inputs: ["x"]),
                Layer("scale", .mul(Mul(constant: ConstantOperand(try rng.tensor([6], in: 0.5...2)))), inputs: ["dense"]),
                Layer("shift", .add(Add(constant: ConstantOperand(try rng.tensor([1, 6])))), inputs: ["scale"]),
            ])
            try ExecutorBehaviourTests.expectFusionInvariant(graph, x, "dense \(order)")
            #expect(try Self.steps(graph, x) == ["dense+mul+add"])
        }
        let image = ["x": try rng.tensor([2, 4, 3, 3])]
        let norm = BatchNorm(gamma: try rng.tensor([4], in: 0.5...1.5), beta: nil, mean: try rng.tensor([4]), variance: try rng.tensor([4], in: 0.5...1.5))
        let graph = try Self.graph([2, 4, 3, 3], [
            Layer("bn", .batchNorm(norm), inputs: ["x"]),
            Layer("scale", .mul(Mul(constant: ConstantOperand(try rng.tensor([4, 1, 1], in: 0.5...2)))), inputs: ["bn"]),
            Layer("shift", .add(Add(constant: ConstantOperand(try rng.tensor([1, 4, 1, 1])))), inputs: ["scale"]),
        ])
        try ExecutorBehaviourTests.expectFusionInvariant(graph, image, "batch norm affine")
        #expect(try Self.steps(graph, image) == ["batchnorm+mul+add"])
    }

    @Test("constants that are not per channel, or that broadcast the output, stay separate steps")
    func notPerChannelStaysSeparate() throws {
        var rng = SplitMix64(seed: 0xAFF3)
        let x = ["x": try rng.tensor([1, 2, 4, 4])]
        let conv = Conv(kernel: try rng.tensor([3, 2, 1, 1]), bias: nil)
        let cases: [(String, Op, [String])] = [
            // one value per column of the map, not per channel
            ("spatial", .mul(Mul(constant: ConstantOperand(try rng.tensor([1, 1, 1, 4])))), ["conv", "mul"]),
            // a rank-5 constant broadcasts the output to rank 5
            ("higher rank", .add(Add(constant: ConstantOperand(try rng.tensor([1, 1, 3, 1, 1])))), ["conv", "add"]),
            // c / y is not affine in y
            ("constant first division", .div(Div(constant: ConstantOperand(try rng.tensor([3, 1, 1], in: 1...2), isFirst: true))), ["conv", "div"]),
        ]
        for (label, op, expected) in cases {
            let graph = try Self.graph([1, 2, 4, 4], [Layer("conv", .conv(conv), inputs: ["x"]), Layer("after", op, inputs: ["conv"])])
            try ExecutorBehaviourTests.expectFusionInvariant(graph, x, label)
            #expect(try Self.steps(graph, x) == expected, "\(label)")
        }
    }

    @Test("two transposes whose permutations cancel run as one step that moves nothing; others move")
    func cancellingTransposes() throws {
        var rng = SplitMix64(seed: 0xAFF4)
        let x = ["x": try rng.tensor([2, 3, 4, 5])]
        let cancelling = try Self.graph([2, 3, 4, 5], [
            Layer("nhwc", .transpose(Transpose.nchwToNhwc), inputs: ["x"]),
            Layer("nchw", .transpose(Transpose.nhwcToNchw), inputs: ["nhwc"]),
            Layer("relu", .relu(Relu()), inputs: ["nchw"]),
        ])
        try ExecutorBehaviourTests.expectFusionInvariant(cancelling, x, "cancelling transposes")
        #expect(try Self.steps(cancelling, x) == ["transpose+transpose", "relu"])
        let twice = try Self.graph([2, 3, 4, 5], [
            Layer("a", .transpose(Transpose.nchwToNhwc), inputs: ["x"]),
            Layer("b", .transpose(Transpose.nchwToNhwc), inputs: ["a"]),
        ])
        try ExecutorBehaviourTests.expectFusionInvariant(twice, x, "two transposes that do not cancel")
        #expect(try Self.steps(twice, x) == ["transpose", "transpose"])
    }

    @Test("x * sigmoid(x) after a conv is its SiLU epilogue, on its own one SiLU step; a sigmoid read elsewhere stays")
    func siluPattern() throws {
        var rng = SplitMix64(seed: 0xAFF5)
        let x = ["x": try rng.tensor([2, 3, 5, 5], in: -3...3)]
        let conv = Conv(kernel: try rng.tensor([4, 3, 3, 3]), bias: try rng.tensor([4]), padding: .symmetric(1, axes: 2))
        let afterConv = try Self.graph([2, 3, 5, 5], [
            Layer("conv", .conv(conv), inputs: ["x"]),
            Layer("gate", .sigmoid(Sigmoid()), inputs: ["conv"]),
            Layer("act", .mul(Mul()), inputs: ["gate", "conv"]),
        ])
        try ExecutorBehaviourTests.expectFusionInvariant(afterConv, x, "conv silu")
        #expect(try Self.steps(afterConv, x) == ["conv+sigmoid+mul"])
        let alone = try Self.graph([2, 3, 5, 5], [
            Layer("shifted", .add(Add(constant: ConstantOperand(try rng.tensor([3, 1, 1])))), inputs: ["x"]),
            Layer("split", .relu(Relu()), inputs: ["x"]),
            Layer("gate", .sigmoid(Sigmoid()), inputs: ["split"]),
            Layer("act", .mul(Mul()), inputs: ["split", "gate"]),
            Layer("sum", .add(Add()), inputs: ["act", "shifted"]),
        ])
        try ExecutorBehaviourTests.expectFusionInvariant(alone, x, "relu then silu")
        #expect(try Self.steps(alone, x) == ["add", "relu", "sigmoid+mul", "add"])
        // the gate is also an output: both stay
        let gateRead = try Graph(
            inputs: [GraphInput(name: "x", shape: [2, 3, 5, 5])],
            layers: [Layer("gate", .sigmoid(Sigmoid()), inputs: ["x"]), Layer("act", .mul(Mul()), inputs: ["x", "gate"])],
            outputs: [GraphOutput(name: "act"), GraphOutput(name: "gate")])
        #expect(try Self.steps(gateRead, x) == ["sigmoid", "mul"])
    }
}
