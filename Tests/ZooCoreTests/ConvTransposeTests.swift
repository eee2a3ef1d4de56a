import Testing
import ZooCore

/// One transposed-convolution case. Every expected value is computed by hand in the comment
/// above it from the ONNX ConvTranspose rules
///
///     k' = d (k - 1) + 1,   full = s (in - 1) + output_padding + k',   out = full - p_b - p_e
///     params = C (M/g) kh kw (+ M),   MACs = C H_in W_in (M/g) kh kw,
///     FLOPs = 2 MACs (+ M outH outW with a bias)
///
/// and `same` (ONNX auto_pad SAME_*, or output_shape): total = full - target with target = in s
/// or the output shape, begin = floor(total / 2) with the odd element at the end (SAME_UPPER),
/// end = floor(total / 2) with it at the beginning (SAME_LOWER, NOTSET with output_shape).
/// The field step: stride 1 everywhere, the equivalent conv's window with begin padding
/// k' - 1 - p_b; any larger stride, global.
struct ConvTransposeCase: Sendable, CustomTestStringConvertible {
    let label: String
    let input: Shape
    /// `[C, M/groups, k...]`.
    let kernel: [Int]
    let bias: Bool
    var stride: [Int]? = nil
    var dilation: [Int]? = nil
    var padding: Padding = .valid
    var outputPadding: [Int]? = nil
    var outputShape: [Int]? = nil
    var groups: Int = 1
    let output: Shape
    /// The resolved crops, ONNX order (every begin, then every end).
    let pads: [Int]
    let params: Int
    let macs: Int
    let flops: Int
    /// The window axes of the field step, or nil for a global one.
    let field: [WindowAxis]?

    var testDescription: String { label }

    var op: ConvTranspose {
        get throws {
            ConvTranspose(
                kernel: try OpTestKit.declared(kernel), bias: bias ? try OpTestKit.declared([kernel[1] * groups]) : nil,
                stride: stride, dilation: dilation, padding: padding, outputPadding: outputPadding, outputShape: outputShape, groups: groups)
        }
    }
}

let convTransposeCases: [ConvTransposeCase] = [
    // ONNX test_convtranspose: full = 1·(3 - 1) + 0 + 3 = 5; params 1·2·9 = 18; MACs 1·9·2·9 = 162; FLOPs 324;
    // field: k' - 1 - 0 = 2 before.
    ConvTransposeCase(
        label: "ONNX test_convtranspose, 3x3 stride 1", input: [1, 1, 3, 3], kernel: [1, 2, 3, 3], bias: false,
        output: [1, 2, 5, 5], pads: [0, 0, 0, 0], params: 18, macs: 162, flops: 324,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, padBegin: 2), WindowAxis(axis: 3, kernel: 3, stride: 1, padBegin: 2)]),
    // PyTorch's 2x upsampling: full = 2·6 + 1 + 3 = 16, out 16 - 1 - 1 = 14; params 16·8·9 + 8 = 1,160;
    // MACs 16·49·8·9 = 784·72 = 56,448; FLOPs 112,896 + 8·196 = 114,464.
    ConvTransposeCase(
        label: "stride 2, pads 1, output_padding 1 (7 -> 14)", input: [1, 16, 7, 7], kernel: [16, 8, 3, 3], bias: true,
        stride: [2, 2], padding: .symmetric(1, axes: 2), outputPadding: [1, 1],
        output: [1, 8, 14, 14], pads: [1, 1, 1, 1], params: 1_160, macs: 56_448, flops: 114_464, field: nil),
    // groups 2, M = 3·2 = 6: full = 2·4 + 0 + 2 = 10; params 4·3·4 + 6 = 54; MACs 4·25·3·4 = 1,200; FLOPs 2,400 + 600 = 3,000.
    ConvTransposeCase(
        label: "groups 2, 2x2 stride 2", input: [1, 4, 5, 5], kernel: [4, 3, 2, 2], bias: true, stride: [2, 2], groups: 2,
        output: [1, 6, 10, 10], pads: [0, 0, 0, 0], params: 54, macs: 1_200, flops: 3_000, field: nil),
    // ONNX test_convtranspose_dilations: k' = 2·1 + 1 = 3, full = 2 + 3 = 5; params 4; MACs 9·4 = 36; FLOPs 72;
    // field: dilation 2, 3 - 1 - 0 = 2 before.
    ConvTransposeCase(
        label: "ONNX test_convtranspose_dilations", input: [1, 1, 3, 3], kernel: [1, 1, 2, 2], bias: false, dilation: [2, 2],
        output: [1, 1, 5, 5], pads: [0, 0, 0, 0], params: 4, macs: 36, flops: 72,
        field: [
            WindowAxis(axis: 2, kernel: 2, stride: 1, dilation: 2, padBegin: 2), WindowAxis(axis: 3, kernel: 2, stride: 1, dilation: 2, padBegin: 2),
        ]),
    // ONNX test_convtranspose_autopad_same (SAME_UPPER): target 3·2 = 6, full 2·2 + 3 = 7, total 1 -> begin 0, end 1.
    ConvTransposeCase(
        label: "auto_pad SAME_UPPER, stride 2", input: [1, 1, 3, 3], kernel: [1, 2, 3, 3], bias: false, stride: [2, 2],
        padding: .same(extra: .end),
        output: [1, 2, 6, 6], pads: [0, 0, 1, 1], params: 18, macs: 162, flops: 324, field: nil),
    // as above with SAME_LOWER: begin 1, end 0.
    ConvTransposeCase(
        label: "auto_pad SAME_LOWER, stride 2", input: [1, 1, 3, 3], kernel: [1, 2, 3, 3], bias: false, stride: [2, 2],
        padding: .same(extra: .beginning),
        output: [1, 2, 6, 6], pads: [1, 1, 0, 0], params: 18, macs: 162, flops: 324, field: nil),
    // SAME with k 1 < s 3: target 4·3 = 12, full 3·3 + 1 = 10, total -2 -> SAME_UPPER begin floor(-1) = -1, end -1:
    // one element past each end of the full output.
    ConvTransposeCase(
        label: "auto_pad SAME_UPPER, 1-D k 1 stride 3 (negative total)", input: [1, 2, 4], kernel: [2, 1, 1], bias: true, stride: [3],
        padding: .same(extra: .end),
        output: [1, 1, 12], pads: [-1, -1], params: 3, macs: 8, flops: 28, field: nil),
    // ONNX test_convtranspose_output_shape (NOTSET from opset 11 splits as SAME_LOWER): H full 3·2 + 3 = 9, target 10,
    // total -1 -> end floor(-1/2) = -1, begin -1 - (-1) = 0; W full 2·2 + 3 = 7, target 8, the same.
    ConvTransposeCase(
        label: "ONNX test_convtranspose_output_shape", input: [1, 1, 3, 3], kernel: [1, 2, 3, 3], bias: false, stride: [3, 2],
        padding: .same(extra: .beginning), outputShape: [10, 8],
        output: [1, 2, 10, 8], pads: [0, 0, -1, -1], params: 18, macs: 162, flops: 324, field: nil),
    // output_shape that crops: full 2·3 + 3 = 9, target 6, total 3 -> SAME_UPPER begin 1, end 2; params 3;
    // MACs 4·1·3 = 12; FLOPs 24.
    ConvTransposeCase(
        label: "1-D output_shape cropping, SAME_UPPER split", input: [1, 1, 4], kernel: [1, 1, 3], bias: false, stride: [2],
        padding: .same(extra: .end), outputShape: [6],
        output: [1, 1, 6], pads: [1, 2], params: 3, macs: 12, flops: 24, field: nil),
    // stride 1, crop 3 > k' - 1 = 2: full 5 + 3 = 8, out 8 - 3 - 0 = 5; params 2·3·3 + 3 = 21; MACs 2·6·3·3 = 108;
    // FLOPs 216 + 15 = 231; field begin padding 2 - 3 = -1.
    ConvTransposeCase(
        label: "1-D stride 1, crop larger than k' - 1", input: [1, 2, 6], kernel: [2, 3, 3], bias: true,
        padding: .explicit(begin: [3], end: [0]),
        output: [1, 3, 5], pads: [3, 0], params: 21, macs: 108, flops: 231, field: [WindowAxis(axis: 2, kernel: 3, stride: 1, padBegin: -1)]),
    // stride 1 with dilation 2 allows output_padding 1: k' 5, full 4 + 1 + 5 = 10, out 10 - 2 - 2 = 6;
    // params 3·2·3 = 18; MACs 3·5·2·3 = 90; FLOPs 180; field 5 - 1 - 2 = 2 before.
    ConvTransposeCase(
        label: "1-D dilation 2, output_padding 1 at stride 1", input: [1, 3, 5], kernel: [3, 2, 3], bias: false, dilation: [2],
        padding: .symmetric(2, axes: 1), outputPadding: [1],
        output: [1, 2, 6], pads: [2, 2], params: 18, macs: 90, flops: 180,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, dilation: 2, padBegin: 2)]),
    // DCGAN's k 4, s 2, p 1 doubling, symbolic batch: full 2·3 + 4 = 10, out 8; params 8·4·16 + 4 = 516;
    // MACs 8·16·4·16 = 8,192; FLOPs 16,384 + 4·64 = 16,640.
    ConvTransposeCase(
        label: "DCGAN 4x4 stride 2 pad 1, symbolic batch", input: ["N", 8, 4, 4], kernel: [8, 4, 4, 4], bias: true, stride: [2, 2],
        padding: .symmetric(1, axes: 2),
        output: ["N", 4, 8, 8], pads: [1, 1, 1, 1], params: 516, macs: 8_192, flops: 16_640, field: nil),
    // stride (1, 2): H is a stride-1 axis, but one strided axis makes the whole field global. H full 2 + 2 = 4,
    // W full 2·2 + 1 + 3 = 8; params 2·1·2·3 = 12; MACs 2·3·3·1·6 = 108; FLOPs 216.
    ConvTransposeCase(
        label: "stride (1, 2), output_padding (0, 1)", input: [1, 2, 3, 3], kernel: [2, 1, 2, 3], bias: false, stride: [1, 2],
        outputPadding: [0, 1],
        output: [1, 1, 4, 8], pads: [0, 0, 0, 0], params: 12, macs: 108, flops: 216, field: nil),
]

@Suite("ConvTranspose")
struct ConvTransposeTests {
    @Test("shape, crops, parameters, MACs, FLOPs and field step", arguments: convTransposeCases)
    func convTransposeCase(_ c: ConvTransposeCase) throws {
        let op = try c.op
        let (output, cost, step) = try OpTestKit.evaluate(op, [c.input])
        #expect(output == c.output)
        #expect(op.attributes(inputs: [c.input]).first { $0.0 == "pads" }?.1 == .ints(c.pads))
        let counts = OpTestKit.counts(op.weights)
        #expect(counts.trainable == c.params)
        #expect(counts.nonTrainable == 0 && counts.constant == 0)
        #expect(cost == Cost(macs: c.macs, flops: c.flops))
        #expect(step == (c.field.map(FieldStep.window) ?? .global))
    }

    @Test("weights are the kernel then the bias, both trainable; attributes name the output padding and groups")
    func weightsAndAttributes() throws {
        let op = ConvTranspose(
            kernel: try OpTestKit.declared([4, 3, 3, 3]), bias: try OpTestKit.declared([6]), stride: [2, 2], outputPadding: [1, 0], groups: 2)
        #expect(op.weights.map(\.name) == ["kernel", "bias"])
        #expect(op.weights.map(\.role) == [.trainable, .trainable])
        // An output sums at most C/g · ceil(3/2) · ceil(3/2) = 2·2·2 = 8 products.
        #expect(op.weights.first?.kind == .kernel(fanIn: 8))
        let attributes = op.attributes(inputs: [[1, 4, 5, 5]])
        #expect(attributes.first { $0.0 == "output_padding" }?.1 == .ints([1, 0]))
        #expect(attributes.first { $0.0 == "groups" }?.1 == .int(2))
        #expect(attributes.first { $0.0 == "pads" }?.1 == .ints([0, 0, 0, 0]))
    }

    /// The field through the analyzer: after a conv 3x3/2 (r 3, j 2, p 0), a stride-1 transposed
    /// 3x3 with crop 1 is the window of a conv with begin padding 3 - 1 - 1 = 1: r = 3 + 2·2 = 7,
    /// j = 2, p = 0 + 1·2 = 2. A stride-2 one after it is global, and so is what follows.
    @Test("receptive fields: stride 1 composes like a conv, stride 2 turns global")
    func receptiveFields() throws {
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: [1, 1, 17, 17])],
            layers: [
                Layer("down", .conv(Conv(kernel: try OpTestKit.declared([2, 1, 3, 3]), bias: nil, stride: [2, 2])), inputs: ["x"]),
                Layer("same", .convTranspose(ConvTranspose(kernel: try OpTestKit.declared([2, 2, 3, 3]), bias: nil, padding: .symmetric(1, axes: 2))), inputs: ["down"]),
                Layer("up", .convTranspose(ConvTranspose(kernel: try OpTestKit.declared([2, 1, 2, 2]), bias: nil, stride: [2, 2])), inputs: ["same"]),
                Layer("relu", .relu(Relu()), inputs: ["up"]),
            ],
            outputs: [GraphOutput(name: "relu")])
        let report = try Analyzer.analyze(graph, model: "rf", format: "test")
        let same = try #require(report.layer("same")?.receptiveField)
        #expect(same.size == [7, 7] && same.stride == [2, 2] && same.padding == [2, 2])
        // down: (17 - 3) / 2 + 1 = 8; same keeps 8; up: 2·7 + 2 = 16.
        #expect(report.layer("up")?.outputShape == [1, 1, 16, 16])
        #expect(report.layer("up")?.fieldState == .global)
        #expect(report.layer("relu")?.fieldState == .global)
    }

    @Test("zoo explain fills in the transposed-conv formulas")
    func explanation() throws {
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: ["N", 16, 7, 7])],
            layers: [
                Layer(
                    "up",
                    .convTranspose(ConvTranspose(
                        kernel: try OpTestKit.declared([16, 8, 3, 3]), bias: try OpTestKit.declared([8]), stride: [2, 2],
                        padding: .symmetric(1, axes: 2), outputPadding: [1, 1])),
                    inputs: ["x"]),
            ],
            outputs: [GraphOutput(name: "up")])
        let text = try LayerExplanation.explain(Model(name: "net", format: "test", graph: graph), layer: "up")
        // The numbers of the "stride 2, pads 1, output_padding 1" case above.
        for line in [
            "net / up: transposed conv 3x3, 8 filters, stride 2, output padding 1",
            "H_out = 2 x (7 - 1) + 1 + 3 - 1 - 1 = 14    (full 16, p = 1 + 1)",
            "W_out = 2 x (7 - 1) + 1 + 3 - 1 - 1 = 14",
            "3 x 3 x 16 x 8 + 8 = 1,160",
            "MACs (c_in x H_in x W_in x c_out/groups x k_h x k_w",
            "16 x 7 x 7 x 8 x 3 x 3 = 56,448",
            "2 x 56,448 + 1,568 = 114,464",
            "not representable: stride 2x2",
        ] {
            #expect(text.contains(line), "explain lacks '\(line)':\n\(text)")
        }
    }

    @Test("a stride-1 transposed conv explains its field as the equivalent conv's window")
    func explanationStrideOne() throws {
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: [1, 1, 3, 3])],
            layers: [Layer("t", .convTranspose(ConvTranspose(kernel: try OpTestKit.declared([1, 2, 3, 3]), bias: nil)), inputs: ["x"])],
            outputs: [GraphOutput(name: "t")])
        let text = try LayerExplanation.explain(Model(name: "net", format: "test", graph: graph), layer: "t")
        // r = 1 + (3 - 1)·1 = 3, j = 1, p = 0 + 2·1 = 2.
        #expect(text.contains("H: r = 1 + (3 - 1) x 1 = 3,  j = 1 x 1 = 1,  p = 0 + 2 x 1 = 2"), "\(text)")
        #expect(text.contains("1 x 3 x 3 x 2 x 3 x 3 = 162"), "\(text)")
    }

    /// A spec's conv_transpose: `pad: same` aims at in x stride (target 10, full 2·4 + 3 = 11, the
    /// odd crop at the end), groups 2 split 4 input channels and 6 filters (kernel [4, 3, 3, 3]:
    /// 108 + 6 = 114 parameters), and `activation` becomes its own layer.
    @Test("a spec's conv_transpose: same padding, groups, a fused activation")
    func specOp() throws {
        let model = try Spec.parse(
            """
            name: t
            input: [4, 5, 5]
            layers:
              - up: {op: conv_transpose, filters: 6, kernel: 3, stride: 2, pad: same, groups: 2, activation: relu}
            """, file: "t.yaml")
        #expect(model.graph.layers.map(\.name) == ["up", "up/relu"])
        guard case .convTranspose(let op) = model.graph.layers.first?.op else {
            Issue.record("up must be a transposed conv")
            return
        }
        #expect(op.kernel.shape == [4, 3, 3, 3])
        let report = try model.analyze()
        #expect(report.layer("up")?.outputShape == ["N", 6, 10, 10])
        #expect(report.totals.params.trainable == 114)
        let error = #expect(throws: ZooError.self) {
            _ = try Spec.parse("name: t\ninput: [4, 5, 5]\nlayers:\n  - up: {op: conv_transpose, filters: 6, kernel: 3, groups: 3}\n", file: "t.yaml")
        }
        #expect(error?.message.contains("groups must divide the input channels and the filters") == true, "\(String(describing: error))")
    }

    // MARK: Errors

    @Test("output_padding must stay below the stride or the dilation")
    func outputPaddingTooLarge() throws {
        let kernel = try OpTestKit.declared([2, 2, 3, 3])
        OpTestKit.expectError(.invalidGraph, mentioning: ["below the stride or the dilation", "output padding [2, 0]", "stride [2, 2]"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, stride: [2, 2], outputPadding: [2, 0]).outputShape(inputs: [[1, 2, 4, 4]])
        }
        // stride 1: only a dilation makes room for one.
        OpTestKit.expectError(.invalidGraph, mentioning: ["output padding [1]", "dilation [1]"]) {
            _ = try ConvTranspose(kernel: try OpTestKit.declared([2, 2, 3]), bias: nil, outputPadding: [1]).outputShape(inputs: [[1, 2, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["at least 0", "output padding [-1, 0]"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, stride: [2, 2], outputPadding: [-1, 0]).outputShape(inputs: [[1, 2, 4, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["one output padding per spatial axis", "output padding [1]"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, stride: [2, 2], outputPadding: [1]).outputShape(inputs: [[1, 2, 4, 4]])
        }
    }

    @Test("the kernel's input channels must divide by groups, and match the input")
    func channels() throws {
        OpTestKit.expectError(.invalidGraph, mentioning: ["multiple of groups", "kernel [3, 2, 3, 3], groups 2"]) {
            _ = try ConvTranspose(kernel: try OpTestKit.declared([3, 2, 3, 3]), bias: nil, groups: 2).outputShape(inputs: [[1, 3, 4, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["groups 0"]) {
            _ = try ConvTranspose(kernel: try OpTestKit.declared([4, 2, 3, 3]), bias: nil, groups: 0).outputShape(inputs: [[1, 4, 4, 4]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["input channels must equal the kernel's first axis", "input [1, 3, 4, 4]", "kernel [4, 2, 3, 3]"]) {
            _ = try ConvTranspose(kernel: try OpTestKit.declared([4, 2, 3, 3]), bias: nil).outputShape(inputs: [[1, 3, 4, 4]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["one value per output channel", "bias [2]", "4 output channels"]) {
            _ = try ConvTranspose(kernel: try OpTestKit.declared([4, 2, 3, 3]), bias: try OpTestKit.declared([2]), groups: 2)
                .outputShape(inputs: [[1, 4, 4, 4]])
        }
    }

    @Test("strides and dilations must be positive, kernels 1-D or 2-D")
    func windowAttributes() throws {
        let kernel = try OpTestKit.declared([2, 2, 3, 3])
        OpTestKit.expectError(.invalidGraph, mentioning: ["stride must be at least 1", "stride [0, 1]"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, stride: [0, 1]).outputShape(inputs: [[1, 2, 4, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["stride must be at least 1", "stride [1, -2]"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, stride: [1, -2]).outputShape(inputs: [[1, 2, 4, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["dilation must be at least 1", "dilation [0, 1]"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, dilation: [0, 1]).outputShape(inputs: [[1, 2, 4, 4]])
        }
        OpTestKit.expectError(.unsupported, mentioning: ["1-D and 2-D", "[1, 2, 3, 3, 3]"]) {
            _ = try ConvTranspose(kernel: try OpTestKit.declared([1, 2, 3, 3, 3]), bias: nil).outputShape(inputs: [[1, 1, 3, 4, 5]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["rank-4 input", "[1, 2, 4]"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil).outputShape(inputs: [[1, 2, 4]])
        }
    }

    @Test("output_shape must fit the input: one positive size per axis, reached with a same split, not far past the full output")
    func outputShapeChecks() throws {
        let kernel = try OpTestKit.declared([1, 2, 3, 3])
        func op(_ shape: [Int], _ padding: Padding = .same(extra: .beginning)) -> ConvTranspose {
            ConvTranspose(kernel: kernel, bias: nil, stride: [3, 2], padding: padding, outputShape: shape)
        }
        // H: full 9; 9 + 3 = 12 is max(s, d) = 3 past it (11 would do, as output_padding 2 could).
        OpTestKit.expectError(.shapeMismatch, mentioning: ["may exceed the full output", "= 9 by less than max(stride, dilation) = 3", "output shape [12, 8]"]) {
            _ = try op([12, 8]).outputShape(inputs: [[1, 1, 3, 3]])
        }
        #expect(try op([11, 8]).outputShape(inputs: [[1, 1, 3, 3]]) == [1, 2, 11, 8])
        OpTestKit.expectError(.invalidGraph, mentioning: ["one size of at least 1 per spatial axis (2)", "output shape [10]"]) {
            _ = try op([10]).outputShape(inputs: [[1, 1, 3, 3]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["output shape [0, 8]"]) {
            _ = try op([0, 8]).outputShape(inputs: [[1, 1, 3, 3]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["splits the padding", "output shape [10, 8]"]) {
            _ = try op([10, 8], .valid).outputShape(inputs: [[1, 1, 3, 3]])
        }
    }

    @Test("crops that leave no output, and sizes that overflow, are refused")
    func sizes() throws {
        let kernel = try OpTestKit.declared([1, 1, 3, 3])
        // full 1·2 + 3 = 5; 5 - 3 - 2 = 0.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["at least one element", "1 x (3 - 1) + 0 + 3 - 3 - 2 >= 1"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, padding: .explicit(begin: [3, 0], end: [2, 0])).outputShape(inputs: [[1, 1, 3, 3]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["must fit in a 64-bit integer"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, stride: [Int.max / 2, 1]).outputShape(inputs: [[1, 1, 4, 4]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["must fit in a 64-bit integer"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, dilation: [1, Int.max / 2]).outputShape(inputs: [[1, 1, 4, 4]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["must fit in a 64-bit integer"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil, stride: [Int.max, 1], padding: .same(extra: .end)).outputShape(inputs: [[1, 1, 2, 4]])
        }
        // A symbolic spatial size needs binding.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["unbound symbol 'H'"]) {
            _ = try ConvTranspose(kernel: kernel, bias: nil).outputShape(inputs: [[1, 1, "H", 4]])
        }
    }
}
