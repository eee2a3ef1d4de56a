import Testing
import ZooCore
import ZooExec
import ZooKeras
import ZooTestSupport

/// The element-wise ops the Keras writer spells with an activation or a layer, written to
/// `.keras` and legacy `.h5` and read back: the model read back computes what the IR model
/// computes. Ops Keras has no exact spelling for are refused by name.
@Suite("Element-wise ops through Keras")
struct KerasElementwiseOpsTests {
    /// `x [N, 3, 4, 4]` through `ops` in a chain, the layers named `l0`, `l1`, ...
    static func chain(_ ops: [Op]) throws -> Model {
        let layers = ops.enumerated().map { index, op in Layer("l\(index)", op, inputs: [index == 0 ? "x" : "l\(index - 1)"]) }
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: ["N", 3, 4, 4])], layers: layers, outputs: [GraphOutput(name: "l\(ops.count - 1)")])
        return Model(name: "chain", format: "test", graph: graph)
    }

    /// The output of `graph` for `input`, unfused.
    static func run(_ graph: Graph, _ input: Tensor) throws -> Tensor {
        let executor = try Executor(graph: graph, inputShapes: [graph.inputs[0].name: input.shape], options: ExecutionOptions(fusing: false))
        return try executor.run([graph.inputs[0].name: input]).outputs[0].tensor
    }

    /// A fixed input of shape [2, 3, 4, 4] with both signs: -2.35, -2.2, ... (96 values 0.15 apart).
    static func input() throws -> Tensor {
        try Tensor(shape: [2, 3, 4, 4], values: (0..<96).map { Float($0) * 0.15 - 2.35 })
    }

    /// Writes `model` as `.keras` and `.h5`, reads each back and expects the same outputs.
    static func expectRoundTrip(_ model: Model, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = try TemporaryDirectory()
        let x = try input()
        let expected = try run(model.graph, x)
        for suffix in ["keras", "h5"] {
            let path = folder.path("chain.\(suffix)")
            try KerasWriter.write(model, to: path)
            let back = try KerasReader.load(path: path)
            expectClose(try run(back.graph, x), expected, rtol: 0, atol: 0, ".\(suffix)", sourceLocation: sourceLocation)
        }
    }

    @Test("exp is Activation('exponential') and neg Rescaling(-1), both ways")
    func expAndNeg() throws {
        try Self.expectRoundTrip(try Self.chain([.exp(Exp()), .neg(Neg())]))
        let folder = try TemporaryDirectory()
        let path = folder.path("chain.h5")
        try KerasWriter.write(try Self.chain([.exp(Exp()), .neg(Neg())]), to: path)
        let back = try KerasReader.load(path: path)
        #expect(back.graph.layers.contains { $0.op == .exp(Exp()) })
    }

    @Test("elu, selu, softplus and gelu are their Keras activations, elu with another alpha the ELU layer")
    func activations() throws {
        let ops: [Op] = [.elu(Elu()), .elu(Elu(alpha: 0.7)), .selu(Selu()), .softplus(Softplus()), .gelu(Gelu())]
        let model = try Self.chain(ops)
        try Self.expectRoundTrip(model)
        let folder = try TemporaryDirectory()
        for suffix in ["keras", "h5"] {
            let path = folder.path("chain.\(suffix)")
            try KerasWriter.write(model, to: path)
            // Activation('elu'), ELU(alpha=0.7), Activation('selu'), Activation('softplus'),
            // Activation('gelu') read back as the same ops, alpha 0.7 bit for bit.
            #expect(try KerasReader.load(path: path).graph.layers.map(\.op) == ops, ".\(suffix)")
        }
    }

    @Test("selu with other constants and the tanh gelu are refused by name", arguments: [
        Op.selu(Selu(alpha: 1.5, gamma: 1.2)), .gelu(Gelu(approximate: .tanh)),
    ])
    func refusedActivations(_ op: Op) throws {
        let folder = try TemporaryDirectory()
        let error = #expect(throws: ZooError.self) { try KerasWriter.write(try Self.chain([.relu(Relu()), op]), to: folder.path("m.h5")) }
        #expect(error?.kind == .unsupported)
        #expect(error?.layer == "l1")
        #expect(error?.message.contains(op.name) == true, "\(error?.message ?? "")")
    }

    /// `x [N, 3, 5, 6] -> conv 3x3 (3 -> 4, same) -> prelu(slope)`, or with `dense` a flatten and a
    /// dense layer of 4 units before the prelu.
    static func convPrelu(_ slope: Tensor, dense: Bool = false) throws -> Model {
        let conv = Conv(
            kernel: try Tensor(shape: [4, 3, 3, 3], values: (0..<108).map { Float($0 % 7) * 0.1 - 0.3 }),
            bias: try Tensor(shape: [4], values: [0.1, -0.2, 0.05, 0]), padding: .same(extra: .end))
        var layers = [Layer("conv", .conv(conv), inputs: ["x"])]
        if dense {
            layers.append(Layer("flat", .flatten(Flatten()), inputs: ["conv"]))
            layers.append(Layer("fc", .dense(Dense(weight: try Tensor(shape: [120, 4], values: (0..<480).map { Float($0 % 11) * 0.02 - 0.1 }), bias: nil, weightOrder: .inOut)), inputs: ["flat"]))
        }
        layers.append(Layer("act", .prelu(PRelu(slope: slope)), inputs: [layers[layers.count - 1].name]))
        let graph = try Graph(inputs: [GraphInput(name: "x", shape: ["N", 3, 5, 6])], layers: layers, outputs: [GraphOutput(name: "act")])
        return Model(name: "prelu", format: "test", graph: graph)
    }

    /// A fixed input of shape [2, 3, 5, 6] with both signs.
    static func convInput() throws -> Tensor {
        try Tensor(shape: [2, 3, 5, 6], values: (0..<180).map { Float(($0 * 37) % 23) * 0.1 - 1.1 })
    }

    @Test("PReLU: the slope is Keras's alpha channels-last, its axes of size 1 shared, both ways", arguments: [
        // PyTorch's per-channel [C, 1, 1]: Keras alpha [1, 1, 4], shared_axes [1, 2].
        ([4, 1, 1], [1, 1, 4]),
        // One slope per element [C, H, W]: alpha [H, W, C] = [5, 6, 4], nothing shared.
        ([4, 5, 6], [5, 6, 4]),
        // Over the last (width) axis [W] = [1, 1, W]: alpha [1, 6, 1], shared_axes [1, 3].
        ([6], [1, 6, 1]),
        // One slope for every element, [1]: alpha [1, 1, 1], every axis shared.
        ([1], [1, 1, 1]),
    ] as [([Int], [Int])])
    func preluAlpha(slope: [Int], alpha: [Int]) throws {
        let values = (0..<slope.reduce(1, *)).map { Float($0 % 5) * 0.15 - 0.2 }
        let model = try Self.convPrelu(try Tensor(shape: slope, values: values))
        let folder = try TemporaryDirectory()
        let x = try Self.convInput()
        let expected = try Self.run(model.graph, x)
        for suffix in ["keras", "h5"] {
            let path = folder.path("prelu.\(suffix)")
            try KerasWriter.write(model, to: path)
            let back = try KerasReader.load(path: path)
            expectClose(try Self.run(back.graph, x), expected, rtol: 0, atol: 0, ".\(suffix)")
            // The reader states the layout rule it applied to the alpha the writer stored.
            let rule = try #require(back.layoutRules.first { $0.hasPrefix("act: alpha") }, "\(back.layoutRules)")
            #expect(rule.hasPrefix("act: alpha \(alpha) channels-last -> slope "), "\(rule)")
        }
    }

    @Test("PReLU after a dense layer: alpha [units] as it is")
    func preluAfterDense() throws {
        let model = try Self.convPrelu(try Tensor(shape: [4], values: [0.1, -0.3, 0.5, 2]), dense: true)
        let folder = try TemporaryDirectory()
        let x = try Self.convInput()
        for suffix in ["keras", "h5"] {
            let path = folder.path("prelu.\(suffix)")
            try KerasWriter.write(model, to: path)
            let back = try KerasReader.load(path: path)
            expectClose(try Self.run(back.graph, x), try Self.run(model.graph, x), rtol: 0, atol: 0, ".\(suffix)")
            let prelu = try #require(back.graph.layers.first { $0.name == "act" })
            #expect(prelu.op == .prelu(PRelu(slope: try Tensor(shape: [4], values: [0.1, -0.3, 0.5, 2]))))
        }
    }

    @Test("a prelu slope over a batch axis larger than 1 is refused by name")
    func preluOverTheBatch() throws {
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: [2, 3])], layers: [Layer("act", .prelu(PRelu(slope: try Tensor(shape: [2, 3], values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]))), inputs: ["x"])],
            outputs: [GraphOutput(name: "act")])
        let folder = try TemporaryDirectory()
        let error = #expect(throws: ZooError.self) { try KerasWriter.write(Model(name: "m", format: "test", graph: graph), to: folder.path("m.keras")) }
        #expect(error?.kind == .unsupported && error?.layer == "act")
        #expect(error?.message.contains("batch axis") == true, "\(error?.message ?? "")")
    }

    @Test("pow, sqrt, log, abs, reciprocal and erf are refused by name", arguments: [
        Op.pow(Pow(exponent: 2)), .sqrt(Sqrt()), .log(Log()), .abs(Abs()), .reciprocal(Reciprocal()), .erf(Erf()),
    ])
    func refused(_ op: Op) throws {
        let folder = try TemporaryDirectory()
        let error = #expect(throws: ZooError.self) { try KerasWriter.write(try Self.chain([.relu(Relu()), op]), to: folder.path("m.keras")) }
        #expect(error?.kind == .unsupported)
        #expect(error?.layer == "l1")
        #expect(error?.message.contains(op.name) == true, "\(error?.message ?? "")")
    }
}
