import Testing
import ZooCore
import ZooExec

/// What the executor promises beyond each kernel (docs/DESIGN.md section 6): results independent of
/// the thread count, fusion that does not change results, every layer observable when unfused,
/// values freed after their last use, and errors instead of crashes.
@Suite("Executor behaviour")
struct ExecutorBehaviourTests {
    /// A small CNN with every kind of step a classifier has: conv + relu, max pool, a residual
    /// add, a depthwise strided conv, an average pool, a global pool, flatten, dense, softmax.
    /// Input `x` is `[2, 4, 24, 24]`.
    static func smallNet(_ rng: inout SplitMix64) throws -> Graph {
        let layers: [Layer] = [
            Layer("c1", .conv(Conv(kernel: try rng.tensor([12, 4, 3, 3]), bias: try rng.tensor([12]), padding: .symmetric(1, axes: 2))), inputs: ["x"]),
            Layer("r1", .relu(Relu()), inputs: ["c1"]),
            Layer("p1", .maxPool(MaxPool(window: SpatialWindow(kernel: [2, 2], stride: [2, 2]))), inputs: ["r1"]),
            Layer("c2", .conv(Conv(kernel: try rng.tensor([12, 12, 3, 3]), bias: try rng.tensor([12]), padding: .same(extra: .end))), inputs: ["p1"]),
            Layer("a1", .add(Add()), inputs: ["c2", "p1"]),
            Layer("r2", .relu(Relu()), inputs: ["a1"]),
            Layer(
                "c3", .conv(Conv(kernel: try rng.tensor([12, 1, 3, 3]), bias: nil, stride: [2, 2], padding: .symmetric(1, axes: 2), groups: 12)),
                inputs: ["r2"]),
            Layer(
                "p2", .averagePool(AveragePool(window: SpatialWindow(kernel: [3, 3], padding: .symmetric(1, axes: 2)))), inputs: ["c3"]),
            Layer("g", .globalAveragePool(GlobalAveragePool()), inputs: ["p2"]),
            Layer("f", .flatten(Flatten()), inputs: ["g"]),
            Layer("d", .dense(Dense(weight: try rng.tensor([5, 12]), bias: try rng.tensor([5]))), inputs: ["f"]),
            Layer("s", .softmax(Softmax()), inputs: ["d"]),
        ]
        return try Graph(inputs: [GraphInput(name: "x", shape: [2, 4, 24, 24])], layers: layers, outputs: [GraphOutput(name: "s")])
    }

    /// `graph` run with `options`, every observed value kept by name.
    static func run(
        _ graph: Graph, _ inputs: [String: Tensor], options: ExecutionOptions
    ) throws -> (result: ExecutionResult, observed: [(String, Tensor)]) {
        var observed: [(String, Tensor)] = []
        let result = try Executor(graph: graph, options: options).run(inputs) { name, value in observed.append((name, value)) }
        return (result, observed)
    }

    /// Threads 1, 2 and 3 give bit-identical outputs and intermediate values, fused and unfused;
    /// and the output is the oracle's (so the equal results are right, not merely equal).
    @Test func resultsDoNotDependOnTheThreadCount() throws {
        var rng = SplitMix64(seed: 0x7_4EAD)
        let graph = try Self.smallNet(&rng)
        let x = try rng.tensor([2, 4, 24, 24])
        for fusing in [true, false] {
            let reference = try Self.run(graph, ["x": x], options: ExecutionOptions(threads: 1, fusing: fusing))
            for threads in [2, 3] {
                let other = try Self.run(graph, ["x": x], options: ExecutionOptions(threads: threads, fusing: fusing))
                #expect(other.result.outputs[0].tensor == reference.result.outputs[0].tensor, "threads \(threads), fusing \(fusing)")
                #expect(other.observed.map(\.0) == reference.observed.map(\.0))
                for ((name, a), (_, b)) in zip(other.observed, reference.observed) {
                    #expect(a == b, "layer \(name) differs between 1 and \(threads) threads (fusing \(fusing))")
                }
            }
            let expected = Oracle.evaluate(graph, ["x": OracleArray(x)])["s"]!
            #expect(ExecTestKit.mismatch(reference.result.outputs[0].tensor, expected) == nil)
        }
    }

    /// A batch runs image by image: each image's output is, bit for bit, the output of a batch
    /// of one on that image, at 1, 2 and 3 threads (the images spread over them), observed or
    /// not, fused or not; the batch's output is the oracle's; and each observed value is the
    /// whole batch's.
    @Test func aBatchRunsAsItsImages() throws {
        var rng = SplitMix64(seed: 0xBA_7C4)
        let net = try Self.smallNet(&rng)
        func batch(_ images: Int) throws -> Graph {
            try Graph(inputs: [GraphInput(name: "x", shape: Shape([images, 4, 24, 24]))], layers: net.layers, outputs: net.outputs)
        }
        let x = try rng.tensor([5, 4, 24, 24])
        let values = ExecTestKit.floats(x), perImage = values.count / 5
        let expected = Oracle.evaluate(try batch(5), ["x": OracleArray(x)])
        for fusing in [true, false] {
            let single = try Executor(graph: try batch(1), options: ExecutionOptions(threads: 1, fusing: fusing))
            let alone = try (0..<5).map { image in
                let slice = try Tensor(shape: [1, 4, 24, 24], values: Array(values[(image * perImage)..<((image + 1) * perImage)]))
                return ExecTestKit.floats(try single.run(["x": slice]).outputs[0].tensor)
            }
            for threads in [1, 2, 3] {
                let executor = try Executor(graph: try batch(5), options: ExecutionOptions(threads: threads, fusing: fusing))
                let output = try executor.run(["x": x]).outputs[0].tensor
                #expect(output.shape == [5, 5])
                #expect(ExecTestKit.floats(output) == alone.flatMap { $0 }, "threads \(threads), fusing \(fusing)")
                // Profiled: one timing per step, each step's FLOPs five times a batch of one's.
                let profiled = try Executor(graph: try batch(5), options: ExecutionOptions(threads: threads, fusing: fusing, profiling: true))
                    .run(["x": x])
                let profiledAlone = try Executor(graph: try batch(1), options: ExecutionOptions(threads: 1, fusing: fusing, profiling: true))
                    .run(["x": try Tensor(shape: [1, 4, 24, 24], values: Array(values[..<perImage]))])
                #expect(profiled.outputs[0].tensor == output, "profiled, threads \(threads), fusing \(fusing)")
                #expect(profiled.timings.map(\.layer) == profiledAlone.timings.map(\.layer))
                #expect(profiled.timings.map(\.flops) == profiledAlone.timings.map { 5 * $0.flops })
                var observed: [String: Tensor] = [:]
                let watched = try executor.run(["x": x]) { name, value in observed[name] = value }
                #expect(watched.outputs[0].tensor == output, "observed, threads \(threads), fusing \(fusing)")
                if !fusing {
                    for layer in net.layers {
                        let value = try #require(observed[layer.name])
                        #expect(ExecTestKit.mismatch(value, try #require(expected[layer.name])) == nil, "observed \(layer.name)")
                    }
                }
            }
            #expect(ExecTestKit.mismatch(try Tensor(shape: [5, 5], values: alone.flatMap { $0 }), try #require(expected["s"])) == nil)
        }
    }

    /// A batch whose reshape names the batch's size (an importer folds `Shape` nodes with the
    /// batch it was given) still runs image by image, which `peakLiveBytes` shows by hand: for
    /// `x [8, 4, 16, 16] -> relu -> relu -> global average pool -> reshape [8, 4]` (unfused),
    /// the whole batch holds two 32 KiB values at once (64 KiB); image by image, the batch's
    /// input (32 KiB) and output (128 bytes) and one image's two 4 KiB values. The output is the
    /// oracle's.
    @Test func aReshapeNamingTheBatchSplitsToo() throws {
        var rng = SplitMix64(seed: 0x5_4A9E)
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: [8, 4, 16, 16])],
            layers: [
                Layer("r1", .relu(Relu()), inputs: ["x"]), Layer("r2", .relu(Relu()), inputs: ["r1"]),
                Layer("g", .globalAveragePool(GlobalAveragePool()), inputs: ["r2"]), Layer("y", .reshape(Reshape(target: [8, 4])), inputs: ["g"]),
            ],
            outputs: [GraphOutput(name: "y")])
        let x = try rng.tensor([8, 4, 16, 16])
        let result = try Executor(graph: graph, options: ExecutionOptions(threads: 1, fusing: false)).run(["x": x])
        let image = 4 * 16 * 16 * MemoryLayout<Float>.size
        #expect(result.peakLiveBytes == 8 * image + 8 * 4 * MemoryLayout<Float>.size + 2 * image)
        #expect(ExecTestKit.mismatch(result.outputs[0].tensor, try #require(Oracle.evaluate(graph, ["x": OracleArray(x)])["y"])) == nil)
    }

    /// Steps that work along the batch axis keep the batch whole, against the oracle: a softmax
    /// over it, a slice that reverses it, a transpose that moves it, a reduction over it, a
    /// concatenation along it, and a sum with an input of lower rank whose first axis has the
    /// batch's size (broadcast along the last axis; if the batch ran image by image, each
    /// softmax would be 1 and each image would take one element of that input).
    @Test func stepsAcrossTheBatchKeepItWhole() throws {
        var rng = SplitMix64(seed: 0xAC_4055)
        let x = try rng.tensor([3, 4])
        let ops: [Op] = [
            .softmax(Softmax(axis: 0)), .softmax(Softmax(axis: -2)), .logSoftmax(LogSoftmax(axis: 0)),
            .slice(Slice(starts: [-1], ends: [Int.min], axes: [0], steps: [-1])), .transpose(Transpose(permutation: [1, 0])),
            .reduceSum(ReduceSum(axes: [0], keepDims: true)), .reduceMean(ReduceMean(axes: [], keepDims: true)),
        ]
        for op in ops {
            let graph = try ExecTestKit.oneLayerGraph(op, inputShapes: [[3, 4]])
            let output = try Executor(graph: graph, options: ExecutionOptions(threads: 2)).run(["x0": x]).outputs[0].tensor
            let expected = try #require(Oracle.evaluate(graph, ["x0": OracleArray(x)])[graph.outputs[0].name])
            #expect(ExecTestKit.mismatch(output, expected) == nil, "\(op.name)")
        }
        let concat = try Graph(
            inputs: [GraphInput(name: "x", shape: [3, 4])],
            layers: [Layer("r", .relu(Relu()), inputs: ["x"]), Layer("c", .concat(Concat(axis: 0)), inputs: ["x", "r"])],
            outputs: [GraphOutput(name: "c")])
        let joined = try Executor(graph: concat, options: ExecutionOptions(threads: 2)).run(["x": x]).outputs[0].tensor
        #expect(ExecTestKit.mismatch(joined, try #require(Oracle.evaluate(concat, ["x": OracleArray(x)])["c"])) == nil)
        let square = try rng.tensor([3, 3]), row = try rng.tensor([3])
        for op in [Op.add(Add()), .mean(Mean())] {
            let graph = try ExecTestKit.oneLayerGraph(op, inputShapes: [[3, 3], [3]])
            let sum = try Executor(graph: graph, options: ExecutionOptions(threads: 2)).run(["x0": square, "x1": row]).outputs[0].tensor
            let expected = try #require(Oracle.evaluate(graph, ["x0": OracleArray(square), "x1": OracleArray(row)])["y"])
            #expect(ExecTestKit.mismatch(sum, expected) == nil, "\(op.name) with a broadcast row")
        }
    }

    /// A graph `x -> conv -> batchnorm -> activation -> max pool` and its input shape. The conv
    /// is 6 filters of 3x3x4 on a 10 x 12 plane, or, `depthwise`, 4 filters of 3x3x1 on a
    /// 10 x 36 plane (rows of whole 16-output runs and a tail).
    static func convNormActivation(
        _ rng: inout SplitMix64, activation: Op, gamma: Bool, convBias: Bool, stride: Int, depthwise: Bool = false
    ) throws -> (Graph, [Int]) {
        let filters = depthwise ? 4 : 6, shape = [2, 4, 10, depthwise ? 36 : 12]
        let layers: [Layer] = [
            Layer(
                "conv", .conv(Conv(
                    kernel: try rng.tensor([filters, depthwise ? 1 : 4, 3, 3]), bias: convBias ? try rng.tensor([filters]) : nil,
                    stride: [stride, stride], padding: .symmetric(1, axes: 2), groups: depthwise ? 4 : 1)),
                inputs: ["x"]),
            Layer(
                "bn", .batchNorm(BatchNorm(
                    gamma: gamma ? try rng.tensor([filters], in: -2...2) : nil, beta: try rng.tensor([filters]), mean: try rng.tensor([filters]),
                    variance: try rng.tensor([filters], in: 0.1...2), epsilon: 1e-3)),
                inputs: ["conv"]),
            Layer("act", activation, inputs: ["bn"]),
            Layer("pool", .maxPool(MaxPool(window: SpatialWindow(kernel: [2, 2], stride: [2, 2]))), inputs: ["act"]),
        ]
        return (try Graph(inputs: [GraphInput(name: "x", shape: Shape(shape))], layers: layers, outputs: [GraphOutput(name: "pool")]), shape)
    }

    /// Runs `graph` fused (the default) and unfused (`fusing: false`) and expects every output
    /// of both within tolerance of the oracle's, and of each other.
    static func expectFusionInvariant(
        _ graph: Graph, _ inputs: [String: Tensor], _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let fused = try Executor(graph: graph).run(inputs).outputs
        let unfused = try Executor(graph: graph, options: ExecutionOptions(fusing: false)).run(inputs).outputs
        let expected = Oracle.evaluate(graph, inputs.mapValues(OracleArray.init))
        for (a, b) in zip(fused, unfused) {
            let oracle = try #require(expected[a.name], sourceLocation: sourceLocation)
            #expect(ExecTestKit.mismatch(a.tensor, OracleArray(b.tensor)) == nil, "\(label): fused vs unfused \(a.name)", sourceLocation: sourceLocation)
            #expect(ExecTestKit.mismatch(a.tensor, oracle) == nil, "\(label): fused vs oracle \(a.name)", sourceLocation: sourceLocation)
            #expect(ExecTestKit.mismatch(b.tensor, oracle) == nil, "\(label): unfused vs oracle \(a.name)", sourceLocation: sourceLocation)
        }
    }

    /// conv + batchnorm + activation fused and unfused agree within tolerance and both equal the
    /// oracle, for relu, relu6, leaky relu and sigmoid (clamps stored by the kernels, others
    /// applied after), with and without gamma and conv bias, stride 1 and 2, a full conv and a
    /// depthwise one.
    @Test func fusedAndUnfusedAgree() throws {
        var rng = SplitMix64(seed: 0xF05E)
        let activations: [Op] = [.relu(Relu()), .clip(Clip.relu6), .leakyRelu(LeakyRelu(alpha: 0.2)), .sigmoid(Sigmoid())]
        for (index, activation) in activations.enumerated() {
            for stride in [1, 2] {
                for depthwise in [false, true] {
                    let (graph, shape) = try Self.convNormActivation(
                        &rng, activation: activation, gamma: index % 2 == 0, convBias: stride == 1, stride: stride, depthwise: depthwise)
                    try Self.expectFusionInvariant(graph, ["x": try rng.tensor(shape, in: -2...2)], "\(activation), stride \(stride), depthwise \(depthwise)")
                }
            }
        }
    }

    /// The element-wise functions with IR ops of their own (elu, selu, softplus, both gelus, exp,
    /// neg, abs, erf, pow by one exponent, SiLU and sigmoid, the last two applied as the matrix
    /// kernels store a tile) are fused epilogues too: conv + batchnorm + each is one step (observed as
    /// `act`), agreeing fused and unfused with the oracle; and over more elements than one
    /// thread's share (3 x 8 x 40 x 40 = 38,400), threads 1, 2 and 3 give the same bits.
    @Test func elementwiseFunctionsFuseAndSplit() throws {
        var rng = SplitMix64(seed: 0xE1_0F)
        let functions: [Op] = [
            .elu(Elu(alpha: 0.7)), .selu(Selu()), .softplus(Softplus()), .gelu(Gelu()), .gelu(Gelu(approximate: .tanh)), .exp(Exp()),
            .neg(Neg()), .abs(Abs()), .erf(Erf()), .pow(Pow(exponent: 2)), .pow(Pow(exponent: 3)), .silu(SiLU()), .sigmoid(Sigmoid()),
        ]
        for function in functions {
            let (graph, shape) = try Self.convNormActivation(&rng, activation: function, gamma: true, convBias: true, stride: 1)
            let x = try rng.tensor(shape, in: -2...2)
            try Self.expectFusionInvariant(graph, ["x": x], "\(function)")
            #expect(try Self.run(graph, ["x": x], options: ExecutionOptions()).observed.map(\.0) == ["act", "pool"], "\(function.name) fused")
            let large = try rng.tensor([3, 8, 40, 40], in: -6...6)
            let one = try ExecTestKit.run(function, [large], options: ExecutionOptions(threads: 1))
            for threads in [2, 3] {
                #expect(try ExecTestKit.run(function, [large], options: ExecutionOptions(threads: threads)) == one, "\(function.name), \(threads) threads")
            }
        }
    }

    /// A pow whose exponent is a tensor and a prelu (a per-channel slope) are no epilogues: after
    /// conv + batchnorm each runs as its own step (observed as itself), with the oracle's values.
    @Test func perChannelOpsAreNotFused() throws {
        var rng = SplitMix64(seed: 0x90_5E)
        let ops: [Op] = [
            .pow(Pow(exponent: .tensor(try Tensor(shape: [6, 1, 1], values: [2, 3, 1, 0, -1, 2])))),
            .prelu(PRelu(slope: try rng.tensor([6, 1, 1]))),
        ]
        for op in ops {
            let (graph, shape) = try Self.convNormActivation(&rng, activation: op, gamma: true, convBias: true, stride: 1)
            let x = try rng.tensor(shape, in: -2...2)
            try Self.expectFusionInvariant(graph, ["x": x], "\(op.name)")
            #expect(try Self.run(graph, ["x": x], options: ExecutionOptions()).observed.map(\.0) == ["bn", "act", "pool"], "\(op.name)")
        }
    }

    /// The other fusions: dense + activation, a residual add (two broadcasting inputs, three
    /// inputs, a stored constant first) + activation, a zero pad merged into the following conv's
    /// padding (and an edge pad, which must not be); and a conv read by two layers, which must not
    /// absorb either reader.
    @Test func otherFusionsAgree() throws {
        var rng = SplitMix64(seed: 0xF05F)
        let x = GraphInput(name: "x", shape: [2, 3, 4, 5]), z = GraphInput(name: "z", shape: [3, 1, 5])
        let inputs = ["x": try rng.tensor([2, 3, 4, 5]), "z": try rng.tensor([3, 1, 5])]
        let cases: [(String, [GraphInput], [Layer])] = [
            ("dense + tanh", [x], [
                Layer("d", .dense(Dense(weight: try rng.tensor([6, 5]), bias: try rng.tensor([6]))), inputs: ["x"]),
                Layer("t", .tanh(Tanh()), inputs: ["d"]),
            ]),
            ("broadcast add + relu", [x, z], [
                Layer("a", .add(Add()), inputs: ["x", "z"]), Layer("r", .relu(Relu()), inputs: ["a"]),
            ]),
            ("three-input add + hardswish", [x, z], [
                Layer("e", .relu(Relu()), inputs: ["x"]), Layer("a", .add(Add()), inputs: ["x", "z", "e"]),
                Layer("h", .hardSwish(HardSwish()), inputs: ["a"]),
            ]),
            ("constant add + leaky relu", [x], [
                Layer("a", .add(Add(constant: ConstantOperand(try rng.tensor([3, 1, 1]), isFirst: true))), inputs: ["x"]),
                Layer("l", .leakyRelu(LeakyRelu(alpha: 0.3)), inputs: ["a"]),
            ]),
            ("zero pad + strided conv (Keras ZeroPadding2D)", [x], [
                Layer("p", .pad(Pad(pads: [0, 0, 1, 0, 0, 0, 1, 2])), inputs: ["x"]),
                Layer("c", .conv(Conv(kernel: try rng.tensor([4, 3, 3, 3]), bias: try rng.tensor([4]), stride: [2, 2])), inputs: ["p"]),
            ]),
            ("zero pad + conv with its own padding", [x], [
                Layer("p", .pad(Pad(pads: [0, 0, 0, 2, 0, 0, 1, 0])), inputs: ["x"]),
                Layer("c", .conv(Conv(kernel: try rng.tensor([2, 3, 3, 2]), bias: nil, padding: .explicit(begin: [1, 0], end: [0, 1]))), inputs: ["p"]),
            ]),
            ("edge pad + conv (not merged)", [x], [
                Layer("p", .pad(Pad(pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: .edge)), inputs: ["x"]),
                Layer("c", .conv(Conv(kernel: try rng.tensor([2, 3, 3, 3]), bias: nil)), inputs: ["p"]),
            ]),
            ("conv read twice", [x], [
                Layer("c", .conv(Conv(kernel: try rng.tensor([3, 3, 3, 3]), bias: try rng.tensor([3]), padding: .symmetric(1, axes: 2))), inputs: ["x"]),
                Layer("r", .relu(Relu()), inputs: ["c"]), Layer("a", .add(Add()), inputs: ["r", "c"]),
            ]),
        ]
        for (label, graphInputs, layers) in cases {
            let graph = try Graph(inputs: graphInputs, layers: layers, outputs: [GraphOutput(name: layers.last!.name)])
            try Self.expectFusionInvariant(graph, inputs.filter { name, _ in graphInputs.contains { $0.name == name } }, label)
        }
    }

    /// A residual sum after a conv (`conv -> batchnorm -> add -> activation`, as ResNet writes
    /// it) is added inside the conv's kernel when the other operand is computed before the conv:
    /// the shortcut first, or second (then the later conv takes the add), through the matrix
    /// kernel, a depthwise conv and Winograd's; fused and unfused agree with the oracle, the same
    /// bits at 1, 2 and 3 threads; an add whose operand comes after the conv is left alone.
    @Test func residualSumsFuseIntoTheConv() throws {
        var rng = SplitMix64(seed: 0xAD_D5)
        func norm(_ channels: Int) throws -> Op {
            .batchNorm(BatchNorm(
                gamma: try rng.tensor([channels], in: 0.5...1.5), beta: try rng.tensor([channels]), mean: try rng.tensor([channels]),
                variance: try rng.tensor([channels], in: 0.5...1.5), epsilon: 1e-3))
        }
        func conv(_ filters: Int, _ channels: Int, groups: Int = 1) throws -> Op {
            .conv(Conv(kernel: try rng.tensor([filters, channels / groups, 3, 3]), bias: try rng.tensor([filters]), padding: .symmetric(1, axes: 2), groups: groups))
        }
        let x = GraphInput(name: "x", shape: [2, 16, 12, 12])
        let cases: [(String, [Layer], [String])] = [
            ("shortcut first", [
                Layer("s", try conv(16, 16), inputs: ["x"]), Layer("c", try conv(16, 16), inputs: ["x"]), Layer("bn", try norm(16), inputs: ["c"]),
                Layer("a", .add(Add()), inputs: ["bn", "s"]), Layer("r", .relu(Relu()), inputs: ["a"]),
            ], ["s", "r"]),
            ("shortcut second", [
                Layer("c", try conv(16, 16), inputs: ["x"]), Layer("s", try conv(16, 16), inputs: ["x"]), Layer("bn", try norm(16), inputs: ["s"]),
                Layer("a", .add(Add()), inputs: ["c", "bn"]), Layer("r", .clip(Clip.relu6), inputs: ["a"]),
            ], ["c", "r"]),
            ("depthwise, the input as shortcut", [
                Layer("c", try conv(16, 16, groups: 16), inputs: ["x"]), Layer("a", .add(Add()), inputs: ["x", "c"]),
                Layer("r", .relu(Relu()), inputs: ["a"]),
            ], ["r"]),
            ("no activation after", [
                Layer("c", try conv(16, 16), inputs: ["x"]), Layer("a", .add(Add()), inputs: ["c", "x"]), Layer("t", .tanh(Tanh()), inputs: ["a"]),
            ], ["t"]),
        ]
        let input = try rng.tensor([2, 16, 12, 12], in: -1...1)
        for (label, layers, steps) in cases {
            let graph = try Graph(inputs: [x], layers: layers, outputs: [GraphOutput(name: layers.last!.name)])
            try Self.expectFusionInvariant(graph, ["x": input], label)
            for winograd in [false, true] {
                let one = try Self.run(graph, ["x": input], options: ExecutionOptions(threads: 1, winograd: winograd))
                #expect(one.observed.map(\.0) == steps, "\(label): \(one.observed.map(\.0))")
                for threads in [2, 3] {
                    let other = try Self.run(graph, ["x": input], options: ExecutionOptions(threads: threads, winograd: winograd))
                    #expect(other.result.outputs[0].tensor == one.result.outputs[0].tensor, "\(label), \(threads) threads, winograd \(winograd)")
                }
            }
        }
        // The add's other operand is made after the conv: no fusion into the conv.
        let later = try Graph(
            inputs: [x],
            layers: [
                Layer("c", try conv(16, 16), inputs: ["x"]), Layer("t", .tanh(Tanh()), inputs: ["x"]), Layer("a", .add(Add()), inputs: ["c", "t"]),
            ], outputs: [GraphOutput(name: "a")])
        try Self.expectFusionInvariant(later, ["x": input], "operand after the conv")
        #expect(try Self.run(later, ["x": input], options: ExecutionOptions()).observed.map(\.0) == ["c", "t", "a"])
    }

    /// Keras's hard swish as tf2onnx exports it, `Add 3 -> Clip 0..6 -> Mul 1/6 -> Mul x`, after
    /// a conv (the matrix kernel, a depthwise conv, and one with its batch norm) is one step with
    /// the four ops' own bits (the kernels apply it as they store; the batch norm folded into the
    /// weights rounds differently), agreeing with the oracle and the same at 1, 2 and 3 threads;
    /// with another constant (0.1666, or Add 2) the ops run as they are.
    @Test func exportedHardSwishFusesIntoTheConv() throws {
        var rng = SplitMix64(seed: 0x4A_5D)
        let x = GraphInput(name: "x", shape: [2, 8, 12, 40])
        let input = try rng.tensor([2, 8, 12, 40], in: -6...6)
        func chain(after value: String, shift: Float = 3, scale: Float = 1 / 6) throws -> [Layer] {
            [
                Layer("shift", .add(Add(constant: ConstantOperand(try Tensor(shape: [], values: [shift])))), inputs: [value]),
                Layer("relu6", .clip(Clip(min: 0, max: 6)), inputs: ["shift"]),
                Layer("sixth", .mul(Mul(constant: ConstantOperand(try Tensor(shape: [], values: [scale])))), inputs: ["relu6"]),
                Layer("swish", .mul(Mul()), inputs: [value, "sixth"]),
            ]
        }
        let full = Layer(
            "c", .conv(Conv(kernel: try rng.tensor([8, 8, 3, 3]), bias: try rng.tensor([8]), padding: .symmetric(1, axes: 2))), inputs: ["x"])
        let depthwise = [
            Layer(
                "c", .conv(Conv(kernel: try rng.tensor([8, 1, 3, 3]), bias: try rng.tensor([8]), stride: [2, 2], padding: .symmetric(1, axes: 2), groups: 8)),
                inputs: ["x"]),
            Layer("bn", .batchNorm(BatchNorm(
                gamma: try rng.tensor([8], in: 0.5...1.5), beta: try rng.tensor([8]), mean: try rng.tensor([8]),
                variance: try rng.tensor([8], in: 0.5...1.5), epsilon: 1e-3)), inputs: ["c"]),
        ]
        let cases: [(String, [Layer], [String], sameBits: Bool)] = [
            ("conv", [full] + (try chain(after: "c")), ["swish"], true),
            ("depthwise", [depthwise[0]] + (try chain(after: "c")), ["swish"], true),
            ("depthwise + batchnorm", depthwise + (try chain(after: "bn")), ["swish"], false),
            ("scale 0.1666", [full] + (try chain(after: "c", scale: 0.1666)), ["c", "relu6", "sixth", "swish"], true),
            ("shift 2", [full] + (try chain(after: "c", shift: 2)), ["c", "relu6", "sixth", "swish"], true),
        ]
        for (label, layers, steps, sameBits) in cases {
            let graph = try Graph(inputs: [x], layers: layers, outputs: [GraphOutput(name: "swish")])
            try Self.expectFusionInvariant(graph, ["x": input], label)
            let one = try Self.run(graph, ["x": input], options: ExecutionOptions(threads: 1))
            #expect(one.observed.map(\.0) == steps, "\(label): \(one.observed.map(\.0))")
            let unfused = try Executor(graph: graph, options: ExecutionOptions(threads: 1, fusing: false)).run(["x": input])
            #expect(!sameBits || one.result.outputs[0].tensor == unfused.outputs[0].tensor, "\(label): fused and unfused bits")
            for threads in [2, 3] {
                let other = try Self.run(graph, ["x": input], options: ExecutionOptions(threads: threads))
                #expect(other.result.outputs[0].tensor == one.result.outputs[0].tensor, "\(label), \(threads) threads")
            }
        }
    }

    /// A residual sum fused into a 1x1 conv (one block of depth) is written over its residual
    /// when nothing else needs it: the peak live bytes by hand drop from three values of
    /// `[1, 32, 20, 20]` (51,200 bytes each: the input, the shortcut, the sum) to two, with the
    /// bits of the observed run (which keeps every value, so writes nothing over one), of the
    /// unfused run and the oracle's values, at 1, 2 and 3 threads and on a second run. Not over
    /// a graph input (the caller's tensor keeps its values; the input and the sum stay live),
    /// nor a shortcut read again later, nor past one block of depth (300 channels): those keep
    /// three values live.
    @Test func residualWrittenOverItsShortcut() throws {
        var rng = SplitMix64(seed: 0x1_4B1A)
        func pointwise(_ channels: Int) throws -> Op {
            .conv(Conv(kernel: try rng.tensor([channels, channels, 1, 1]), bias: try rng.tensor([channels])))
        }
        func graph(_ channels: Int, _ layers: [Layer], output: String) throws -> Graph {
            try Graph(inputs: [GraphInput(name: "x", shape: Shape([1, channels, 20, 20]))], layers: layers, outputs: [GraphOutput(name: output)])
        }
        let value = 32 * 20 * 20 * 4
        let shortcutFirst = try graph(
            32, [
                Layer("s", try pointwise(32), inputs: ["x"]), Layer("c", try pointwise(32), inputs: ["x"]), Layer("a", .add(Add()), inputs: ["c", "s"]),
                Layer("r", .relu(Relu()), inputs: ["a"]),
            ], output: "r")
        let inputShortcut = try graph(
            32, [Layer("c", try pointwise(32), inputs: ["x"]), Layer("a", .add(Add()), inputs: ["c", "x"]), Layer("r", .relu(Relu()), inputs: ["a"])],
            output: "r")
        let readAgain = try graph(
            32, [
                Layer("s", try pointwise(32), inputs: ["x"]), Layer("c", try pointwise(32), inputs: ["x"]), Layer("a", .add(Add()), inputs: ["c", "s"]),
                Layer("b", .add(Add()), inputs: ["a", "s"]),
            ], output: "b")
        let deep = try graph(
            300, [
                Layer("s", try pointwise(300), inputs: ["x"]), Layer("c", try pointwise(300), inputs: ["x"]), Layer("a", .add(Add()), inputs: ["c", "s"]),
            ], output: "a")
        let cases: [(String, Graph, channels: Int, peak: Int)] = [
            ("shortcut first", shortcutFirst, 32, 2 * value), ("the input as shortcut", inputShortcut, 32, 2 * value),
            ("shortcut read again", readAgain, 32, 3 * value), ("300 channels", deep, 300, 3 * 300 * 20 * 20 * 4),
        ]
        for (label, graph, channels, peak) in cases {
            let input = try rng.tensor([1, channels, 20, 20], in: -1...1)
            let copy = try Tensor(shape: input.shape, values: ExecTestKit.floats(input))
            let executor = try Executor(graph: graph, options: ExecutionOptions(threads: 1))
            let result = try executor.run(["x": input])
            #expect(result.peakLiveBytes == peak, "\(label): peak \(result.peakLiveBytes)")
            #expect(input == copy, "\(label): the input keeps its values")
            let observed = try Self.run(graph, ["x": input], options: ExecutionOptions(threads: 1))
            #expect(result.outputs[0].tensor == observed.result.outputs[0].tensor, "\(label): observed bits")
            let unfused = try Executor(graph: graph, options: ExecutionOptions(threads: 1, fusing: false)).run(["x": input])
            #expect(result.outputs[0].tensor == unfused.outputs[0].tensor, "\(label): unfused bits")
            let expected = try #require(Oracle.evaluate(graph, ["x": OracleArray(input)])[graph.outputs[0].name])
            #expect(ExecTestKit.mismatch(result.outputs[0].tensor, expected) == nil, "\(label): against the oracle")
            #expect(try executor.run(["x": input]).outputs[0].tensor == result.outputs[0].tensor, "\(label): a second run")
            for threads in [2, 3] {
                let other = try Executor(graph: graph, options: ExecutionOptions(threads: threads)).run(["x": input])
                #expect(other.outputs[0].tensor == result.outputs[0].tensor, "\(label), \(threads) threads")
            }
        }
    }

    /// A depthwise conv of 40 channels on 14 x 14 planes (the channel-blocked path on AVX2 and
    /// AVX-512, groups of planes spanning the batch's two images) followed by ReLU6, sigmoid,
    /// SiLU or the exported hard swish chain: the activation runs in registers as the outputs
    /// are stored (one step), with the unfused run's bits on each instruction set (a lone
    /// sigmoid or SiLU step runs on the options' set too) and the oracle's values, the same at
    /// 1, 2 and 3 threads (whose chunks leave different planes to the plane path).
    @Test(arguments: InstructionSet.allCases.filter(\.isSupported)) func blockedDepthwiseActivations(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0xB10C_AC7)
        let input = try rng.tensor([2, 40, 14, 14], in: -6...6)
        let conv = Layer(
            "c", .conv(Conv(kernel: try rng.tensor([40, 1, 3, 3]), bias: try rng.tensor([40]), padding: .symmetric(1, axes: 2), groups: 40)),
            inputs: ["x"])
        let hardSwish = [
            Layer("shift", .add(Add(constant: ConstantOperand(try Tensor(shape: [], values: [3])))), inputs: ["c"]),
            Layer("relu6", .clip(Clip(min: 0, max: 6)), inputs: ["shift"]),
            Layer("sixth", .mul(Mul(constant: ConstantOperand(try Tensor(shape: [], values: [1 / 6])))), inputs: ["relu6"]),
            Layer("act", .mul(Mul()), inputs: ["c", "sixth"]),
        ]
        let cases: [(String, [Layer])] = [
            ("relu6", [Layer("act", .clip(Clip.relu6), inputs: ["c"])]), ("sigmoid", [Layer("act", .sigmoid(Sigmoid()), inputs: ["c"])]),
            ("silu", [Layer("act", .silu(SiLU()), inputs: ["c"])]), ("hard swish", hardSwish),
        ]
        for (label, activation) in cases {
            let graph = try Graph(inputs: [GraphInput(name: "x", shape: [2, 40, 14, 14])], layers: [conv] + activation, outputs: [GraphOutput(name: "act")])
            let one = try Self.run(graph, ["x": input], options: ExecutionOptions(threads: 1, instructionSet: instructionSet))
            #expect(one.observed.map(\.0) == ["act"], "\(label): \(one.observed.map(\.0))")
            let unfused = try Executor(graph: graph, options: ExecutionOptions(threads: 1, fusing: false, instructionSet: instructionSet)).run(["x": input])
            #expect(one.result.outputs[0].tensor == unfused.outputs[0].tensor, "\(label): fused and unfused bits")
            let expected = try #require(Oracle.evaluate(graph, ["x": OracleArray(input)])["act"])
            #expect(ExecTestKit.mismatch(one.result.outputs[0].tensor, expected) == nil, "\(label): against the oracle")
            for threads in [2, 3] {
                let other = try Self.run(graph, ["x": input], options: ExecutionOptions(threads: threads, instructionSet: instructionSet))
                #expect(other.result.outputs[0].tensor == one.result.outputs[0].tensor, "\(label), \(threads) threads")
            }
        }
    }

    /// A squeeze-and-excitation gate (`x * gate`, the gate `[N or 1, C, 1, 1]`) whose one reader
    /// is a 1x1 conv is applied by that conv as it packs its input: per image (the gate computed
    /// from `x` by global pooling, two 1x1 convs and a sigmoid) or one for the batch (a graph
    /// input), with a residual sum after the conv too; the multiply disappears from the steps,
    /// the outputs are the unfused run's bits and the oracle's values, the same at 1, 2 and 3
    /// threads. Before a 3x3 conv the multiply stays a step of its own.
    @Test func squeezeExcitationGatesFuseIntoTheConv() throws {
        var rng = SplitMix64(seed: 0x5E_6A7E)
        func conv(_ filters: Int, _ channels: Int, kernel: Int = 1) throws -> Op {
            .conv(Conv(
                kernel: try rng.tensor([filters, channels, kernel, kernel]), bias: try rng.tensor([filters]),
                padding: .symmetric(kernel / 2, axes: 2)))
        }
        let x = GraphInput(name: "x", shape: [2, 16, 6, 7]), shared = GraphInput(name: "g", shape: [1, 16, 1, 1])
        let shortcut = GraphInput(name: "r", shape: [2, 8, 6, 7])
        let squeeze = [
            Layer("pool", .globalAveragePool(GlobalAveragePool()), inputs: ["x"]), Layer("s1", try conv(4, 16), inputs: ["pool"]),
            Layer("s1r", .relu(Relu()), inputs: ["s1"]), Layer("s2", try conv(16, 4), inputs: ["s1r"]),
            Layer("gate", .sigmoid(Sigmoid()), inputs: ["s2"]),
        ]
        let cases: [(String, [GraphInput], [Layer], [String])] = [
            ("per-image gate", [x], squeeze + [
                Layer("m", .mul(Mul()), inputs: ["x", "gate"]), Layer("p", try conv(8, 16), inputs: ["m"]),
            ], ["pool", "s1r", "gate", "p"]),
            ("one gate for the batch, then a residual sum", [x, shared, shortcut], [
                Layer("m", .mul(Mul()), inputs: ["g", "x"]), Layer("p", try conv(8, 16), inputs: ["m"]),
                Layer("a", .add(Add()), inputs: ["p", "r"]), Layer("out", .relu(Relu()), inputs: ["a"]),
            ], ["out"]),
            ("before a 3x3 conv", [x], squeeze + [
                Layer("m", .mul(Mul()), inputs: ["x", "gate"]), Layer("p", try conv(8, 16, kernel: 3), inputs: ["m"]),
            ], ["pool", "s1r", "gate", "m", "p"]),
        ]
        let values = ["x": try rng.tensor([2, 16, 6, 7], in: -2...2), "g": try rng.tensor([1, 16, 1, 1]), "r": try rng.tensor([2, 8, 6, 7])]
        for (label, graphInputs, layers, steps) in cases {
            let graph = try Graph(inputs: graphInputs, layers: layers, outputs: [GraphOutput(name: layers.last!.name)])
            let inputs = values.filter { name, _ in graphInputs.contains { $0.name == name } }
            try Self.expectFusionInvariant(graph, inputs, label)
            let one = try Self.run(graph, inputs, options: ExecutionOptions(threads: 1))
            #expect(one.observed.map(\.0) == steps, "\(label): \(one.observed.map(\.0))")
            let unfused = try Executor(graph: graph, options: ExecutionOptions(threads: 1, fusing: false)).run(inputs)
            #expect(one.result.outputs[0].tensor == unfused.outputs[0].tensor, "\(label): fused and unfused bits")
            for threads in [2, 3] {
                let other = try Self.run(graph, inputs, options: ExecutionOptions(threads: threads))
                #expect(other.result.outputs[0].tensor == one.result.outputs[0].tensor, "\(label), \(threads) threads")
            }
        }
    }

    /// A value that is a graph output is never fused away: with the conv, the batchnorm, the
    /// activation and the pool all graph outputs, each is returned as the oracle computes it.
    @Test func graphOutputsAreNotFusedAway() throws {
        var rng = SplitMix64(seed: 0x0017)
        let (chain, shape) = try Self.convNormActivation(&rng, activation: .relu(Relu()), gamma: true, convBias: true, stride: 1)
        let graph = try Graph(inputs: chain.inputs, layers: chain.layers, outputs: ["conv", "bn", "act", "pool"].map { GraphOutput(name: $0) })
        try Self.expectFusionInvariant(graph, ["x": try rng.tensor(shape)], "every value an output")
    }

    /// Unfused, `observe` sees every layer once, in topological order, with the oracle's value;
    /// fused, it sees one value per step: conv + batchnorm + relu is observed as `act` only.
    @Test func observeSeesEveryLayerWhenUnfused() throws {
        var rng = SplitMix64(seed: 0x0B5E)
        let graph = try Self.smallNet(&rng)
        let x = try rng.tensor([2, 4, 24, 24])
        let expected = Oracle.evaluate(graph, ["x": OracleArray(x)])
        let unfused = try Self.run(graph, ["x": x], options: ExecutionOptions(fusing: false))
        #expect(unfused.observed.map(\.0) == graph.layers.map(\.name))
        for (name, value) in unfused.observed {
            #expect(ExecTestKit.mismatch(value, expected[name]!) == nil, "observed \(name)")
        }
        let (chain, shape) = try Self.convNormActivation(&rng, activation: .relu(Relu()), gamma: true, convBias: false, stride: 1)
        let fused = try Self.run(chain, ["x": try rng.tensor(shape)], options: ExecutionOptions())
        #expect(fused.observed.map(\.0) == ["act", "pool"])
    }

    /// Running one executor twice (its buffers recycled between runs) gives each run its own
    /// correct result: the first run's outputs and observed values are intact after the second.
    @Test func repeatedRunsKeepEarlierResults() throws {
        var rng = SplitMix64(seed: 0x2_4E9)
        let graph = try Self.smallNet(&rng)
        let executor = try Executor(graph: graph, options: ExecutionOptions(fusing: false))
        let x1 = try rng.tensor([2, 4, 24, 24]), x2 = try rng.tensor([2, 4, 24, 24])
        var kept: Tensor?
        let first = try executor.run(["x": x1]) { name, value in if name == "c2" { kept = value } }
        let second = try executor.run(["x": x2])
        let expected1 = Oracle.evaluate(graph, ["x": OracleArray(x1)]), expected2 = Oracle.evaluate(graph, ["x": OracleArray(x2)])
        #expect(ExecTestKit.mismatch(first.outputs[0].tensor, expected1["s"]!) == nil, "first run's output")
        #expect(ExecTestKit.mismatch(try #require(kept), expected1["c2"]!) == nil, "first run's observed c2")
        #expect(ExecTestKit.mismatch(second.outputs[0].tensor, expected2["s"]!) == nil, "second run's output")
    }

    /// `peakLiveBytes` by hand: a value lives from the step that makes it to its last use (a
    /// graph output to the end), the input until its last reader; a flatten shares its input's
    /// storage and counts once. With 4 KiB values (1024 floats):
    /// - `x -> relu -> relu -> relu`: at each step the step's input and output, 8 KiB;
    /// - `x -> a -> b, sum = a + b`: a, b and the sum at the last step, 12 KiB;
    /// - `x -> a -> flatten -> relu`, with `a` an output too: the flatten shares a's storage, so
    ///   a, the flatten and b make 8 KiB at the last step (a copying flatten would make 12).
    @Test func peakLiveBytesByHand() throws {
        let value = 1024 * MemoryLayout<Float>.size
        let input = GraphInput(name: "x", shape: [1, 4, 16, 16])
        let chain = try Graph(
            inputs: [input],
            layers: [Layer("r1", .relu(Relu()), inputs: ["x"]), Layer("r2", .relu(Relu()), inputs: ["r1"]), Layer("r3", .relu(Relu()), inputs: ["r2"])],
            outputs: [GraphOutput(name: "r3")])
        let branch = try Graph(
            inputs: [input],
            layers: [Layer("a", .relu(Relu()), inputs: ["x"]), Layer("b", .relu(Relu()), inputs: ["a"]), Layer("sum", .add(Add()), inputs: ["a", "b"])],
            outputs: [GraphOutput(name: "sum")])
        let alias = try Graph(
            inputs: [input],
            layers: [Layer("a", .relu(Relu()), inputs: ["x"]), Layer("f", .flatten(Flatten()), inputs: ["a"]), Layer("b", .relu(Relu()), inputs: ["f"])],
            outputs: [GraphOutput(name: "a"), GraphOutput(name: "b")])
        var rng = SplitMix64(seed: 0x9EA4)
        let x = try rng.tensor([1, 4, 16, 16])
        for (graph, expected) in [(chain, 2 * value), (branch, 3 * value), (alias, 2 * value)] {
            for fusing in [true, false] {
                let result = try Executor(graph: graph, options: ExecutionOptions(fusing: fusing)).run(["x": x])
                #expect(result.peakLiveBytes == expected, "\(graph.layers.map(\.name)), fusing \(fusing)")
            }
        }
    }

    /// A one-conv graph over input `x` of `shape` (possibly symbolic).
    static func convGraph(_ rng: inout SplitMix64, input shape: Shape, kernel: Tensor? = nil) throws -> Graph {
        let conv = Conv(kernel: try kernel ?? rng.tensor([2, 3, 3, 3]), bias: nil, padding: .symmetric(1, axes: 2))
        return try Graph(inputs: [GraphInput(name: "x", shape: shape)], layers: [Layer("y", .conv(conv), inputs: ["x"])], outputs: [GraphOutput(name: "y")])
    }

    /// Bad inputs are ZooErrors, never crashes: a wrong shape, a missing input, an input the graph
    /// does not have, a declared (value-less) input tensor, and an unbound symbolic dimension.
    @Test func badInputsAreErrors() throws {
        var rng = SplitMix64(seed: 0xBAD)
        let graph = try Self.convGraph(&rng, input: [1, 3, 8, 8])
        let executor = try Executor(graph: graph)
        ExecTestKit.expectZooError(.shapeMismatch) { _ = try executor.run(["x": try rng.tensor([1, 3, 8, 9])]) }
        ExecTestKit.expectZooError(.shapeMismatch) { _ = try executor.run(["x": try rng.tensor([3, 8, 8])]) }
        ExecTestKit.expectZooError { _ = try executor.run([:]) }
        ExecTestKit.expectZooError { _ = try executor.run(["x": try rng.tensor([1, 3, 8, 8]), "z": try rng.tensor([1])]) }
        ExecTestKit.expectZooError { _ = try executor.run(["x": try Tensor.declared(shape: [1, 3, 8, 8])]) }
        let symbolic = try Self.convGraph(&rng, input: ["N", 3, 8, 8])
        ExecTestKit.expectZooError { _ = try Executor(graph: symbolic) }
        ExecTestKit.expectZooError { _ = try Executor(graph: symbolic, inputShapes: ["x": [2, 4, 8, 8]]) }
        // Bound, it runs, and its batch of 2 is the oracle's.
        let bound = try Executor(graph: symbolic, inputShapes: ["x": [2, 3, 8, 8]])
        let x = try rng.tensor([2, 3, 8, 8])
        let expected = Oracle.evaluate(symbolic, ["x": OracleArray(x)])["y"]!
        #expect(ExecTestKit.mismatch(try bound.run(["x": x]).outputs[0].tensor, expected) == nil)
    }

    /// Declared weights (shapes without values, as a spec analysed without `--seed` has) are a
    /// `missingWeight` ZooError when the executor is prepared: a conv kernel, a dense bias, a
    /// batch-norm mean, a stored constant operand; with fusion on and off.
    @Test func declaredWeightsAreErrors() throws {
        var rng = SplitMix64(seed: 0xDEC1)
        let declared = { (shape: [Int]) throws -> Tensor in try Tensor.declared(shape: shape) }
        let cases: [(Op, [Int])] = [
            (.conv(Conv(kernel: try declared([2, 3, 3, 3]), bias: nil)), [1, 3, 5, 5]),
            (.dense(Dense(weight: try rng.tensor([2, 4]), bias: try declared([2]))), [1, 4]),
            (.batchNorm(BatchNorm(gamma: nil, beta: nil, mean: try declared([3]), variance: try rng.tensor([3], in: 1...2))), [1, 3, 2]),
            (.add(Add(constant: ConstantOperand(try declared([4])))), [2, 4]),
        ]
        for (op, shape) in cases {
            let graph = try ExecTestKit.oneLayerGraph(op, inputShapes: [shape])
            for fusing in [true, false] {
                ExecTestKit.expectZooError(.missingWeight) { _ = try Executor(graph: graph, options: ExecutionOptions(fusing: fusing)) }
            }
        }
        // A declared batch norm after a conv, where fusion would fold it.
        let (chain, _) = try Self.convNormActivation(&rng, activation: .relu(Relu()), gamma: true, convBias: true, stride: 1)
        var layers = chain.layers
        layers[1].op = .batchNorm(BatchNorm(gamma: nil, beta: nil, mean: try rng.tensor([6]), variance: try declared([6])))
        let folded = try Graph(inputs: chain.inputs, layers: layers, outputs: chain.outputs)
        ExecTestKit.expectZooError(.missingWeight) { _ = try Executor(graph: folded) }
    }
}
