import Testing
import ZooCore

/// Receptive fields against hand computation (Araujo et al., Distill 2019):
///
///     r <- r + (k' - 1) j,   p <- p + p_b j,   j <- j s,   k' = d (k - 1) + 1
///
/// starting from r = 1, j = 1, p = 0 at the input.
@Suite("Receptive field")
struct ReceptiveFieldTests {
    private func conv(_ out: Int, _ cin: Int, _ kh: Int, _ kw: Int, stride: [Int]? = nil, dilation: [Int]? = nil,
                      padding: Padding = .valid, groups: Int = 1) throws -> Op {
        .conv(Conv(kernel: try OpTestKit.declared([out, cin / groups, kh, kw]), bias: try OpTestKit.declared([out]),
                   stride: stride, dilation: dilation, padding: padding, groups: groups))
    }

    private func maxPool(_ k: Int, _ s: Int, pad: Int = 0, ceil: Bool = false) -> Op {
        .maxPool(MaxPool(window: SpatialWindow(kernel: [k, k], stride: [s, s], padding: .symmetric(pad, axes: 2), ceilMode: ceil)))
    }

    private func analyze(_ input: GraphInput, _ layers: [Layer]) throws -> Report {
        let graph = try Graph(inputs: [input], layers: layers, outputs: [GraphOutput(name: layers.last!.name)])
        return try Analyzer.analyze(graph, model: "rf", format: "test")
    }

    private func field(_ report: Report, _ name: String) throws -> Report.Field {
        let layer = try #require(report.layer(name), "no layer \(name)")
        return try #require(layer.receptiveField, "no local field for \(name)")
    }

    @Test("AlexNet's published chain: fields 11 ... 195 and strides 4 ... 32")
    func alexNet() throws {
        // Krizhevsky's 227 input; sizes 55, 27, 27, 13, 13, 13, 13, 6.
        let layers = [
            Layer("conv1", try conv(96, 3, 11, 11, stride: [4, 4]), inputs: ["input"]),
            Layer("relu1", .relu(Relu()), inputs: ["conv1"]),
            Layer("lrn1", .lrn(LRN(size: 5, alpha: 5e-4, beta: 0.75, bias: 2)), inputs: ["relu1"]),
            Layer("pool1", maxPool(3, 2), inputs: ["lrn1"]),
            Layer("conv2", try conv(256, 96, 5, 5, padding: .symmetric(2, axes: 2), groups: 2), inputs: ["pool1"]),
            Layer("relu2", .relu(Relu()), inputs: ["conv2"]),
            Layer("pool2", maxPool(3, 2), inputs: ["relu2"]),
            Layer("conv3", try conv(384, 256, 3, 3, padding: .symmetric(1, axes: 2)), inputs: ["pool2"]),
            Layer("conv4", try conv(384, 384, 3, 3, padding: .symmetric(1, axes: 2), groups: 2), inputs: ["conv3"]),
            Layer("conv5", try conv(256, 384, 3, 3, padding: .symmetric(1, axes: 2), groups: 2), inputs: ["conv4"]),
            Layer("pool5", maxPool(3, 2), inputs: ["conv5"]),
            Layer("flatten", .flatten(Flatten()), inputs: ["pool5"]),
        ]
        let report = try analyze(GraphInput(name: "input", shape: ["N", 3, 227, 227]), layers)
        // (layer, size, stride, effective padding, spatial output) by hand:
        // conv1 r 11, j 4, p 0, (227 - 11) / 4 + 1 = 55;  pool1 r 11 + 2·4 = 19, j 8, 27;
        // conv2 r 19 + 4·8 = 51, p 0 + 2·8 = 16, 27;       pool2 r 51 + 2·8 = 67, j 16, 13;
        // conv3 r 67 + 2·16 = 99, p 16 + 16 = 32;          conv4 r 131, p 48;   conv5 r 163, p 64;
        // pool5 r 163 + 2·16 = 195, j 32, (13 - 3) / 2 + 1 = 6.
        let expected: [(String, Int, Int, Int, Int)] = [
            ("conv1", 11, 4, 0, 55), ("relu1", 11, 4, 0, 55), ("lrn1", 11, 4, 0, 55), ("pool1", 19, 8, 0, 27),
            ("conv2", 51, 8, 16, 27), ("pool2", 67, 16, 16, 13), ("conv3", 99, 16, 32, 13), ("conv4", 131, 16, 48, 13),
            ("conv5", 163, 16, 64, 13), ("pool5", 195, 32, 64, 6),
        ]
        for (name, size, stride, padding, spatial) in expected {
            let f = try field(report, name)
            #expect(f.size == [size, size], "\(name)")
            #expect(f.stride == [stride, stride], "\(name)")
            #expect(f.padding == [padding, padding], "\(name)")
            #expect(f.minSize == [size, size], "\(name)")
            #expect(f.aligned, "\(name)")
            #expect(report.layer(name)?.outputShape.dims.suffix(2) == [.fixed(spatial), .fixed(spatial)], "\(name)")
        }
        // flattening the spatial axes makes the field global.
        #expect(report.layer("flatten")?.receptiveField == nil)
        #expect(report.layer("flatten")?.fieldState == .global)
    }

    @Test("two branches 1x1 and 3x3 pad 1 merged by Add: size 3, min size 1, aligned")
    func alignedMerge() throws {
        // a: r 1, j 1, p 0, centre (1 - 1) - 0 = 0; b: r 3, j 1, p 1, centre (3 - 1) - 2 = 0.
        let report = try analyze(GraphInput(name: "x", shape: [1, 4, 8, 8]), [
            Layer("a", try conv(4, 4, 1, 1), inputs: ["x"]),
            Layer("b", try conv(4, 4, 3, 3, padding: .symmetric(1, axes: 2)), inputs: ["x"]),
            Layer("sum", .add(Add()), inputs: ["a", "b"]),
        ])
        let f = try field(report, "sum")
        #expect(f.size == [3, 3])
        #expect(f.minSize == [1, 1])
        #expect(f.stride == [1, 1])
        #expect(f.padding == [1, 1])
        #expect(f.aligned)
    }

    @Test("a concat of channels merges the same way")
    func concatMerge() throws {
        // 1x1, 3x3 pad 1, 5x5 pad 2: sizes 1, 3, 5, centres all 0 -> size 5, min 1, aligned.
        let report = try analyze(GraphInput(name: "x", shape: [1, 4, 8, 8]), [
            Layer("a", try conv(2, 4, 1, 1), inputs: ["x"]),
            Layer("b", try conv(3, 4, 3, 3, padding: .symmetric(1, axes: 2)), inputs: ["x"]),
            Layer("c", try conv(5, 4, 5, 5, padding: .symmetric(2, axes: 2)), inputs: ["x"]),
            Layer("cat", .concat(Concat(axis: 1)), inputs: ["a", "b", "c"]),
        ])
        let f = try field(report, "cat")
        #expect(report.layer("cat")?.outputShape == [1, 10, 8, 8])
        #expect(f.size == [5, 5] && f.minSize == [1, 1] && f.aligned)
    }

    @Test("branches with different strides are not aligned")
    func strideMismatch() throws {
        // a: k 2 s 2 on 8 -> 4, j 2; b: k 5 s 1 on 8 -> 4, j 1. Largest r: a 2 vs b 5 -> 5; min 2.
        let report = try analyze(GraphInput(name: "x", shape: [1, 1, 8, 8]), [
            Layer("a", try conv(1, 1, 2, 2, stride: [2, 2]), inputs: ["x"]),
            Layer("b", try conv(1, 1, 5, 5), inputs: ["x"]),
            Layer("sum", .add(Add()), inputs: ["a", "b"]),
        ])
        #expect(report.layer("sum")?.outputShape == [1, 1, 4, 4])
        let f = try field(report, "sum")
        #expect(f.size == [5, 5])
        #expect(f.minSize == [2, 2])
        #expect(!f.aligned)
    }

    @Test("branches with different offsets are not aligned", arguments: [
        // same k 3, pads (2, 0) vs (1, 1): centres (3 - 1) - 4 = -2 vs 0.
        (Padding.explicit(begin: [2, 2], end: [0, 0]), Padding.symmetric(1, axes: 2), 3),
        // same k 2 on 8: SAME_UPPER begin 0 (centre 1) vs SAME_LOWER begin 1 (centre -1).
        (.same(extra: .end), .same(extra: .beginning), 2),
    ])
    func offsetMismatch(left: Padding, right: Padding, kernel: Int) throws {
        let report = try analyze(GraphInput(name: "x", shape: [1, 1, 8, 8]), [
            Layer("a", try conv(1, 1, kernel, kernel, padding: left), inputs: ["x"]),
            Layer("b", try conv(1, 1, kernel, kernel, padding: right), inputs: ["x"]),
            Layer("sum", .add(Add()), inputs: ["a", "b"]),
        ])
        let f = try field(report, "sum")
        #expect(f.size == [kernel, kernel] && f.minSize == [kernel, kernel])
        #expect(!f.aligned)
        // the misalignment is remembered downstream.
        let relu = try analyze(GraphInput(name: "x", shape: [1, 1, 8, 8]), [
            Layer("a", try conv(1, 1, kernel, kernel, padding: left), inputs: ["x"]),
            Layer("b", try conv(1, 1, kernel, kernel, padding: right), inputs: ["x"]),
            Layer("sum", .add(Add()), inputs: ["a", "b"]),
            Layer("after", try conv(1, 1, 3, 3, padding: .symmetric(1, axes: 2)), inputs: ["sum"]),
        ])
        #expect(try field(relu, "after").aligned == false)
    }

    @Test("global pools, flatten of spatial axes and dense make the field global")
    func globalFields() throws {
        let report = try analyze(GraphInput(name: "x", shape: ["N", 4, 8, 8]), [
            Layer("c", try conv(8, 4, 3, 3), inputs: ["x"]),
            Layer("gap", .globalAveragePool(GlobalAveragePool()), inputs: ["c"]),
            Layer("flat", .flatten(Flatten()), inputs: ["gap"]),
            Layer("fc", .dense(Dense(weight: try OpTestKit.declared([2, 8]), bias: nil)), inputs: ["flat"]),
        ])
        #expect(try field(report, "c").size == [3, 3])
        for name in ["gap", "flat", "fc"] {
            #expect(report.layer(name)?.receptiveField == nil, "\(name)")
            #expect(report.layer(name)?.fieldState == .global, "\(name)")
        }
        let maxReport = try analyze(GraphInput(name: "x", shape: ["N", 4, 8, 8]), [
            Layer("gmp", .globalMaxPool(GlobalMaxPool()), inputs: ["x"]),
        ])
        #expect(maxReport.layer("gmp")?.fieldState == .global)
        // flatten of a spatial tensor (no global pool before it).
        let flat = try analyze(GraphInput(name: "x", shape: ["N", 4, 8, 8]), [
            Layer("c", try conv(8, 4, 3, 3), inputs: ["x"]),
            Layer("flat", .flatten(Flatten()), inputs: ["c"]),
        ])
        #expect(flat.layer("flat")?.fieldState == .global)
        // dense over the last axis of NCHW mixes the width.
        let dense = try analyze(GraphInput(name: "x", shape: ["N", 4, 8, 8]), [
            Layer("fc", .dense(Dense(weight: try OpTestKit.declared([3, 8]), bias: nil)), inputs: ["x"]),
        ])
        #expect(dense.layer("fc")?.fieldState == .global)
    }

    @Test("softmax over channels and element-wise ops pass the field through; over a spatial axis it is global")
    func passThrough() throws {
        let report = try analyze(GraphInput(name: "x", shape: ["N", 4, 8, 8]), [
            Layer("c", try conv(4, 4, 3, 3, stride: [2, 2], padding: .symmetric(1, axes: 2)), inputs: ["x"]),
            Layer("bn", .batchNorm(BatchNorm(gamma: nil, beta: nil, mean: try OpTestKit.declared([4]), variance: try OpTestKit.declared([4]))), inputs: ["c"]),
            Layer("act", .clip(Clip.relu6), inputs: ["bn"]),
            Layer("scaled", .mul(Mul(constant: ConstantOperand(try OpTestKit.declared([4, 1, 1])))), inputs: ["act"]),
            Layer("drop", .dropout(Dropout()), inputs: ["scaled"]),
            Layer("sm", .softmax(Softmax(axis: 1)), inputs: ["drop"]),
            Layer("smw", .softmax(Softmax(axis: -1)), inputs: ["sm"]),
        ])
        // conv: r 3, j 2, p 1.
        for name in ["c", "bn", "act", "scaled", "drop", "sm"] {
            let f = try field(report, name)
            #expect(f.size == [3, 3] && f.stride == [2, 2] && f.padding == [1, 1], "\(name)")
        }
        #expect(report.layer("smw")?.fieldState == .global)
    }

    @Test("a reshape that keeps the spatial axes keeps their fields")
    func reshapeKeepsSpatial() throws {
        let report = try analyze(GraphInput(name: "x", shape: ["N", 8, 6, 6]), [
            Layer("c", try conv(8, 8, 3, 3), inputs: ["x"]),
            Layer("split", .reshape(Reshape(target: [0, 2, 4, 4, 4])), inputs: ["c"]),
        ])
        // conv: 6 - 3 + 1 = 4; the field moves from axes 2, 3 to axes 3, 4.
        #expect(report.layer("split")?.outputShape == ["N", 2, 4, 4, 4])
        guard case .local(let fields)? = report.layer("split")?.fieldState else {
            Issue.record("expected a local field")
            return
        }
        #expect(Set(fields.keys) == [3, 4])
        #expect(fields[3]?.size == 3 && fields[4]?.size == 3)
    }

    @Test("an NHWC input transposed to NCHW keeps each field on its own axis")
    func nhwcTranspose() throws {
        // NHWC [1, 8, 6, 3] (H 8, W 6) -> NCHW [1, 3, 8, 6]; conv kh 3, kw 1, stride (2, 1), pads H (1, 1):
        // H (8 + 2 - 3) / 2 + 1 = 4: r 3, j 2, p 1; W 6: r 1, j 1, p 0.
        let report = try analyze(GraphInput(name: "x", shape: [1, 8, 6, 3], layout: .nhwc), [
            Layer("t", .transpose(.nhwcToNchw), inputs: ["x"]),
            Layer("c", try conv(4, 3, 3, 1, stride: [2, 1], padding: .explicit(begin: [1, 0], end: [1, 0])), inputs: ["t"]),
        ])
        guard case .local(let before)? = report.layer("t")?.fieldState else {
            Issue.record("expected a local field after the transpose")
            return
        }
        #expect(Set(before.keys) == [2, 3])
        #expect(report.layer("c")?.outputShape == [1, 4, 4, 6])
        let f = try field(report, "c")
        #expect(f.size == [3, 1])
        #expect(f.stride == [2, 1])
        #expect(f.padding == [1, 0])
        // transposing back to NHWC puts the fields on axes 1 and 2.
        let back = try analyze(GraphInput(name: "x", shape: [1, 8, 6, 3], layout: .nhwc), [
            Layer("t", .transpose(.nhwcToNchw), inputs: ["x"]),
            Layer("c", try conv(4, 3, 3, 1, stride: [2, 1], padding: .explicit(begin: [1, 0], end: [1, 0])), inputs: ["t"]),
            Layer("u", .transpose(.nchwToNhwc), inputs: ["c"]),
        ])
        guard case .local(let after)? = back.layer("u")?.fieldState else {
            Issue.record("expected a local field")
            return
        }
        #expect(Set(after.keys) == [1, 2])
        #expect(after[1]?.size == 3 && after[1]?.stride == 2 && after[2]?.size == 1)
    }

    @Test("Pad shifts the effective padding by p_begin x j")
    func padShiftsPadding() throws {
        // x 8x8; pad H (2, 1), W (1, 0) -> 11x9: p (2, 1), r 1, j 1.
        // c1 3x3 valid -> 9x7: r 3, p (2, 1).
        // c2 3x3 s 2 pad 1 -> (9 + 2 - 3) / 2 + 1 = 5, (7 + 2 - 3) / 2 + 1 = 4: r 3 + 2·1 = 5, j 2, p (2 + 1, 1 + 1) = (3, 2).
        // pad2 H (1, 1) only -> 7x4: p (3 + 1·2, 2) = (5, 2).
        // c3 3x3 valid -> 5x2: r 5 + 2·2 = 9, j 2, p (5, 2).
        let report = try analyze(GraphInput(name: "x", shape: [1, 1, 8, 8]), [
            Layer("pad", .pad(Pad(pads: [0, 0, 2, 1, 0, 0, 1, 0], mode: .reflect)), inputs: ["x"]),
            Layer("c1", try conv(1, 1, 3, 3), inputs: ["pad"]),
            Layer("c2", try conv(1, 1, 3, 3, stride: [2, 2], padding: .symmetric(1, axes: 2)), inputs: ["c1"]),
            Layer("pad2", .pad(Pad(pads: [0, 0, 1, 0, 0, 0, 1, 0])), inputs: ["c2"]),
            Layer("c3", try conv(1, 1, 3, 3), inputs: ["pad2"]),
        ])
        let expected: [(String, Shape, [Int], [Int], [Int])] = [
            ("pad", [1, 1, 11, 9], [1, 1], [1, 1], [2, 1]),
            ("c1", [1, 1, 9, 7], [3, 3], [1, 1], [2, 1]),
            ("c2", [1, 1, 5, 4], [5, 5], [2, 2], [3, 2]),
            ("pad2", [1, 1, 7, 4], [5, 5], [2, 2], [5, 2]),
            ("c3", [1, 1, 5, 2], [9, 9], [2, 2], [5, 2]),
        ]
        for (name, shape, size, stride, padding) in expected {
            #expect(report.layer(name)?.outputShape == shape, "\(name)")
            let f = try field(report, name)
            #expect(f.size == size, "\(name)")
            #expect(f.stride == stride, "\(name)")
            #expect(f.padding == padding, "\(name)")
        }
    }

    /// A Pad on an NHWC tensor (a TensorFlow export pads before its transpose) must shift the
    /// field of the axes it pads, which are the fields' axes (1 and 2), not positions 2 and 3.
    @Test("Pad on an NHWC tensor shifts the H and W fields and adds none on channels")
    func padOnNHWC() throws {
        // NHWC [1, 8, 6, 3]: pad H by (2, 2) and C by (0, 1) -> [1, 12, 6, 4]; transpose -> [1, 4, 12, 6];
        // conv 3x3 valid -> [1, 2, 10, 4]: H r 3, p 2; W r 3, p 0; and no field on channels.
        let report = try analyze(GraphInput(name: "x", shape: [1, 8, 6, 3], layout: .nhwc), [
            Layer("pad", .pad(Pad(pads: [0, 2, 0, 0, 0, 2, 0, 1])), inputs: ["x"]),
            Layer("t", .transpose(.nhwcToNchw), inputs: ["pad"]),
            Layer("c", try conv(2, 4, 3, 3), inputs: ["t"]),
        ])
        #expect(report.layer("c")?.outputShape == [1, 2, 10, 4])
        guard case .local(let padded)? = report.layer("pad")?.fieldState else {
            Issue.record("expected a local field after the pad")
            return
        }
        #expect(Set(padded.keys) == [1, 2], "fields of the padded NHWC tensor sit on H and W (axes 1, 2)")
        #expect(padded[1]?.padding == 2 && padded[2]?.padding == 0)
        let f = try field(report, "c")
        #expect(f.size == [3, 3])
        #expect(f.padding == [2, 0])
    }

    @Test("dilation enters the field as k' = d (k - 1) + 1")
    func dilation() throws {
        // c1 3x3 d 2: k' 5, r 5; c2 3x3 d 4 pad 4: k' 9, r 5 + 8 = 13; p 4.
        let report = try analyze(GraphInput(name: "x", shape: [1, 1, 16, 16]), [
            Layer("c1", try conv(1, 1, 3, 3, dilation: [2, 2]), inputs: ["x"]),
            Layer("c2", try conv(1, 1, 3, 3, dilation: [4, 4], padding: .symmetric(4, axes: 2)), inputs: ["c1"]),
        ])
        #expect(try field(report, "c1").size == [5, 5])
        let f = try field(report, "c2")
        #expect(f.size == [13, 13] && f.padding == [4, 4] && f.stride == [1, 1])
    }

    @Test("same padding is resolved against the actual input size")
    func samePaddingResolved() throws {
        // 3x3 s 2 same_upper on 8: total (4 - 1)·2 + 3 - 8 = 1 -> p_b 0; on 7: total 3·2 + 3 - 7 = 2 -> p_b 1.
        for (size, padding) in [(8, 0), (7, 1)] {
            let report = try analyze(GraphInput(name: "x", shape: [1, 1, .fixed(size), .fixed(size)]), [
                Layer("c", try conv(1, 1, 3, 3, stride: [2, 2], padding: .same(extra: .end)), inputs: ["x"]),
            ])
            let f = try field(report, "c")
            #expect(f.size == [3, 3] && f.stride == [2, 2] && f.padding == [padding, padding], "input \(size)")
        }
    }

    @Test("AxisField arithmetic by hand")
    func axisFieldArithmetic() throws {
        // from r 3, j 2, p 1 through k 3, d 2 (k' 5), s 2, p_b 2: r 3 + 4·2 = 11, j 4, p 1 + 2·2 = 5.
        let start = AxisField(size: 3, stride: 2, padding: 1)
        let next = try start.applying(WindowAxis(axis: 2, kernel: 3, stride: 2, dilation: 2, padBegin: 2))
        #expect(next == AxisField(size: 11, stride: 4, padding: 5, minSize: 11, aligned: true))
        // merging r 1 (centre 0), r 3 p 1 (centre 0) and r 5 p 2 (centre 0): size 5, min 1, aligned.
        let merged = AxisField.merging([
            AxisField(size: 1, stride: 1, padding: 0), AxisField(size: 3, stride: 1, padding: 1), AxisField(size: 5, stride: 1, padding: 2),
        ])
        #expect(merged.size == 5 && merged.minSize == 1 && merged.aligned)
        // r 3 p 0 has centre 2: not aligned with r 3 p 1.
        #expect(!AxisField.merging([AxisField(size: 3, stride: 1, padding: 0), AxisField(size: 3, stride: 1, padding: 1)]).aligned)
    }
}
