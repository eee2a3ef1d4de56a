import Testing
import ZooCore

/// One convolution case. Every expected value is computed by hand in the comment above it from
///
///     k' = d (k - 1) + 1,   out = floor((in + p_b + p_e - k') / s) + 1
///     params = O (C/g) kh kw (+ O),   MACs = O outH outW (C/g) kh kw,
///     FLOPs = 2 MACs (+ O outH outW with a bias)
///
/// and `same` padding: out = ceil(in / s), total = max((out - 1) s + k' - in, 0), the odd
/// element at the end (SAME_UPPER) or at the beginning (SAME_LOWER).
struct ConvCase: Sendable, CustomTestStringConvertible {
    let label: String
    let input: Shape
    /// `[O, C/groups, k...]`.
    let kernel: [Int]
    let bias: Bool
    var stride: [Int]? = nil
    var dilation: [Int]? = nil
    var padding: Padding = .valid
    var groups: Int = 1
    let output: Shape
    let params: Int
    let macs: Int
    let flops: Int
    /// The expected receptive-field step, axis by axis.
    let field: [WindowAxis]

    var testDescription: String { label }
}

let convCases: [ConvCase] = [
    // out = 32 - 5 + 1 = 28; params 6·1·5·5 + 6 = 156; MACs 6·28·28·(1·5·5) = 6·784·25 = 117,600;
    // FLOPs 2·117,600 + 6·784 = 235,200 + 4,704 = 239,904.
    ConvCase(
        label: "LeNet conv1 5x5x1->6 on 32x32", input: [1, 1, 32, 32], kernel: [6, 1, 5, 5], bias: true,
        output: [1, 6, 28, 28], params: 156, macs: 117_600, flops: 239_904,
        field: [WindowAxis(axis: 2, kernel: 5, stride: 1, padBegin: 0), WindowAxis(axis: 3, kernel: 5, stride: 1, padBegin: 0)]),
    // out = 14 - 5 + 1 = 10; params 16·6·25 + 16 = 2,400 + 16 = 2,416; MACs 16·10·10·(6·25) = 16·100·150 = 240,000;
    // FLOPs 480,000 + 16·100 = 481,600.
    ConvCase(
        label: "LeNet conv2 5x5x6->16 on 14x14", input: [1, 6, 14, 14], kernel: [16, 6, 5, 5], bias: true,
        output: [1, 16, 10, 10], params: 2_416, macs: 240_000, flops: 481_600,
        field: [WindowAxis(axis: 2, kernel: 5, stride: 1, padBegin: 0), WindowAxis(axis: 3, kernel: 5, stride: 1, padBegin: 0)]),
    // The lecture's 1-D example (1,2) * (2,-1,2) = (2,3,0,4): full padding k - 1 = 2 per side,
    // out = 2 + 2 + 2 - 3 + 1 = 4; params 3; MACs 1·4·3 = 12; FLOPs 24.
    ConvCase(
        label: "1-D lecture example, full padding", input: [1, 1, 2], kernel: [1, 1, 3], bias: false,
        padding: .explicit(begin: [2], end: [2]),
        output: [1, 1, 4], params: 3, macs: 12, flops: 24,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, padBegin: 2)]),
    // out = floor((10 - 3) / 2) + 1 = 3 + 1 = 4; params 8·4·3 + 8 = 104; MACs 8·4·(4·3) = 384; FLOPs 768 + 32 = 800.
    ConvCase(
        label: "1-D stride 2", input: [1, 4, 10], kernel: [8, 4, 3], bias: true, stride: [2],
        output: [1, 8, 4], params: 104, macs: 384, flops: 800,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 0)]),
    // k' = 2·(3 - 1) + 1 = 5; out = (16 + 2 + 2 - 5) / 1 + 1 = 16; params 4·2·3 = 24; MACs 4·16·(2·3) = 384; FLOPs 768.
    ConvCase(
        label: "1-D dilation 2, pad 2", input: [1, 2, 16], kernel: [4, 2, 3], bias: false, dilation: [2],
        padding: .explicit(begin: [2], end: [2]),
        output: [1, 4, 16], params: 24, macs: 384, flops: 768,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, dilation: 2, padBegin: 2)]),
    // same: out = ceil(5 / 2) = 3; total = (3 - 1)·2 + 3 - 5 = 2 -> begin 1, end 1;
    // check (5 + 1 + 1 - 3) / 2 + 1 = 3. params 2·1·3 + 2 = 8; MACs 2·3·3 = 18; FLOPs 36 + 6 = 42.
    ConvCase(
        label: "1-D same_upper stride 2, even total", input: [1, 1, 5], kernel: [2, 1, 3], bias: true, stride: [2],
        padding: .same(extra: .end),
        output: [1, 2, 3], params: 8, macs: 18, flops: 42,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 1)]),
    // same: out = 6; total = 5·1 + 2 - 6 = 1 (odd) -> SAME_UPPER begin 0, end 1; params 2; MACs 6·2 = 12; FLOPs 24.
    ConvCase(
        label: "1-D same_upper k2 on 6 (odd total at the end)", input: [1, 1, 6], kernel: [1, 1, 2], bias: false,
        padding: .same(extra: .end),
        output: [1, 1, 6], params: 2, macs: 12, flops: 24,
        field: [WindowAxis(axis: 2, kernel: 2, stride: 1, padBegin: 0)]),
    // as above with SAME_LOWER: begin 1, end 0.
    ConvCase(
        label: "1-D same_lower k2 on 6 (odd total at the beginning)", input: [1, 1, 6], kernel: [1, 1, 2], bias: false,
        padding: .same(extra: .beginning),
        output: [1, 1, 6], params: 2, macs: 12, flops: 24,
        field: [WindowAxis(axis: 2, kernel: 2, stride: 1, padBegin: 1)]),
    // out = floor((224 + 3 + 3 - 7) / 2) + 1 = floor(223 / 2) + 1 = 112; params 64·3·7·7 = 9,408;
    // MACs 64·112·112·(3·49) = 64·12,544·147 = 118,013,952 (REFERENCE: ResNet-18 conv1); FLOPs 236,027,904.
    ConvCase(
        label: "ResNet conv1 7x7/2 pad 3, symbolic batch", input: ["N", 3, 224, 224], kernel: [64, 3, 7, 7], bias: false,
        stride: [2, 2], padding: .symmetric(3, axes: 2),
        output: ["N", 64, 112, 112], params: 9_408, macs: 118_013_952, flops: 236_027_904,
        field: [WindowAxis(axis: 2, kernel: 7, stride: 2, padBegin: 3), WindowAxis(axis: 3, kernel: 7, stride: 2, padBegin: 3)]),
    // out = 224 + 2 - 3 + 1 = 224; params 64·3·9 + 64 = 1,792 (Keras block1_conv1);
    // MACs 64·50,176·27 = 86,704,128; FLOPs 173,408,256 + 64·50,176 = 173,408,256 + 3,211,264 = 176,619,520.
    ConvCase(
        label: "VGG block1_conv1 3x3 pad 1", input: [1, 3, 224, 224], kernel: [64, 3, 3, 3], bias: true,
        padding: .symmetric(1, axes: 2),
        output: [1, 64, 224, 224], params: 1_792, macs: 86_704_128, flops: 176_619_520,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, padBegin: 1), WindowAxis(axis: 3, kernel: 3, stride: 1, padBegin: 1)]),
    // k' = 2·2 + 1 = 5; out = 9 - 5 + 1 = 5; params 2·3·9 + 2 = 56; MACs 2·25·27 = 1,350; FLOPs 2,700 + 50 = 2,750.
    ConvCase(
        label: "2-D dilation 2", input: [1, 3, 9, 9], kernel: [2, 3, 3, 3], bias: true, dilation: [2, 2],
        output: [1, 2, 5, 5], params: 56, macs: 1_350, flops: 2_750,
        field: [
            WindowAxis(axis: 2, kernel: 3, stride: 1, dilation: 2, padBegin: 0),
            WindowAxis(axis: 3, kernel: 3, stride: 1, dilation: 2, padBegin: 0),
        ]),
    // k' = 5; out = floor((10 + 4 - 5) / 2) + 1 = 4 + 1 = 5; params 3·2·9 = 54; MACs 3·25·18 = 1,350; FLOPs 2,700.
    ConvCase(
        label: "2-D dilation 2, stride 2, pad 2", input: [1, 2, 10, 10], kernel: [3, 2, 3, 3], bias: false,
        stride: [2, 2], dilation: [2, 2], padding: .symmetric(2, axes: 2),
        output: [1, 3, 5, 5], params: 54, macs: 1_350, flops: 2_700,
        field: [
            WindowAxis(axis: 2, kernel: 3, stride: 2, dilation: 2, padBegin: 2),
            WindowAxis(axis: 3, kernel: 3, stride: 2, dilation: 2, padBegin: 2),
        ]),
    // C/g = 8/2 = 4; out = 6 + 2 - 3 + 1 = 6; params 4·4·9 + 4 = 148; MACs 4·36·(4·9) = 5,184;
    // FLOPs 10,368 + 4·36 = 10,512.
    ConvCase(
        label: "groups 2", input: [1, 8, 6, 6], kernel: [4, 4, 3, 3], bias: true, padding: .symmetric(1, axes: 2), groups: 2,
        output: [1, 4, 6, 6], params: 148, macs: 5_184, flops: 10_512,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, padBegin: 1), WindowAxis(axis: 3, kernel: 3, stride: 1, padBegin: 1)]),
    // depthwise: C/g = 1; out 112; params 32·1·9 = 288; MACs 32·112·112·9 = 32·12,544·9 = 3,612,672; FLOPs 7,225,344.
    ConvCase(
        label: "depthwise 3x3, 32 channels (MobileNet)", input: [1, 32, 112, 112], kernel: [32, 1, 3, 3], bias: false,
        padding: .symmetric(1, axes: 2), groups: 32,
        output: [1, 32, 112, 112], params: 288, macs: 3_612_672, flops: 7_225_344,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, padBegin: 1), WindowAxis(axis: 3, kernel: 3, stride: 1, padBegin: 1)]),
    // same, s 2 on 8: out = ceil(8 / 2) = 4; total = 3·2 + 3 - 8 = 1 -> SAME_UPPER begin 0, end 1;
    // params 16·9 + 16 = 160; MACs 16·16·9 = 2,304; FLOPs 4,608 + 16·16 = 4,864.
    ConvCase(
        label: "depthwise stride 2 same_upper on 8 (Keras same)", input: [1, 16, 8, 8], kernel: [16, 1, 3, 3], bias: true,
        stride: [2, 2], padding: .same(extra: .end), groups: 16,
        output: [1, 16, 4, 4], params: 160, macs: 2_304, flops: 4_864,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 0), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 0)]),
    // as above with SAME_LOWER: begin 1, end 0.
    ConvCase(
        label: "depthwise stride 2 same_lower on 8", input: [1, 16, 8, 8], kernel: [16, 1, 3, 3], bias: true,
        stride: [2, 2], padding: .same(extra: .beginning), groups: 16,
        output: [1, 16, 4, 4], params: 160, macs: 2_304, flops: 4_864,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 1), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 1)]),
    // depth multiplier 2: groups 4, O = 8, C/g = 1; out = 5 - 3 + 1 = 3; params 8·9 + 8 = 80;
    // MACs 8·9·9 = 648; FLOPs 1,296 + 72 = 1,368.
    ConvCase(
        label: "depthwise with multiplier 2", input: [1, 4, 5, 5], kernel: [8, 1, 3, 3], bias: true, groups: 4,
        output: [1, 8, 3, 3], params: 80, macs: 648, flops: 1_368,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, padBegin: 0), WindowAxis(axis: 3, kernel: 3, stride: 1, padBegin: 0)]),
    // same, k 4 on 6: out 6; total = 5 + 4 - 6 = 3 (odd) -> SAME_UPPER begin 1, end 2;
    // params 3·2·16 + 3 = 99; MACs 3·36·32 = 3,456; FLOPs 6,912 + 108 = 7,020.
    ConvCase(
        label: "same_upper k4 on even 6x6", input: [1, 2, 6, 6], kernel: [3, 2, 4, 4], bias: true, padding: .same(extra: .end),
        output: [1, 3, 6, 6], params: 99, macs: 3_456, flops: 7_020,
        field: [WindowAxis(axis: 2, kernel: 4, stride: 1, padBegin: 1), WindowAxis(axis: 3, kernel: 4, stride: 1, padBegin: 1)]),
    // as above with SAME_LOWER: begin 2, end 1.
    ConvCase(
        label: "same_lower k4 on even 6x6", input: [1, 2, 6, 6], kernel: [3, 2, 4, 4], bias: true,
        padding: .same(extra: .beginning),
        output: [1, 3, 6, 6], params: 99, macs: 3_456, flops: 7_020,
        field: [WindowAxis(axis: 2, kernel: 4, stride: 1, padBegin: 2), WindowAxis(axis: 3, kernel: 4, stride: 1, padBegin: 2)]),
    // H: (5 + 1 + 2 - 3) / 1 + 1 = 6; W: floor((7 + 0 + 1 - 3) / 2) + 1 = 2 + 1 = 3;
    // params 2·1·9 = 18; MACs 2·6·3·9 = 324; FLOPs 648.
    ConvCase(
        label: "explicit asymmetric pads, stride (1, 2)", input: [1, 1, 5, 7], kernel: [2, 1, 3, 3], bias: false,
        stride: [1, 2], padding: .explicit(begin: [1, 0], end: [2, 1]),
        output: [1, 2, 6, 3], params: 18, macs: 324, flops: 648,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, padBegin: 1), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 0)]),
    // H: 10 - 1 + 1 = 10; W: 10 + 4 - 5 + 1 = 10; params 4·3·5 + 4 = 64; MACs 4·100·15 = 6,000; FLOPs 12,000 + 400 = 12,400.
    ConvCase(
        label: "non-square 1x5 kernel", input: [1, 3, 10, 10], kernel: [4, 3, 1, 5], bias: true,
        padding: .explicit(begin: [0, 2], end: [0, 2]),
        output: [1, 4, 10, 10], params: 64, macs: 6_000, flops: 12_400,
        field: [WindowAxis(axis: 2, kernel: 1, stride: 1, padBegin: 0), WindowAxis(axis: 3, kernel: 5, stride: 1, padBegin: 2)]),
    // 1x1: params 256·64 = 16,384; MACs 256·56·56·64 = 256·3,136·64 = 51,380,224; FLOPs 102,760,448.
    ConvCase(
        label: "1x1 conv, symbolic batch", input: ["N", 64, 56, 56], kernel: [256, 64, 1, 1], bias: false,
        output: ["N", 256, 56, 56], params: 16_384, macs: 51_380_224, flops: 102_760_448,
        field: [WindowAxis(axis: 2, kernel: 1, stride: 1, padBegin: 0), WindowAxis(axis: 3, kernel: 1, stride: 1, padBegin: 0)]),
]

@Suite("Conv")
struct ConvTests {
    @Test("shape, parameters, MACs, FLOPs and field step", arguments: convCases)
    func convCase(_ c: ConvCase) throws {
        let op = Conv(
            kernel: try OpTestKit.declared(c.kernel),
            bias: c.bias ? try OpTestKit.declared([c.kernel[0]]) : nil,
            stride: c.stride, dilation: c.dilation, padding: c.padding, groups: c.groups)
        let (output, cost, step) = try OpTestKit.evaluate(op, [c.input])
        #expect(output == c.output)
        let counts = OpTestKit.counts(op.weights)
        #expect(counts.trainable == c.params)
        #expect(counts.nonTrainable == 0 && counts.constant == 0)
        #expect(cost == Cost(macs: c.macs, flops: c.flops))
        #expect(step == .window(c.field))
    }

    @Test("weights are the kernel then the bias, both trainable")
    func weightOrder() throws {
        let op = Conv(kernel: try OpTestKit.declared([6, 1, 5, 5]), bias: try OpTestKit.declared([6]))
        #expect(op.weights.map(\.name) == ["kernel", "bias"])
        #expect(op.weights.map(\.role) == [.trainable, .trainable])
        #expect(op.weights.map(\.tensor.shape) == [[6, 1, 5, 5], [6]])
        let noBias = Conv(kernel: try OpTestKit.declared([6, 1, 5, 5]), bias: nil)
        #expect(noBias.weights.map(\.name) == ["kernel"])
    }

    @Test("the resolved pads appear in the attributes (ONNX order: begins, then ends)")
    func resolvedPadsInAttributes() throws {
        // same_upper, k 4 on 6 -> begin 1, end 2 on both axes: pads [1, 1, 2, 2].
        let op = Conv(kernel: try OpTestKit.declared([3, 2, 4, 4]), bias: nil, padding: .same(extra: .end))
        let attributes = op.attributes(inputs: [[1, 2, 6, 6]])
        #expect(attributes.first { $0.0 == "pads" }?.1 == .ints([1, 1, 2, 2]))
        #expect(attributes.first { $0.0 == "groups" }?.1 == .int(1))
    }

    /// The lecture's LeNet-5 (docs/REFERENCE.md): 61,706 parameters and 416,520 MACs in total.
    @Test("LeNet-5 through the analyzer matches the lecture's table")
    func lenet() throws {
        func conv(_ kernel: [Int]) throws -> Op {
            .conv(Conv(kernel: try OpTestKit.declared(kernel), bias: try OpTestKit.declared([kernel[0]])))
        }
        func dense(_ out: Int, _ inFeatures: Int) throws -> Op {
            .dense(Dense(weight: try OpTestKit.declared([out, inFeatures]), bias: try OpTestKit.declared([out])))
        }
        let pool = Op.maxPool(MaxPool(window: SpatialWindow(kernel: [2, 2], stride: [2, 2])))
        let graph = try Graph(
            inputs: [GraphInput(name: "input", shape: ["N", 1, 32, 32])],
            layers: [
                Layer("conv1", try conv([6, 1, 5, 5]), inputs: ["input"]),
                Layer("sig1", .sigmoid(Sigmoid()), inputs: ["conv1"]),
                Layer("pool1", pool, inputs: ["sig1"]),
                Layer("conv2", try conv([16, 6, 5, 5]), inputs: ["pool1"]),
                Layer("sig2", .sigmoid(Sigmoid()), inputs: ["conv2"]),
                Layer("pool2", pool, inputs: ["sig2"]),
                Layer("flatten", .flatten(Flatten(axis: 1)), inputs: ["pool2"]),
                Layer("fc1", try dense(120, 400), inputs: ["flatten"]),
                Layer("sig3", .sigmoid(Sigmoid()), inputs: ["fc1"]),
                Layer("fc2", try dense(84, 120), inputs: ["sig3"]),
                Layer("sig4", .sigmoid(Sigmoid()), inputs: ["fc2"]),
                Layer("fc3", try dense(10, 84), inputs: ["sig4"]),
            ],
            outputs: [GraphOutput(name: "fc3")])
        let report = try Analyzer.analyze(graph, model: "lenet5", format: "test")
        // (layer, output, parameters, MACs) from docs/REFERENCE.md's LeNet-5 table.
        let expected: [(String, Shape, Int, Int)] = [
            ("conv1", ["N", 6, 28, 28], 156, 117_600),
            ("pool1", ["N", 6, 14, 14], 0, 0),
            ("conv2", ["N", 16, 10, 10], 2_416, 240_000),
            ("pool2", ["N", 16, 5, 5], 0, 0),
            ("flatten", ["N", 400], 0, 0),
            ("fc1", ["N", 120], 48_120, 48_000),
            ("fc2", ["N", 84], 10_164, 10_080),
            ("fc3", ["N", 10], 850, 840),
        ]
        for (name, shape, params, macs) in expected {
            let layer = try #require(report.layer(name))
            #expect(layer.outputShape == shape, "\(name)")
            #expect(layer.params == Report.Parameters(trainable: params, nonTrainable: 0), "\(name)")
            #expect(layer.macs == macs, "\(name)")
        }
        // 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706; 117,600 + 240,000 + 48,000 + 10,080 + 840 = 416,520.
        #expect(report.totals.params.trainable == 61_706)
        #expect(report.totals.params.nonTrainable == 0)
        #expect(report.totals.macs == 416_520)
    }
}
