import Foundation
import Testing
import ZooCore

// Every figure docs/REFERENCE.md publishes for the zoo's networks, checked through
// `Zoo.model(named:).analyze()`. Expected values come from docs/REFERENCE.md (itself from the papers,
// the lecture, torchvision's `num_params` / "GFLOPS" columns and Keras's applications table) or
// from a hand computation written beside them; none is read off the analyzer.

private func zooReport(_ name: String) throws -> Report {
    try Zoo.model(named: name).analyze()
}

/// The layer `name` of `report`, failing the test when it is missing.
private func zooLayer(_ report: Report, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Report.LayerReport {
    try #require(report.layer(name), "\(report.model) has no layer '\(name)'", sourceLocation: sourceLocation)
}

/// Sum of trainable params, non-trainable params and MACs over the layers whose names start
/// with `prefix`, and the output shape of the last of them.
private func zooStage(_ report: Report, _ prefix: String) -> (trainable: Int, nonTrainable: Int, macs: Int, output: Shape?, count: Int) {
    let layers = report.layers.filter { $0.name.hasPrefix(prefix) }
    return (
        layers.reduce(0) { $0 + $1.params.trainable }, layers.reduce(0) { $0 + $1.params.nonTrainable },
        layers.reduce(0) { $0 + $1.macs }, layers.last?.outputShape, layers.count
    )
}

/// One row of a per-layer reference table: output shape with the batch `N`, trainable
/// parameters, MACs.
private struct ZooLayerRow: Sendable {
    let name: String
    let shape: Shape
    let params: Int
    let macs: Int
}

private func expectRows(_ report: Report, _ rows: [ZooLayerRow], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for row in rows {
        let layer = try zooLayer(report, row.name, sourceLocation: sourceLocation)
        #expect(layer.outputShape == row.shape, "\(report.model) \(row.name) shape", sourceLocation: sourceLocation)
        #expect(layer.params.trainable == row.params, "\(report.model) \(row.name) params", sourceLocation: sourceLocation)
        #expect(layer.params.nonTrainable == 0, "\(report.model) \(row.name) non-trainable", sourceLocation: sourceLocation)
        #expect(layer.macs == row.macs, "\(report.model) \(row.name) MACs", sourceLocation: sourceLocation)
    }
}

/// The AlexNet receptive-field table (docs/REFERENCE.md; the lecture gives conv2 51x51 and conv3
/// 99x99). Sizes and strides are the published ones; the effective paddings are computed by
/// hand from p <- p + p_begin j with each spec's own begin paddings (see the tests).
private let alexNetFieldSizes = [11, 19, 51, 67, 99, 131, 163, 195]
private let alexNetFieldStrides = [4, 8, 8, 16, 16, 16, 16, 32]

private func expectAlexNetFields(_ report: Report, names: [String], paddings: [Int], sourceLocation: SourceLocation = #_sourceLocation) throws {
    for (index, name) in names.enumerated() {
        let layer = try zooLayer(report, name, sourceLocation: sourceLocation)
        let field = try #require(layer.receptiveField, "\(report.model) \(name) has a local field", sourceLocation: sourceLocation)
        let size = alexNetFieldSizes[index], stride = alexNetFieldStrides[index], padding = paddings[index]
        #expect(field.size == [size, size], "\(report.model) \(name) size", sourceLocation: sourceLocation)
        #expect(field.stride == [stride, stride], "\(report.model) \(name) stride", sourceLocation: sourceLocation)
        #expect(field.padding == [padding, padding], "\(report.model) \(name) padding", sourceLocation: sourceLocation)
        // A plain chain: no merge, so the smallest field is the field and it is aligned.
        #expect(field.minSize == [size, size], sourceLocation: sourceLocation)
        #expect(field.aligned, sourceLocation: sourceLocation)
    }
}

@Suite("Zoo reference numbers (docs/REFERENCE.md)")
struct ZooReferenceTests {
    // MARK: - LeNet-5

    /// docs/REFERENCE.md's LeNet-5 table (the lecture: (5x5x1 + 1) x 6 = 156, (5x5x6 + 1) x 16 = 2,416,
    /// (400 + 1) x 120 = 48,120, (120 + 1) x 84 = 10,164, (84 + 1) x 10 = 850).
    @Test func leNet5PerLayerAndTotals() throws {
        let report = try zooReport("lenet5")
        try expectRows(
            report,
            [
                // 32 - 5 + 1 = 28; MACs 6 x 28 x 28 x 25 = 117,600
                ZooLayerRow(name: "conv1", shape: ["N", 6, 28, 28], params: 156, macs: 117_600),
                ZooLayerRow(name: "pool1", shape: ["N", 6, 14, 14], params: 0, macs: 0),
                // 14 - 5 + 1 = 10; MACs 16 x 10 x 10 x 150 = 240,000
                ZooLayerRow(name: "conv2", shape: ["N", 16, 10, 10], params: 2_416, macs: 240_000),
                ZooLayerRow(name: "pool2", shape: ["N", 16, 5, 5], params: 0, macs: 0),
                ZooLayerRow(name: "flatten", shape: ["N", 400], params: 0, macs: 0),
                ZooLayerRow(name: "fc1", shape: ["N", 120], params: 48_120, macs: 48_000),
                ZooLayerRow(name: "fc2", shape: ["N", 84], params: 10_164, macs: 10_080),
                ZooLayerRow(name: "fc3", shape: ["N", 10], params: 850, macs: 840),
            ])
        // The sigmoids are layers of their own (`activation: sigmoid` -> `<layer>/sigmoid`).
        for name in ["conv1/sigmoid", "conv2/sigmoid", "fc1/sigmoid", "fc2/sigmoid"] {
            let layer = try zooLayer(report, name)
            #expect(layer.op == "sigmoid")
            #expect(layer.params.total == 0 && layer.macs == 0)
        }
        #expect(report.totals.params.trainable == 61_706)
        #expect(report.totals.params.nonTrainable == 0)
        #expect(report.totals.macs == 416_520)
        #expect(report.outputs.map(\.shape) == [["N", 10]])
    }

    // MARK: - AlexNet

    @Test func alexNetTorchvisionTotals() throws {
        let report = try zooReport("alexnet")
        #expect(report.totals.params.trainable == 61_100_840)
        #expect(report.totals.params.nonTrainable == 0)
        #expect(report.totals.macs == 714_188_480)
        // (224 + 4 - 11) / 4 + 1 = 55; pools (55 - 3) / 2 + 1 = 27, (27 - 3) / 2 + 1 = 13, 6.
        #expect(try zooLayer(report, "features.0").outputShape == ["N", 64, 55, 55])
        #expect(try zooLayer(report, "features.2").outputShape == ["N", 64, 27, 27])
        #expect(try zooLayer(report, "features.5").outputShape == ["N", 192, 13, 13])
        #expect(try zooLayer(report, "features.12").outputShape == ["N", 256, 6, 6])
        #expect(try zooLayer(report, "flatten").outputShape == ["N", 9216])
        #expect(try zooLayer(report, "classifier.6").outputShape == ["N", 1000])
    }

    @Test func alexNet2012Totals() throws {
        let report = try zooReport("alexnet2012")
        #expect(report.totals.params.trainable == 60_965_224)
        #expect(report.totals.params.nonTrainable == 0)
        #expect(report.totals.macs == 724_406_816)
        // (227 - 11) / 4 + 1 = 55, then 27, 13, 6 as in torchvision.
        #expect(try zooLayer(report, "conv1").outputShape == ["N", 96, 55, 55])
        #expect(try zooLayer(report, "pool5").outputShape == ["N", 256, 6, 6])
        #expect(try zooLayer(report, "fc8").outputShape == ["N", 1000])
    }

    /// torchvision's paddings are conv1 2, conv2 2, conv3-5 1, pools 0:
    /// conv1 p = 2; pool1 2; conv2 2 + 2 x 8 = 18; pool2 18; conv3 18 + 1 x 16 = 34;
    /// conv4 50; conv5 66; pool5 66.
    @Test func alexNetTorchvisionReceptiveFields() throws {
        let report = try zooReport("alexnet")
        try expectAlexNetFields(
            report,
            names: ["features.0", "features.2", "features.3", "features.5", "features.6", "features.8", "features.10", "features.12"],
            paddings: [2, 2, 18, 18, 34, 50, 66, 66])
        // The ReLUs pass the field through: features.1 sees what features.0 sees.
        #expect(try zooLayer(report, "features.1").receptiveField?.size == [11, 11])
    }

    /// Krizhevsky 2012 (Caffe) paddings are conv1 0, conv2 2, conv3-5 1, pools 0:
    /// conv1 p = 0; pool1 0; conv2 0 + 2 x 8 = 16; pool2 16; conv3 16 + 16 = 32; conv4 48;
    /// conv5 64; pool5 64.
    @Test func alexNet2012ReceptiveFields() throws {
        let report = try zooReport("alexnet2012")
        try expectAlexNetFields(
            report, names: ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5"],
            paddings: [0, 0, 16, 16, 32, 48, 64, 64])
        // LRN and ReLU pass the field through.
        #expect(try zooLayer(report, "norm2").receptiveField?.size == [51, 51])
    }

    // MARK: - VGG-16

    @Test func vgg16TotalsAndKerasSummary() throws {
        let report = try zooReport("vgg16")
        #expect(report.totals.params.trainable == 138_357_544)
        #expect(report.totals.params.nonTrainable == 0)
        #expect(report.totals.macs == 15_470_264_320)
        // docs/REFERENCE.md's Keras summary, in the IR's NCHW: (3 x 3 x C + 1) x F per conv.
        let convs: [(String, Int, Int, Int)] = [
            ("block1_conv1", 64, 224, 1_792), ("block1_conv2", 64, 224, 36_928),
            ("block2_conv1", 128, 112, 73_856), ("block2_conv2", 128, 112, 147_584),
            ("block3_conv1", 256, 56, 295_168), ("block3_conv2", 256, 56, 590_080), ("block3_conv3", 256, 56, 590_080),
            ("block4_conv1", 512, 28, 1_180_160), ("block4_conv2", 512, 28, 2_359_808), ("block4_conv3", 512, 28, 2_359_808),
            ("block5_conv1", 512, 14, 2_359_808), ("block5_conv2", 512, 14, 2_359_808), ("block5_conv3", 512, 14, 2_359_808),
        ]
        for (name, channels, size, params) in convs {
            let layer = try zooLayer(report, name)
            #expect(layer.outputShape == Shape([.symbol("N"), .fixed(channels), .fixed(size), .fixed(size)]), "\(name)")
            #expect(layer.params.trainable == params, "\(name)")
            #expect(try zooLayer(report, name + "/relu").outputShape == layer.outputShape, "\(name)/relu")
        }
        let pools: [(String, Int, Int)] = [
            ("block1_pool", 64, 112), ("block2_pool", 128, 56), ("block3_pool", 256, 28), ("block4_pool", 512, 14), ("block5_pool", 512, 7),
        ]
        for (name, channels, size) in pools {
            let layer = try zooLayer(report, name)
            #expect(layer.outputShape == Shape([.symbol("N"), .fixed(channels), .fixed(size), .fixed(size)]), "\(name)")
            #expect(layer.params.total == 0 && layer.macs == 0, "\(name)")
        }
        try expectRows(
            report,
            [
                // The lecture's table omits block5_pool: fc1 takes 7 x 7 x 512 = 25,088 inputs.
                ZooLayerRow(name: "flatten", shape: ["N", 25_088], params: 0, macs: 0),
                // (25,088 + 1) x 4,096; MACs 25,088 x 4,096 = 102,760,448
                ZooLayerRow(name: "fc1", shape: ["N", 4096], params: 102_764_544, macs: 102_760_448),
                // (4,096 + 1) x 4,096; MACs 16,777,216
                ZooLayerRow(name: "fc2", shape: ["N", 4096], params: 16_781_312, macs: 16_777_216),
                // (4,096 + 1) x 1,000; MACs 4,096,000
                ZooLayerRow(name: "predictions", shape: ["N", 1000], params: 4_097_000, macs: 4_096_000),
            ])
        #expect(try zooLayer(report, "predictions/softmax").op == "softmax")
    }

    // MARK: - GoogLeNet

    /// Non-trainable: BN running mean and variance, 2 per channel of every BasicConv2d.
    /// Channels: conv1 64 + conv2 64 + conv3 192 = 320; each inception's c1 + c3r + c3 + c5r + c5 + pool:
    /// 3a 368, 3b 640, 4a 624, 4b 648, 4c 664, 4d 704, 4e 1,024, 5a 1,024, 5b 1,264 = 6,960;
    /// 7,280 channels -> 14,560.
    @Test func googLeNetTotals() throws {
        let report = try zooReport("googlenet")
        #expect(report.totals.params.trainable == 6_624_904)
        #expect(report.totals.params.nonTrainable == 14_560)
        #expect(report.totals.macs == 1_498_376_192)
        // 224 -> conv1 112 -> maxpool1 56 -> maxpool2 28 -> maxpool3 14 -> maxpool4 7 (ceil mode).
        #expect(try zooLayer(report, "inception3a.concat").outputShape == ["N", 256, 28, 28])
        #expect(try zooLayer(report, "inception4e.concat").outputShape == ["N", 832, 14, 14])
        #expect(try zooLayer(report, "inception5b.concat").outputShape == ["N", 1024, 7, 7])
        #expect(try zooLayer(report, "fc").outputShape == ["N", 1000])
    }

    // MARK: - ResNet

    @Test func resNet18Totals() throws {
        let report = try zooReport("resnet18")
        #expect(report.totals.params.trainable == 11_689_512)
        // BN channels: bn1 64 + layer1 4 x 64 + layer2 5 x 128 + layer3 5 x 256 + layer4 5 x 512
        // = 4,800; 2 running statistics each = 9,600 (docs/DESIGN.md section 4).
        #expect(report.totals.params.nonTrainable == 9_600)
        #expect(report.totals.params.total == 11_699_112)
        #expect(report.totals.macs == 1_814_073_344)
    }

    /// docs/REFERENCE.md's ResNet-18 per-stage table. Its stage parameters are the trainable ones
    /// (torchvision's num_params: conv weights + BN gamma and beta; the running statistics are
    /// buffers): layer1 = 4 x 3 x 3 x 64 x 64 (147,456) + 4 BN x 128 (512) = 147,968.
    @Test func resNet18PerStage() throws {
        let report = try zooReport("resnet18")
        let conv1 = try zooLayer(report, "conv1")
        #expect(conv1.outputShape == ["N", 64, 112, 112])
        #expect(conv1.params.trainable == 9_408)
        #expect(conv1.macs == 118_013_952)
        let bn1 = try zooLayer(report, "bn1")
        #expect(bn1.params.trainable == 128)
        #expect(bn1.params.nonTrainable == 128)
        let maxpool = try zooLayer(report, "maxpool")
        #expect(maxpool.outputShape == ["N", 64, 56, 56])
        #expect(maxpool.params.total == 0 && maxpool.macs == 0)

        // (prefix, output, trainable, non-trainable = 2 x BN channels, MACs)
        let stages: [(String, Shape, Int, Int, Int)] = [
            ("layer1.", ["N", 64, 56, 56], 147_968, 4 * 64 * 2, 462_422_016),
            ("layer2.", ["N", 128, 28, 28], 525_568, 5 * 128 * 2, 411_041_792),
            ("layer3.", ["N", 256, 14, 14], 2_099_712, 5 * 256 * 2, 411_041_792),
            ("layer4.", ["N", 512, 7, 7], 8_393_728, 5 * 512 * 2, 411_041_792),
        ]
        for (prefix, shape, trainable, nonTrainable, macs) in stages {
            let stage = zooStage(report, prefix)
            #expect(stage.count > 0, "\(prefix)")
            #expect(stage.output == shape, "\(prefix) output")
            #expect(stage.trainable == trainable, "\(prefix) trainable")
            #expect(stage.nonTrainable == nonTrainable, "\(prefix) non-trainable")
            #expect(stage.macs == macs, "\(prefix) MACs")
        }
        let fc = try zooLayer(report, "fc")
        #expect(fc.outputShape == ["N", 1000])
        #expect(fc.params.trainable == 513_000)
        #expect(fc.macs == 512_000)
    }

    @Test func resNet50Totals() throws {
        let report = try zooReport("resnet50")
        #expect(report.totals.params.trainable == 25_557_032)
        #expect(report.totals.macs == 4_089_184_256)
        // BN channels: bn1 64; layer1 3 x (64 + 64 + 256) + 256 = 1,408; layer2 4 x (128 + 128 + 512)
        // + 512 = 3,584; layer3 6 x (256 + 256 + 1,024) + 1,024 = 10,240; layer4 3 x (512 + 512 +
        // 2,048) + 2,048 = 11,264; 26,560 channels x 2 = 53,120 (also Keras's ResNet50 summary).
        #expect(report.totals.params.nonTrainable == 53_120)
        // torchvision names: the unnamed repetitions of a stage are numbered from 1.
        for name in ["layer1.0.downsample.0", "layer1.2.conv3", "layer3.5.conv3", "layer4.2.bn3"] {
            #expect(report.layer(name) != nil, "resnet50 has no layer '\(name)'")
        }
        #expect(try zooLayer(report, "layer4.0.conv2").outputShape == ["N", 512, 7, 7])  // v1.5: stride on the 3x3
        #expect(try zooLayer(report, "layer4.0.conv1").outputShape == ["N", 512, 14, 14])
    }

    // MARK: - MobileNets

    @Test func mobileNetV2Totals() throws {
        let report = try zooReport("mobilenetv2")
        #expect(report.totals.params.trainable == 3_504_872)
        #expect(report.totals.params.nonTrainable == 34_112)
        #expect(report.totals.params.total == 3_538_984)
        #expect(report.totals.macs == 300_774_272)
    }

    /// Keras's applications table: 4,253,864 parameters in total. Hand split: BN channels
    /// conv1 32; dw/pw 1: 32 + 64; 2: 64 + 128; 3: 128 + 128; 4: 128 + 256; 5: 256 + 256;
    /// 6: 256 + 512; 7-11: 5 x 1,024; 12: 512 + 1,024; 13: 1,024 + 1,024 = 10,944 channels,
    /// non-trainable 2 x 10,944 = 21,888, trainable 4,253,864 - 21,888 = 4,231,976 (Keras's
    /// summary prints the same split).
    ///
    /// MACs by hand (output H = W: 112 for conv1 and block 1, 56 for 2-3, 28 for 4-5, 14 for 6-11,
    /// 7 for 12-13): conv1 112^2 x 32 x 27 = 10,838,016; each depthwise H^2 x C x 9, each pointwise
    /// H^2 x C x F; conv_preds 1,024,000. Sum 568,740,352 (the paper's "569 million mult-adds").
    @Test func mobileNetTotals() throws {
        let report = try zooReport("mobilenet")
        #expect(report.totals.params.total == 4_253_864)
        #expect(report.totals.params.nonTrainable == 21_888)
        #expect(report.totals.params.trainable == 4_231_976)
        #expect(report.totals.macs == 568_740_352)
        #expect(try zooLayer(report, "conv1").outputShape == ["N", 32, 112, 112])
        #expect(try zooLayer(report, "conv_dw_2").outputShape == ["N", 64, 56, 56])
        #expect(try zooLayer(report, "conv_pw_13").outputShape == ["N", 1024, 7, 7])
        #expect(try zooLayer(report, "predictions").outputShape == ["N", 1000])
    }

    // MARK: - The report JSON (docs/DESIGN.md section 4)

    @Test func resNet18JSONMatchesDesignExample() throws {
        let report = try zooReport("resnet18")
        let json = ReportRenderer.json(report)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(root["model"] as? String == "resnet18")
        #expect(root["format"] as? String == "zoo-spec")
        #expect(root["layout"] as? String == "NCHW")

        let inputs = try #require(root["inputs"] as? [[String: Any]])
        #expect(inputs.count == 1)
        #expect(inputs.first?["name"] as? String == "input")
        #expect((inputs.first?["shape"] as? [Any]).map(shapeText) == "N,3,224,224")
        #expect(inputs.first?["source_layout"] as? String == "NCHW")
        let outputs = try #require(root["outputs"] as? [[String: Any]])
        #expect(outputs.count == 1)
        #expect(outputs.first?["name"] as? String == "fc")
        #expect((outputs.first?["shape"] as? [Any]).map(shapeText) == "N,1000")
        #expect(outputs.first?["source_layout"] as? String == "NC")

        let layers = try #require(root["layers"] as? [[String: Any]])
        let conv1 = try #require(layers.first { $0["name"] as? String == "conv1" })
        #expect(conv1["op"] as? String == "conv")
        #expect(conv1["inputs"] as? [String] == ["input"])
        #expect((conv1["output_shape"] as? [Any]).map(shapeText) == "N,64,112,112")
        let attributes = try #require(conv1["attributes"] as? [String: Any])
        #expect(attributes["kernel"] as? [Int] == [7, 7])
        #expect(attributes["stride"] as? [Int] == [2, 2])
        #expect(attributes["pads"] as? [Int] == [3, 3, 3, 3])
        #expect(attributes["groups"] as? Int == 1)
        let params = try #require(conv1["params"] as? [String: Any])
        #expect(params["trainable"] as? Int == 9_408)
        #expect(params["non_trainable"] as? Int == 0)
        #expect(conv1["macs"] as? Int == 118_013_952)
        #expect(conv1["flops"] as? Int == 236_027_904)  // 2 x MACs, no bias
        #expect(conv1["counted"] as? Bool == true)
        #expect(conv1["activation_bytes"] as? Int == 3_211_264)  // 64 x 112 x 112 x 4
        let field = try #require(conv1["receptive_field"] as? [String: Any])
        #expect(field["size"] as? [Int] == [7, 7])
        #expect(field["stride"] as? [Int] == [2, 2])
        #expect(field["padding"] as? [Int] == [3, 3])
        #expect(field["min_size"] as? [Int] == [7, 7])
        #expect(field["aligned"] as? Bool == true)

        let totals = try #require(root["totals"] as? [String: Any])
        let totalParams = try #require(totals["params"] as? [String: Any])
        #expect(totalParams["trainable"] as? Int == 11_689_512)
        #expect(totalParams["non_trainable"] as? Int == 9_600)
        #expect(totalParams["total"] as? Int == 11_699_112)
        #expect(totals["macs"] as? Int == 1_814_073_344)
        #expect(totals["flops"] is Int)
        #expect(totals["activation_bytes"] is Int)
    }
}

/// A JSON shape array as text (`N,3,224,224`): strings for symbols, integers for sizes.
private func shapeText(_ dims: [Any]) -> String {
    dims.map { dim in
        if let text = dim as? String { return text }
        if let size = dim as? Int { return String(size) }
        return "?"
    }.joined(separator: ",")
}
