import Testing
import ZooCore

/// An activation (or other one-input element-wise op) on a [1, 3, 4, 5] input: 60 elements.
/// FLOPs: 1 per element (softmax 3, dropout 0); the output keeps the input's shape.
struct UnaryCase: Sendable, CustomTestStringConvertible {
    let op: Op
    let flops: Int
    let step: FieldStep
    var testDescription: String { op.name }
}

let unaryInput: Shape = [1, 3, 4, 5]

let unaryCases: [UnaryCase] = [
    // 60 elements x 1 FLOP.
    UnaryCase(op: .relu(Relu()), flops: 60, step: .elementwise),
    UnaryCase(op: .clip(Clip.relu6), flops: 60, step: .elementwise),
    UnaryCase(op: .clip(Clip(min: -1)), flops: 60, step: .elementwise),
    UnaryCase(op: .sigmoid(Sigmoid()), flops: 60, step: .elementwise),
    UnaryCase(op: .tanh(Tanh()), flops: 60, step: .elementwise),
    UnaryCase(op: .leakyRelu(LeakyRelu(alpha: 0.1)), flops: 60, step: .elementwise),
    UnaryCase(op: .hardSigmoid(HardSigmoid()), flops: 60, step: .elementwise),
    UnaryCase(op: .hardSwish(HardSwish()), flops: 60, step: .elementwise),
    UnaryCase(op: .silu(SiLU()), flops: 60, step: .elementwise),
    UnaryCase(op: .elu(Elu(alpha: 0.5)), flops: 60, step: .elementwise),
    UnaryCase(op: .selu(Selu()), flops: 60, step: .elementwise),
    UnaryCase(op: .softplus(Softplus()), flops: 60, step: .elementwise),
    UnaryCase(op: .gelu(Gelu()), flops: 60, step: .elementwise),
    UnaryCase(op: .gelu(Gelu(approximate: .tanh)), flops: 60, step: .elementwise),
    UnaryCase(op: .sqrt(Sqrt()), flops: 60, step: .elementwise),
    UnaryCase(op: .exp(Exp()), flops: 60, step: .elementwise),
    UnaryCase(op: .log(Log()), flops: 60, step: .elementwise),
    UnaryCase(op: .neg(Neg()), flops: 60, step: .elementwise),
    UnaryCase(op: .abs(Abs()), flops: 60, step: .elementwise),
    UnaryCase(op: .reciprocal(Reciprocal()), flops: 60, step: .elementwise),
    UnaryCase(op: .erf(Erf()), flops: 60, step: .elementwise),
    // 60 x 3; axis -1 of rank 4 is axis 3, axis 1 stays 1.
    UnaryCase(op: .softmax(Softmax()), flops: 180, step: .reduce(axes: [3])),
    UnaryCase(op: .softmax(Softmax(axis: 1)), flops: 180, step: .reduce(axes: [1])),
    // data movement.
    UnaryCase(op: .dropout(Dropout(ratio: 0.5)), flops: 0, step: .elementwise),
    UnaryCase(op: .identity(Identity()), flops: 0, step: .elementwise),
]

/// Element-wise binary ops with NumPy broadcasting; FLOPs (operands - 1) per output element.
struct BinaryCase: Sendable, CustomTestStringConvertible {
    let label: String
    let op: Op
    let inputs: [Shape]
    let output: Shape
    let flops: Int
    var testDescription: String { label }
}

let binaryCases: [BinaryCase] = [
    // same shapes: 64·56·56 = 200,704 outputs x 1.
    BinaryCase(label: "add, same shapes (ResNet shortcut)", op: .add(Add()), inputs: [[1, 64, 56, 56], [1, 64, 56, 56]],
               output: [1, 64, 56, 56], flops: 200_704),
    // [1,3,4,5] + [5] -> [1,3,4,5]: 60.
    BinaryCase(label: "add, rank-1 operand broadcasts on the last axis", op: .add(Add()), inputs: [[1, 3, 4, 5], [5]],
               output: [1, 3, 4, 5], flops: 60),
    // [4,1] - [3] -> [4,3]: 12.
    BinaryCase(label: "sub, both operands broadcast", op: .sub(Sub()), inputs: [[4, 1], [3]], output: [4, 3], flops: 12),
    // [2,1,4] * [3,1] -> [2,3,4]: 24.
    BinaryCase(label: "mul, different ranks", op: .mul(Mul()), inputs: [[2, 1, 4], [3, 1]], output: [2, 3, 4], flops: 24),
    // [N,3,1,1] / [1,3,8,8] -> [N,3,8,8]; per sample 3·64 = 192.
    BinaryCase(label: "div, symbolic batch broadcasts with 1", op: .div(Div()), inputs: [["N", 3, 1, 1], [1, 3, 8, 8]],
               output: ["N", 3, 8, 8], flops: 192),
    // 3 operands of 6 elements: (3 - 1)·6 = 12.
    BinaryCase(label: "variadic add of 3", op: .add(Add()), inputs: [[1, 2, 3], [1, 2, 3], [1, 2, 3]],
               output: [1, 2, 3], flops: 12),
    // 4 operands, broadcast to [2,2]: (4 - 1)·4 = 12.
    BinaryCase(label: "variadic add of 4 with broadcasting", op: .add(Add()), inputs: [[2, 2], [2], [1, 2], [2, 1]],
               output: [2, 2], flops: 12),
    // 3 operands of 4 elements: 2·4 = 8.
    BinaryCase(label: "variadic mul of 3", op: .mul(Mul()), inputs: [[4], [4], [4]], output: [4], flops: 8),
]

@Suite("Element-wise ops, batch norm, LRN")
struct ElementwiseTests {
    @Test("activations keep the shape and cost their FLOPs per element", arguments: unaryCases)
    func unary(_ c: UnaryCase) throws {
        let op = c.op.semantics
        let (output, cost, step) = try OpTestKit.evaluate(op, [unaryInput])
        #expect(output == unaryInput)
        #expect(cost == Cost(macs: 0, flops: c.flops))
        #expect(step == c.step)
        #expect(op.weights.isEmpty)
    }

    @Test("the activations' defaults are ONNX's: Elu alpha 1, Selu's float32 constants, Gelu without approximation")
    func activationDefaults() {
        #expect(Elu().alpha == 1)
        // Float(1.6732632423543772848170429916717) and Float(1.0507009873554804934193349852946),
        // written out in full in the ONNX Selu schema.
        #expect(Selu().alpha == 1.67326319217681884765625)
        #expect(Selu().gamma == 1.05070102214813232421875)
        #expect(Gelu().approximate == .exact)
        #expect(Gelu.Approximation.exact.rawValue == "none" && Gelu.Approximation.tanh.rawValue == "tanh")
    }

    @Test("binary ops broadcast and cost (operands - 1) per element", arguments: binaryCases)
    func binary(_ c: BinaryCase) throws {
        let (output, cost, step) = try OpTestKit.evaluate(c.op.semantics, c.inputs)
        #expect(output == c.output)
        #expect(cost == Cost(macs: 0, flops: c.flops))
        #expect(step == .elementwise)
    }

    @Test("a constant operand first or second broadcasts, costs 1 per element and is not a parameter")
    func constantOperands() throws {
        // x [2,1] - c [3] -> [2,3]: 6 FLOPs.
        let second = Sub(constant: ConstantOperand(try OpTestKit.declared([3])))
        #expect(second.arity.min == 1 && second.arity.max == 1)
        var result = try OpTestKit.evaluate(second, [[2, 1]])
        #expect(result.output == [2, 3])
        #expect(result.cost == Cost(flops: 6))
        // c [1,4,1,1] / x [1,4,3,3] -> [1,4,3,3]: 36 FLOPs.
        let first = Div(constant: ConstantOperand(try OpTestKit.declared([1, 4, 1, 1]), isFirst: true))
        result = try OpTestKit.evaluate(first, [[1, 4, 3, 3]])
        #expect(result.output == [1, 4, 3, 3])
        #expect(result.cost == Cost(flops: 36))
        // a constant of higher rank than the input: x [4,1] + c [2,1,3] -> [2,4,3]: 24 FLOPs.
        let wider = Add(constant: ConstantOperand(try OpTestKit.declared([2, 1, 3])))
        result = try OpTestKit.evaluate(wider, [[4, 1]])
        #expect(result.output == [2, 4, 3])
        #expect(result.cost == Cost(flops: 24))
        // Mul by a constant first: c [3,1,1] * x [N,3,2,2] -> [N,3,2,2]: 12 FLOPs per sample.
        let scale = Mul(constant: ConstantOperand(try OpTestKit.declared([3, 1, 1]), isFirst: true))
        result = try OpTestKit.evaluate(scale, [["N", 3, 2, 2]])
        #expect(result.output == ["N", 3, 2, 2])
        #expect(result.cost == Cost(flops: 12))
        // A constant the file stores (an ONNX initializer) is a trainable parameter: 3 of them.
        #expect(scale.weights.map(\.role) == [.trainable])
        let report = try Analyzer.analyze(
            try OpTestKit.oneLayerGraph(.mul(scale), inputs: [["N", 3, 2, 2]]), model: "m", format: "test")
        #expect(report.layers[0].params == Report.Parameters(trainable: 3, nonTrainable: 0))
        // A constant standing for an attribute (Keras Rescaling's scale) is not a parameter.
        let rescale = Mul(constant: ConstantOperand(try Tensor(shape: [], values: [0.5]), isStored: false))
        #expect(rescale.weights.map(\.role) == [.constant])
        let rescaled = try Analyzer.analyze(try OpTestKit.oneLayerGraph(.mul(rescale), inputs: [["N", 3, 2, 2]]), model: "m", format: "test")
        #expect(rescaled.layers[0].params == Report.Parameters(trainable: 0, nonTrainable: 0))
    }

    @Test("a stored tensor two layers share counts once, at the first layer")
    func sharedConstantCountsOnce() throws {
        // Two Mul layers by the same [1, 4, 1, 1] initializer: 4 parameters in all, not 8.
        let shared = ConstantOperand(try OpTestKit.filled([1, 4, 1, 1]))
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: ["N", 4, 2, 2])],
            layers: [
                Layer("a", .mul(Mul(constant: shared)), inputs: ["x"]),
                Layer("b", .mul(Mul(constant: shared)), inputs: ["a"]),
            ],
            outputs: [GraphOutput(name: "b")])
        let report = try Analyzer.analyze(graph, model: "m", format: "test")
        #expect(report.layers.map(\.params.trainable) == [4, 0])
        #expect(report.totals.params.trainable == 4)
    }

    @Test("without a constant, sub and div take exactly two inputs, add and mul two or more")
    func arities() {
        #expect(Sub().arity.min == 2 && Sub().arity.max == 2)
        #expect(Div().arity.min == 2 && Div().arity.max == 2)
        #expect(Add().arity.min == 2 && Add().arity.max == nil)
        #expect(Mul().arity.min == 2 && Mul().arity.max == nil)
    }

    @Test("pow: one exponent keeps the shape and is no parameter; a tensor exponent broadcasts and is one")
    func powShapesAndParameters() throws {
        // x [1, 3, 4, 5] ^ 2: 60 outputs x 1 FLOP, no weights.
        var result = try OpTestKit.evaluate(Pow(exponent: 2), [unaryInput])
        #expect(result.output == unaryInput && result.cost == Cost(flops: 60) && result.step == .elementwise)
        #expect(Pow(exponent: 2).weights.isEmpty)
        let attributes = Pow(exponent: 0.5).attributes(inputs: [unaryInput])
        #expect(attributes.count == 1 && attributes.first?.0 == "exponent" && attributes.first?.1 == .float(0.5))
        // A per-channel exponent [3, 1, 1]: the same 60 outputs, 3 trainable parameters.
        let perChannel = Pow(exponent: .tensor(try OpTestKit.filled([3, 1, 1])))
        result = try OpTestKit.evaluate(perChannel, [unaryInput])
        #expect(result.output == unaryInput && result.cost == Cost(flops: 60))
        #expect(OpTestKit.counts(perChannel.weights).trainable == 3)
        #expect(perChannel.weights.map(\.name) == ["exponent"])
        // An exponent [2, 1, 1, 1] broadcasts the batch axis up: [2, 3, 4, 5], 120 FLOPs.
        result = try OpTestKit.evaluate(Pow(exponent: .tensor(try OpTestKit.declared([2, 1, 1, 1]))), [unaryInput])
        #expect(result.output == [2, 3, 4, 5] && result.cost == Cost(flops: 120))
        // A symbolic batch with an exponent over the last axis: [N, 3, 4, 5], 60 per sample.
        result = try OpTestKit.evaluate(Pow(exponent: .tensor(try OpTestKit.declared([5]))), [["N", 3, 4, 5]])
        #expect(result.output == ["N", 3, 4, 5] && result.cost == Cost(flops: 60))
    }

    @Test("prelu keeps the input's shape, costs 1 per element and its slope is a trainable parameter", arguments: [
        // [C, 1, 1] per channel (PyTorch's export), one slope [1], [W] over the last axis, one per element.
        [3, 1, 1], [1], [5], [1, 3, 4, 5], [4, 1],
    ] as [[Int]])
    func prelu(slope: [Int]) throws {
        let op = PRelu(slope: try OpTestKit.declared(slope))
        let result = try OpTestKit.evaluate(op, [unaryInput])
        #expect(result.output == unaryInput && result.cost == Cost(flops: 60) && result.step == .elementwise)
        #expect(OpTestKit.counts(op.weights).trainable == slope.reduce(1, *))
        // A symbolic batch: the same per sample.
        #expect(try op.outputShape(inputs: [["N", 3, 4, 5]]) == ["N", 3, 4, 5])
    }

    @Test("batch norm: 2C trainable (gamma, beta optional) + 2C non-trainable, 2 FLOPs per element")
    func batchNorm() throws {
        // C 64, all four: trainable 64 + 64 = 128, non-trainable 128; FLOPs 2·64·112·112 = 2·802,816 = 1,605,632.
        let full = BatchNorm(
            gamma: try OpTestKit.declared([64]), beta: try OpTestKit.declared([64]),
            mean: try OpTestKit.declared([64]), variance: try OpTestKit.declared([64]))
        var result = try OpTestKit.evaluate(full, [[1, 64, 112, 112]])
        #expect(result.output == [1, 64, 112, 112])
        #expect(result.cost == Cost(flops: 1_605_632))
        #expect(result.step == .elementwise)
        var counts = OpTestKit.counts(full.weights)
        #expect(counts.trainable == 128 && counts.nonTrainable == 128)
        #expect(full.weights.map(\.name) == ["gamma", "beta", "mean", "variance"])
        // center only (no gamma), rank 3: trainable 16, non-trainable 32; FLOPs 2·16·5 = 160.
        let centerOnly = BatchNorm(
            gamma: nil, beta: try OpTestKit.declared([16]),
            mean: try OpTestKit.declared([16]), variance: try OpTestKit.declared([16]))
        result = try OpTestKit.evaluate(centerOnly, [["N", 16, 5]])
        #expect(result.cost == Cost(flops: 160))
        counts = OpTestKit.counts(centerOnly.weights)
        #expect(counts.trainable == 16 && counts.nonTrainable == 32)
        // neither gamma nor beta, rank 2: trainable 0, non-trainable 16; FLOPs 2·8 = 16.
        let bare = BatchNorm(gamma: nil, beta: nil, mean: try OpTestKit.declared([8]), variance: try OpTestKit.declared([8]))
        result = try OpTestKit.evaluate(bare, [[1, 8]])
        #expect(result.output == [1, 8])
        #expect(result.cost == Cost(flops: 16))
        counts = OpTestKit.counts(bare.weights)
        #expect(counts.trainable == 0 && counts.nonTrainable == 16)
    }

    @Test("LRN costs size + 3 per element")
    func lrn() throws {
        // AlexNet: 96·55·55 = 290,400 elements x (5 + 3) = 2,323,200.
        var result = try OpTestKit.evaluate(LRN(size: 5, alpha: 5e-4, beta: 0.75, bias: 2), [[1, 96, 55, 55]])
        #expect(result.output == [1, 96, 55, 55])
        #expect(result.cost == Cost(flops: 2_323_200))
        #expect(result.step == .elementwise)
        // size 3 on 16 elements: 16·6 = 96.
        result = try OpTestKit.evaluate(LRN(size: 3), [[1, 4, 2, 2]])
        #expect(result.cost == Cost(flops: 96))
    }

    @Test("dropout is the identity and free")
    func dropout() throws {
        let result = try OpTestKit.evaluate(Dropout(ratio: 0.5), [["N", 4_096]])
        #expect(result.output == ["N", 4_096])
        #expect(result.cost == Cost(macs: 0, flops: 0))
    }
}
