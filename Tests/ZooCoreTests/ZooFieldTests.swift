import Foundation
import Testing
import ZooCore

// Receptive fields of the zoo's networks, computed by hand from the recurrence of docs/DESIGN.md
// section 3 (Araujo et al., Distill 2019), per spatial axis, starting from r = 1, j = 1, p = 0:
//
//     r <- r + (k' - 1) j,   p <- p + p_begin j,   j <- j s
//
// with k' the dilated kernel and p_begin the padding before the first element. Every step is
// written out in the comments; none of the numbers is read off the analyzer. At a merge the
// largest r is kept, the smallest recorded (min_size), and the branches are aligned when their
// strides and their field centres (r - 1)/2 - p agree. H and W are symmetric in every zoo
// network, so each expected value holds on both axes.

private func fieldReport(_ name: String) throws -> Report {
    try Zoo.model(named: name).analyze()
}

/// Expects the square field of layer `name`: size r, stride j, padding p, min_size (r by
/// default) and alignment.
private func expectField(
    _ report: Report, _ name: String, r: Int, j: Int, p: Int, min: Int? = nil, aligned: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let layer = try #require(report.layer(name), "\(report.model) has no layer '\(name)'", sourceLocation: sourceLocation)
    let field = try #require(layer.receptiveField, "\(report.model) \(name): field is not local (\(layer.fieldState))", sourceLocation: sourceLocation)
    #expect(field.size == [r, r], "\(report.model) \(name) size", sourceLocation: sourceLocation)
    #expect(field.stride == [j, j], "\(report.model) \(name) stride", sourceLocation: sourceLocation)
    #expect(field.padding == [p, p], "\(report.model) \(name) padding", sourceLocation: sourceLocation)
    let smallest = min ?? r
    #expect(field.minSize == [smallest, smallest], "\(report.model) \(name) min_size", sourceLocation: sourceLocation)
    #expect(field.aligned == aligned, "\(report.model) \(name) aligned", sourceLocation: sourceLocation)
}

/// Expects a global field for every layer of `names`, in the report and in its JSON (`null`).
private func expectGlobal(_ report: Report, _ names: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let json = try #require(
        try JSONSerialization.jsonObject(with: Data(ReportRenderer.json(report).utf8)) as? [String: Any], sourceLocation: sourceLocation)
    let layers = try #require(json["layers"] as? [[String: Any]], sourceLocation: sourceLocation)
    for name in names {
        let layer = try #require(report.layer(name), "\(report.model) has no layer '\(name)'", sourceLocation: sourceLocation)
        #expect(layer.fieldState == .global, "\(report.model) \(name) is global", sourceLocation: sourceLocation)
        #expect(layer.receptiveField == nil, sourceLocation: sourceLocation)
        let entry = try #require(layers.first { $0["name"] as? String == name }, sourceLocation: sourceLocation)
        #expect(entry.keys.contains("receptive_field"), "\(name) JSON has receptive_field", sourceLocation: sourceLocation)
        #expect(entry["receptive_field"] is NSNull, "\(report.model) \(name) JSON receptive_field is null", sourceLocation: sourceLocation)
    }
}

@Suite("Zoo receptive fields, by hand")
struct ZooFieldTests {
    @Test func leNet5() throws {
        let report = try fieldReport("lenet5")
        // conv1 5x5/1 pad 0:  r = 1 + 4 x 1 = 5,   j = 1,  p = 0
        try expectField(report, "conv1", r: 5, j: 1, p: 0)
        try expectField(report, "conv1/sigmoid", r: 5, j: 1, p: 0)  // activation: passes through
        // pool1 2x2/2:        r = 5 + 1 x 1 = 6,   j = 2,  p = 0
        try expectField(report, "pool1", r: 6, j: 2, p: 0)
        // conv2 5x5/1:        r = 6 + 4 x 2 = 14,  j = 2,  p = 0
        try expectField(report, "conv2", r: 14, j: 2, p: 0)
        // pool2 2x2/2:        r = 14 + 1 x 2 = 16, j = 4,  p = 0
        try expectField(report, "pool2", r: 16, j: 4, p: 0)
        // flatten mixes the spatial axes: global from here on.
        try expectGlobal(report, ["flatten", "fc1", "fc1/sigmoid", "fc2", "fc3"])
    }

    /// Keras SAME for a 3x3 stride-1 conv pads 1 before and 1 after; the 2x2/2 pools pad nothing.
    @Test func vgg16() throws {
        let report = try fieldReport("vgg16")
        // block1: conv 3x3: r = 1 + 2 = 3, p = 0 + 1 = 1; conv: r = 5, p = 2;
        //         pool: r = 5 + 1 = 6, j = 2, p = 2
        try expectField(report, "block1_conv1", r: 3, j: 1, p: 1)
        try expectField(report, "block1_conv2", r: 5, j: 1, p: 2)
        try expectField(report, "block1_pool", r: 6, j: 2, p: 2)
        // block2 (j = 2): convs r = 6 + 4 = 10, 14; p = 2 + 2 = 4, 6; pool r = 14 + 2 = 16, j = 4, p = 6
        try expectField(report, "block2_conv1", r: 10, j: 2, p: 4)
        try expectField(report, "block2_conv2", r: 14, j: 2, p: 6)
        try expectField(report, "block2_pool", r: 16, j: 4, p: 6)
        // block3 (j = 4): convs r = 24, 32, 40; p = 10, 14, 18; pool r = 40 + 4 = 44, j = 8, p = 18
        try expectField(report, "block3_conv3", r: 40, j: 4, p: 18)
        try expectField(report, "block3_pool", r: 44, j: 8, p: 18)
        // block4 (j = 8): convs r = 60, 76, 92; p = 26, 34, 42; pool r = 92 + 8 = 100, j = 16, p = 42
        try expectField(report, "block4_conv3", r: 92, j: 8, p: 42)
        try expectField(report, "block4_pool", r: 100, j: 16, p: 42)
        // block5 (j = 16): convs r = 132, 164, 196; p = 58, 74, 90; pool r = 196 + 16 = 212, j = 32, p = 90
        try expectField(report, "block5_conv1", r: 132, j: 16, p: 58)
        try expectField(report, "block5_conv3", r: 196, j: 16, p: 90)
        try expectField(report, "block5_conv3/relu", r: 196, j: 16, p: 90)
        try expectField(report, "block5_pool", r: 212, j: 32, p: 90)
        try expectGlobal(report, ["flatten", "fc1", "fc2", "predictions", "predictions/softmax"])
    }

    /// Through a basic block at stride j the main path adds two 3x3 convs (+2j each, p + j each);
    /// the shortcut adds nothing (identity, or a 1x1 stride-2 projection with pad 0). The
    /// shortest path goes through every shortcut: conv1 and maxpool only, r = 11.
    @Test func resNet18() throws {
        let report = try fieldReport("resnet18")
        // conv1 7x7/2 pad 3:   r = 1 + 6 = 7,     j = 2,  p = 0 + 3 = 3
        try expectField(report, "conv1", r: 7, j: 2, p: 3)
        try expectField(report, "relu", r: 7, j: 2, p: 3)
        // maxpool 3x3/2 pad 1: r = 7 + 2 x 2 = 11, j = 4,  p = 3 + 1 x 2 = 5
        try expectField(report, "maxpool", r: 11, j: 4, p: 5)
        // layer1.0 (j = 4): conv1 r = 11 + 8 = 19, p = 5 + 4 = 9; conv2 r = 27, p = 13.
        try expectField(report, "layer1.0.conv1", r: 19, j: 4, p: 9)
        try expectField(report, "layer1.0.bn2", r: 27, j: 4, p: 13)
        //   add: main 27 (centre 13 - 13 = 0), shortcut 11 (centre 5 - 5 = 0): keep 27, min 11, aligned
        try expectField(report, "layer1.0.add", r: 27, j: 4, p: 13, min: 11)
        // layer1.1: r = 27 + 8 + 8 = 43, p = 13 + 4 + 4 = 21; min through both shortcuts 11
        try expectField(report, "layer1.1.add", r: 43, j: 4, p: 21, min: 11)
        // layer2.0: conv1 3x3/2 pad 1: r = 43 + 2 x 4 = 51, j = 8, p = 21 + 4 = 25;
        //   conv2: r = 51 + 2 x 8 = 67, p = 25 + 8 = 33.
        try expectField(report, "layer2.0.conv1", r: 51, j: 8, p: 25, min: 11 + 8)
        //   downsample 1x1/2: r = 43, j = 8, p = 21 (min 11); centres 33 - 33 = 0 and 21 - 21 = 0
        try expectField(report, "layer2.0.downsample.0", r: 43, j: 8, p: 21, min: 11)
        try expectField(report, "layer2.0.add", r: 67, j: 8, p: 33, min: 11)
        // layer2.1: r = 67 + 16 + 16 = 99, p = 33 + 8 + 8 = 49
        try expectField(report, "layer2.1.add", r: 99, j: 8, p: 49, min: 11)
        // layer3.0: conv1 /2: r = 99 + 16 = 115, j = 16, p = 49 + 8 = 57; conv2 r = 147, p = 73
        try expectField(report, "layer3.0.add", r: 147, j: 16, p: 73, min: 11)
        // layer3.1: r = 147 + 32 + 32 = 211, p = 73 + 16 + 16 = 105
        try expectField(report, "layer3.1.add", r: 211, j: 16, p: 105, min: 11)
        // layer4.0: conv1 /2: r = 211 + 32 = 243, j = 32, p = 105 + 16 = 121; conv2 r = 307, p = 153
        try expectField(report, "layer4.0.add", r: 307, j: 32, p: 153, min: 11)
        // layer4.1: r = 307 + 64 + 64 = 435, p = 153 + 32 + 32 = 217 (ResNet-18's well-known 435)
        try expectField(report, "layer4.1.add", r: 435, j: 32, p: 217, min: 11)
        // The block's final ReLU (the name after the add) passes the field through.
        let last = try #require(report.layers.last { $0.name.hasPrefix("layer4.") })
        #expect(last.op == "relu")
        #expect(last.receptiveField?.size == [435, 435])
        #expect(last.receptiveField?.minSize == [11, 11])
        try expectGlobal(report, ["avgpool", "flatten", "fc"])
    }

    @Test func googLeNetInception3a() throws {
        let report = try fieldReport("googlenet")
        // conv1 7x7/2 pad 3:            r = 7,            j = 2, p = 3
        try expectField(report, "conv1.conv", r: 7, j: 2, p: 3)
        // maxpool1 3x3/2 (ceil, pad 0): r = 7 + 2 x 2 = 11,  j = 4, p = 3
        try expectField(report, "maxpool1", r: 11, j: 4, p: 3)
        // conv2 1x1:                    r = 11,           j = 4, p = 3
        try expectField(report, "conv2.relu", r: 11, j: 4, p: 3)
        // conv3 3x3 pad 1:              r = 11 + 2 x 4 = 19, j = 4, p = 3 + 4 = 7
        try expectField(report, "conv3.relu", r: 19, j: 4, p: 7)
        // maxpool2 3x3/2:               r = 19 + 2 x 4 = 27, j = 8, p = 7
        try expectField(report, "maxpool2", r: 27, j: 8, p: 7)
        // inception3a at j = 8:
        //   branch1 1x1:               r = 27, p = 7             centre 13 - 7 = 6
        //   branch2 1x1, 3x3 pad 1:    r = 27 + 16 = 43, p = 15  centre 21 - 15 = 6
        //   branch3 the same:          r = 43, p = 15
        //   branch4 maxpool 3/1 pad 1, 1x1: r = 43, p = 15
        try expectField(report, "inception3a.branch1.relu", r: 27, j: 8, p: 7)
        try expectField(report, "inception3a.branch2.1.relu", r: 43, j: 8, p: 15)
        try expectField(report, "inception3a.branch4.0", r: 43, j: 8, p: 15)
        //   concat: keeps 43, records 27; every centre at 6 with stride 8: aligned
        try expectField(report, "inception3a.concat", r: 43, j: 8, p: 15, min: 27)
        // inception3b: branch1 keeps r = 43 (min 27); branch2 r = 43 + 16 = 59, p = 23, centre 29 - 23 = 6
        try expectField(report, "inception3b.concat", r: 59, j: 8, p: 23, min: 27)
        try expectGlobal(report, ["avgpool", "flatten", "dropout", "fc"])
    }

    /// Keras MobileNet: SAME on the stride-2 conv1 at 224 pads (112 - 1) x 2 + 3 - 224 = 1, all of
    /// it at the end, and every strided depthwise conv is VALID after a ZeroPadding2D
    /// ((0, 1), (0, 1)): the begin padding is 0 wherever the stride is 2. A symmetric (PyTorch-
    /// style, pad 1 on both sides) model has the same sizes and strides but a larger p.
    @Test func mobileNetAsymmetricPadding() throws {
        let report = try fieldReport("mobilenet")
        // conv1 3x3/2 SAME (pads 0 before, 1 after):  r = 3, j = 2, p = 0
        try expectField(report, "conv1", r: 3, j: 2, p: 0)
        // conv_dw_1 3x3/1 SAME (1, 1):               r = 3 + 2 x 2 = 7, j = 2, p = 0 + 1 x 2 = 2
        try expectField(report, "conv_dw_1", r: 7, j: 2, p: 2)
        try expectField(report, "conv_pw_1_relu", r: 7, j: 2, p: 2)
        // conv_pad_2 (0 before, 1 after):            p = 2 + 0 x 2 = 2
        try expectField(report, "conv_pad_2", r: 7, j: 2, p: 2)
        // conv_dw_2 3x3/2 VALID:                     r = 7 + 2 x 2 = 11, j = 4, p = 2
        try expectField(report, "conv_dw_2", r: 11, j: 4, p: 2)
        // conv_dw_3 SAME:                            r = 11 + 8 = 19, p = 2 + 4 = 6
        try expectField(report, "conv_dw_3", r: 19, j: 4, p: 6)
        // conv_dw_4 /2 after padding:                r = 19 + 8 = 27, j = 8, p = 6
        try expectField(report, "conv_dw_4", r: 27, j: 8, p: 6)
        // conv_dw_5:                                 r = 27 + 16 = 43, p = 6 + 8 = 14
        try expectField(report, "conv_dw_5", r: 43, j: 8, p: 14)
        // conv_dw_6 /2:                              r = 43 + 16 = 59, j = 16, p = 14
        try expectField(report, "conv_dw_6", r: 59, j: 16, p: 14)
        // conv_dw_7 ... conv_dw_11 (5 x): r = 59 + 5 x 32 = 219, p = 14 + 5 x 16 = 94
        try expectField(report, "conv_dw_7", r: 91, j: 16, p: 30)
        try expectField(report, "conv_dw_11", r: 219, j: 16, p: 94)
        // conv_dw_12 /2:                             r = 219 + 32 = 251, j = 32, p = 94
        try expectField(report, "conv_dw_12", r: 251, j: 32, p: 94)
        // conv_dw_13:                                r = 251 + 64 = 315, p = 94 + 32 = 126
        try expectField(report, "conv_dw_13", r: 315, j: 32, p: 126)
        try expectField(report, "conv_pw_13_relu", r: 315, j: 32, p: 126)
        try expectGlobal(report, ["global_average_pooling2d", "dropout", "conv_preds", "reshape_2", "predictions"])

        // The resolved SAME padding of conv1 in the JSON: [top, left, bottom, right] = [0, 0, 1, 1].
        let json = try #require(try JSONSerialization.jsonObject(with: Data(ReportRenderer.json(report).utf8)) as? [String: Any])
        let layers = try #require(json["layers"] as? [[String: Any]])
        let conv1 = try #require(layers.first { $0["name"] as? String == "conv1" })
        #expect((conv1["attributes"] as? [String: Any])?["pads"] as? [Int] == [0, 0, 1, 1])

        // The same stem with symmetric padding 1 (PyTorch's way): equal sizes, strides and
        // shapes, but conv1 p = 0 + 1 = 1; conv_dw_1 p = 1 + 1 x 2 = 3; conv_dw_2 p = 3 + 1 x 2 = 5.
        let symmetric = try Spec.parse(
            """
            name: mobilenet_symmetric
            input: [3, 224, 224]
            layers:
              - conv1: {op: conv, filters: 32, kernel: 3, stride: 2, pad: 1, bias: false}
              - conv_dw_1: {op: depthwise_conv, kernel: 3, pad: 1, bias: false}
              - conv_pw_1: {op: conv, filters: 64, kernel: 1, bias: false}
              - conv_dw_2: {op: depthwise_conv, kernel: 3, stride: 2, pad: 1, bias: false}
            """, file: "mobilenet_symmetric.yaml"
        ).analyze()
        try expectField(symmetric, "conv1", r: 3, j: 2, p: 1)
        try expectField(symmetric, "conv_dw_1", r: 7, j: 2, p: 3)
        try expectField(symmetric, "conv_dw_2", r: 11, j: 4, p: 5)
        for name in ["conv1", "conv_dw_1", "conv_dw_2"] {
            let keras = try #require(report.layer(name)), torch = try #require(symmetric.layer(name))
            #expect(keras.outputShape == torch.outputShape, "\(name) shape")
            #expect(keras.receptiveField?.size == torch.receptiveField?.size, "\(name) size")
            #expect(keras.receptiveField?.stride == torch.receptiveField?.stride, "\(name) stride")
            #expect(keras.receptiveField?.padding != torch.receptiveField?.padding, "\(name) padding differs")
        }
    }

    /// torchvision's MobileNetV2 pads every 3x3 by 1 on both sides, so the identity shortcut and
    /// the inverted residual stay centred on the same pixel: every add is aligned.
    @Test func mobileNetV2ResidualsAligned() throws {
        let report = try fieldReport("mobilenetv2")
        // features.0.0 3x3/2 pad 1:       r = 3, j = 2, p = 1
        try expectField(report, "features.0.0", r: 3, j: 2, p: 1)
        // features.1 depthwise 3x3 pad 1: r = 3 + 4 = 7, p = 1 + 2 = 3 (1x1s change nothing)
        try expectField(report, "features.1.conv.2", r: 7, j: 2, p: 3)
        // features.2 depthwise /2:        r = 7 + 2 x 2 = 11, j = 4, p = 3 + 2 = 5
        try expectField(report, "features.2.conv.3", r: 11, j: 4, p: 5)
        // features.3: residual branch r = 11 + 2 x 4 = 19, p = 5 + 4 = 9 (centre 9 - 9 = 0);
        //   shortcut r = 11, p = 5 (centre 5 - 5 = 0): keep 19, min 11, aligned
        try expectField(report, "features.3.conv.1.0", r: 19, j: 4, p: 9)
        try expectField(report, "features.3.add", r: 19, j: 4, p: 9, min: 11)
        // features.4 depthwise /2:        r = 19 + 2 x 4 = 27, j = 8, p = 9 + 4 = 13, min 11 + 8 = 19
        try expectField(report, "features.4.conv.3", r: 27, j: 8, p: 13, min: 19)
        // features.5: r = 27 + 16 = 43, p = 13 + 8 = 21, min 19 (shortcut)
        try expectField(report, "features.5.add", r: 43, j: 8, p: 21, min: 19)
        // features.6: r = 43 + 16 = 59, p = 21 + 8 = 29, min 19
        try expectField(report, "features.6.add", r: 59, j: 8, p: 29, min: 19)
        // Every residual add of the network (features 3, 5, 6, 8-10, 12, 13, 15, 16) is aligned.
        let adds = report.layers.filter { $0.op == "add" }
        #expect(adds.map(\.name) == [3, 5, 6, 8, 9, 10, 12, 13, 15, 16].map { "features.\($0).add" })
        for add in adds {
            #expect(add.receptiveField?.aligned == true, "\(add.name) aligned")
        }
        try expectGlobal(report, ["avgpool", "flatten", "classifier.0", "classifier.1"])
    }

    /// After a global pool, a flatten or a dense layer every field is global, for every network.
    @Test(arguments: [
        ("alexnet", ["flatten", "classifier.1", "classifier.6"]),
        ("alexnet2012", ["flatten", "fc6", "fc8"]),
        ("resnet50", ["avgpool", "flatten", "fc"]),
    ])
    func globalAfterTheHead(network: String, names: [String]) throws {
        let report = try fieldReport(network)
        try expectGlobal(report, names)
    }
}
