import Testing
import ZooCore

// Analysis is linear by construction: a chain of n identical layers loads, analyzes, and sums to
// n times one layer's figures. No timing here (bench/ measures speed); these check that a long
// generated spec goes through every stage (YAML, block expansion, naming, ordering, shape
// inference, analysis) and that nothing is counted twice or dropped.

/// Per sample, input 8 x 8 x 8 (C x H x W), conv 8 filters 3x3 pad 1 (keeps 8x8), then ReLU:
/// - conv params: 8 x 8 x 3 x 3 + 8 = 584
/// - conv MACs: output 8 x 8 x 8 = 512 elements x (8 x 3 x 3 = 72) = 36,864
/// - conv FLOPs: 2 x 36,864 + 512 (bias) = 74,240; ReLU FLOPs: 512 (1 per element)
/// - activation bytes: 512 x 4 = 2,048 per layer, conv and ReLU alike
/// - receptive field: each 3x3 pad 1 stride 1 adds r + 2, p + 1: after n convs r = 1 + 2n, p = n
private let chainLength = 2_000
private let convParams = 584
private let convMACs = 36_864
private let convFLOPs = 74_240
private let reluFLOPs = 512
private let layerBytes = 2_048

/// `count` conv + ReLU pairs, named explicitly (`c0`, `c0/relu`, ...) or automatically.
private func chainSpec(_ count: Int, automaticNames: Bool) -> String {
    var lines = ["name: chain\(count)", "input: [8, 8, 8]", "layers:"]
    lines.reserveCapacity(count * 2 + 3)
    for index in 0..<count {
        if automaticNames {
            lines.append("  - conv: {filters: 8, kernel: 3, pad: 1}")
            lines.append("  - relu")
        } else {
            lines.append("  - c\(index): {op: conv, filters: 8, kernel: 3, pad: 1, activation: relu}")
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

private func expectChainTotals(_ report: Report, count: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(report.layers.count == 2 * count, sourceLocation: sourceLocation)
    // 2,000 x 584 = 1,168,000; 2,000 x 36,864 = 73,728,000; 2,000 x (74,240 + 512) = 149,504,000;
    // 2,000 x 2 x 2,048 = 8,192,000.
    #expect(report.totals.params.trainable == count * convParams, sourceLocation: sourceLocation)
    #expect(report.totals.params.nonTrainable == 0, sourceLocation: sourceLocation)
    #expect(report.totals.macs == count * convMACs, sourceLocation: sourceLocation)
    #expect(report.totals.flops == count * (convFLOPs + reluFLOPs), sourceLocation: sourceLocation)
    #expect(report.totals.activationBytes == count * 2 * layerBytes, sourceLocation: sourceLocation)
    #expect(report.totals.uncountedLayers == 0, sourceLocation: sourceLocation)
    // Every layer carries the same figures: nothing depends on the depth but the field.
    for (index, layer) in report.layers.enumerated() {
        let isConv = index % 2 == 0
        #expect(layer.op == (isConv ? "conv" : "relu"), "\(layer.name)", sourceLocation: sourceLocation)
        #expect(layer.outputShape == ["N", 8, 8, 8], "\(layer.name)", sourceLocation: sourceLocation)
        #expect(layer.params.trainable == (isConv ? convParams : 0), "\(layer.name)", sourceLocation: sourceLocation)
        #expect(layer.macs == (isConv ? convMACs : 0), "\(layer.name)", sourceLocation: sourceLocation)
        #expect(layer.flops == (isConv ? convFLOPs : reluFLOPs), "\(layer.name)", sourceLocation: sourceLocation)
        #expect(layer.activationBytes == layerBytes, "\(layer.name)", sourceLocation: sourceLocation)
        if layer.macs != (isConv ? convMACs : 0) { break }  // one report of a systematic failure is enough
    }
    // After n convs: r = 1 + 2n = 4,001, j = 1, p = n = 2,000.
    let last = report.layers.last?.receptiveField
    #expect(last?.size == [1 + 2 * count, 1 + 2 * count], sourceLocation: sourceLocation)
    #expect(last?.stride == [1, 1], sourceLocation: sourceLocation)
    #expect(last?.padding == [count, count], sourceLocation: sourceLocation)
}

@Suite("Analyzer scaling (linear by construction)")
struct AnalyzerScalingTests {
    @Test func twoThousandNamedConvReluLayers() throws {
        let model = try Spec.parse(chainSpec(chainLength, automaticNames: false), file: "chain.yaml")
        #expect(model.graph.layers.first?.name == "c0")
        #expect(model.graph.layers.last?.name == "c1999/relu")
        #expect(model.graph.layer(named: "c1000")?.inputs == ["c999/relu"])
        #expect(model.layerLines["c1999"] == 3 + chainLength)  // line 4 holds c0
        let report = try model.analyze()
        expectChainTotals(report, count: chainLength)
    }

    /// Automatic names `conv`, `conv_1`, ... `conv_1999` must not get slower per layer with depth
    /// (a counter per kind, not a rescan); here just checked to come out right.
    @Test func twoThousandAutomaticallyNamedConvReluLayers() throws {
        let model = try Spec.parse(chainSpec(chainLength, automaticNames: true), file: "chain.yaml")
        let names = model.graph.layers.map(\.name)
        #expect(names.prefix(4) == ["conv", "relu", "conv_1", "relu_1"])
        #expect(names.suffix(2) == ["conv_1999", "relu_1999"])
        #expect(Set(names).count == 2 * chainLength)
        expectChainTotals(try model.analyze(), count: chainLength)
    }

    /// A block repeated 2,000 times gives the same figures as the flat chain.
    @Test func twoThousandRepeatedBlocks() throws {
        let text = """
            name: repeated
            input: [8, 8, 8]
            blocks:
              unit:
                params: []
                layers:
                  - conv: {op: conv, filters: 8, kernel: 3, pad: 1}
                  - relu
            layers:
              - stack: {block: unit, repeat: \(chainLength)}
            """
        let model = try Spec.parse(text, file: "repeated.yaml")
        #expect(model.graph.layers.first?.name == "stack.0.conv")
        #expect(model.graph.layers.last?.name == "stack.\(chainLength - 1).relu")
        expectChainTotals(try model.analyze(), count: chainLength)
    }
}
