import Foundation
import Testing
import ZooCore
import ZooTestSupport

// The built-in specs (embedded copies of zoo/*.yaml) and the spec format of zoo/README.md,
// through the public `Spec.parse(_:file:inputShapes:)`. Expected names, shapes and parameter
// counts are worked out by hand from the README's rules and the small specs below.

/// The package's `zoo/` folder.
private let zooFolder = Fixtures.packageRoot.appendingPathComponent("zoo")

/// The names of the zoo/*.yaml files, sorted.
private func zooFileNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: zooFolder.path)
        .filter { $0.hasSuffix(".yaml") }
        .map { String($0.dropLast(".yaml".count)) }
        .sorted()
}

private func parseSpec(_ text: String, file: String = "test.yaml", inputShapes: [String: Shape] = [:]) throws -> Model {
    try Spec.parse(text, file: file, inputShapes: inputShapes)
}

/// Expects `body` to throw a ``ZooError`` of `kind` located at `file`:`line`, naming `layer`,
/// with a message containing each of `mentioning`.
@discardableResult
private func expectSpecError(
    _ kind: ZooError.Kind, file: String = "bad.yaml", line: Int?, layer: String?, mentioning parts: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> ZooError? {
    let error = #expect(throws: ZooError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return nil }
    #expect(error.kind == kind, "kind: \(error)", sourceLocation: sourceLocation)
    #expect(error.file == file, "file: \(error)", sourceLocation: sourceLocation)
    #expect(error.line == line, "line: \(error)", sourceLocation: sourceLocation)
    #expect(error.layer == layer, "layer: \(error)", sourceLocation: sourceLocation)
    for part in parts {
        #expect(error.message.contains(part), "message lacks '\(part)': \(error.message)", sourceLocation: sourceLocation)
    }
    return error
}

@Suite("Zoo specs and the spec format")
struct ZooSpecTests {
    // MARK: - Built-in specs

    @Test func everyZooFileIsEmbeddedAndViceVersa() throws {
        let files = try zooFileNames()
        #expect(!files.isEmpty, "no zoo/*.yaml found at \(zooFolder.path)")
        #expect(
            Zoo.names == files,
            "Zoo.names \(Zoo.names) differ from zoo/*.yaml \(files): run `make specs` to regenerate Sources/ZooCore/Specs/BuiltinSpecs.swift")
    }

    @Test func embeddedSpecsEqualZooFilesByteForByte() throws {
        for name in try zooFileNames() {
            let onDisk = try Data(contentsOf: zooFolder.appendingPathComponent("\(name).yaml"))
            let embedded = Zoo.specText(named: name).map { Data($0.utf8) }
            #expect(
                embedded == onDisk,
                "zoo/\(name).yaml (\(onDisk.count) bytes) differs from its embedded copy (\(embedded?.count ?? 0) bytes): run `make specs`")
        }
    }

    @Test func everyBuiltinSpecLoadsAndNamesItsSource() throws {
        for name in Zoo.names {
            let model = try Zoo.model(named: name)
            #expect(model.name == name)
            #expect(model.format == "zoo-spec")
            #expect(model.file == "zoo/\(name).yaml")
            let source = model.source ?? ""
            // A paper or an implementation with its year (e.g. "He et al. 2016", "Krizhevsky 2014").
            #expect(source.count > 20, "\(name) names no source")
            #expect(source.contains(/(19|20)\d\d/), "\(name)'s source names no year: \(source)")
        }
    }

    @Test func unknownNetworkSuggestsTheClosest() throws {
        let error = #expect(throws: ZooError.self) { try Zoo.model(named: "resnet1") }
        #expect(error?.message.contains("resnet18") == true)
    }

    // MARK: - Blocks

    /// A block called with positional arguments, with named ones (defaults for the rest) and with
    /// its parameters written inline; each instance's layers are named `<instance>.<layer>`.
    @Test func blockArguments() throws {
        let model = try parseSpec(
            """
            name: blocks
            input: [3, 8, 8]
            blocks:
              unit:
                params: [filters, kernel, stride: 1, pad: 0]
                layers:
                  - conv: {op: conv, filters: $filters, kernel: $kernel, stride: $stride, pad: $pad}
                  - relu
            layers:
              - a: {block: unit, args: [4, 3, 1, 1]}
              - b: {block: unit, args: {filters: 6, kernel: 1}}
              - c: {block: unit, filters: 2, kernel: 3, stride: 2}
            """)
        #expect(model.graph.layers.map(\.name) == ["a.conv", "a.relu", "b.conv", "b.relu", "c.conv", "c.relu"])
        let report = try model.analyze()
        // a: 3x3 pad 1 keeps 8x8; params 4 x 3 x 9 + 4 = 112
        #expect(report.layer("a.conv")?.outputShape == ["N", 4, 8, 8])
        #expect(report.layer("a.conv")?.params.trainable == 112)
        // b: 1x1, stride 1 and pad 0 by default; params 6 x 4 + 6 = 30
        #expect(report.layer("b.conv")?.outputShape == ["N", 6, 8, 8])
        #expect(report.layer("b.conv")?.params.trainable == 30)
        // c: 3x3/2, pad 0 by default: (8 - 3) / 2 + 1 = 3; params 2 x 6 x 9 + 2 = 110
        #expect(report.layer("c.conv")?.outputShape == ["N", 2, 3, 3])
        #expect(report.layer("c.conv")?.params.trainable == 110)
        #expect(model.graph.layer(named: "b.conv")?.inputs == ["a.relu"])
    }

    /// `repeat` chains instances `<name>.0 ...`; `start` shifts the numbers; an unnamed repetition
    /// inside a block takes the indices as names in the enclosing scope (torchvision's `layer1.1`).
    @Test func repeatAndStartNaming() throws {
        let model = try parseSpec(
            """
            name: repeats
            input: [3, 4, 4]
            blocks:
              unit:
                params: [filters]
                layers:
                  - conv: {op: conv, filters: $filters, kernel: 1}
              stage:
                params: [filters, n]
                layers:
                  - 0: {block: unit, args: [$filters]}
                  - unit: {repeat: $n, start: 1, args: [$filters]}
            layers:
              - layer1: {block: unit, repeat: 2, args: [4]}
              - layer2: {block: stage, args: [5, 2]}
              - layer3: {block: unit, repeat: 2, start: 3, args: [6]}
            """)
        #expect(
            model.graph.layers.map(\.name) == [
                "layer1.0.conv", "layer1.1.conv",
                "layer2.0.conv", "layer2.1.conv", "layer2.2.conv",
                "layer3.3.conv", "layer3.4.conv",
            ])
        // A chain: each instance reads the previous one's output.
        #expect(model.graph.layer(named: "layer1.0.conv")?.inputs == ["input"])
        #expect(model.graph.layer(named: "layer1.1.conv")?.inputs == ["layer1.0.conv"])
        #expect(model.graph.layer(named: "layer2.1.conv")?.inputs == ["layer2.0.conv"])
        #expect(model.graph.layer(named: "layer3.3.conv")?.inputs == ["layer2.2.conv"])
        #expect(model.graph.outputs.map(\.name) == ["layer3.4.conv"])
        let report = try model.analyze()
        #expect(report.layer("layer3.4.conv")?.outputShape == ["N", 6, 4, 4])
    }

    /// `inline: true` expands a block's layers in the enclosing scope, without an instance prefix.
    @Test func inlineBlocks() throws {
        let model = try parseSpec(
            """
            name: inline
            input: [3, 4, 4]
            blocks:
              pair:
                params: [filters]
                layers:
                  - conv: {op: conv, filters: $filters, kernel: 1}
                  - bn: {op: batchnorm}
              wrapped:
                params: [filters]
                layers:
                  - pair: {inline: true, args: [$filters]}
                  - relu
            layers:
              - top: {block: wrapped, args: [4]}
              - pair: {inline: true, args: [3]}
            """)
        #expect(model.graph.layers.map(\.name) == ["top.conv", "top.bn", "top.relu", "conv", "bn"])
        #expect(model.graph.layer(named: "conv")?.inputs == ["top.relu"])
        let report = try model.analyze()
        #expect(report.layer("bn")?.outputShape == ["N", 3, 4, 4])
    }

    // MARK: - Branches and explicit inputs

    /// Branches start from the current value; `[]` is the identity.
    @Test func branchesWithIdentity() throws {
        let model = try parseSpec(
            """
            name: branches
            input: [4, 8, 8]
            layers:
              - stem: {op: conv, filters: 4, kernel: 3, pad: 1}
              - add:
                  - [conv1: {op: conv, filters: 4, kernel: 3, pad: 1}, bn1: {op: batchnorm}]
                  - []
              - relu
              - cat: {op: concat, branches: [[side: {op: conv, filters: 2, kernel: 1}], []]}
            """)
        let graph = model.graph
        #expect(Set(graph.layers.map(\.name)) == ["stem", "add", "conv1", "bn1", "relu", "cat", "side"])
        #expect(graph.layer(named: "conv1")?.inputs == ["stem"])
        #expect(graph.layer(named: "add")?.inputs == ["bn1", "stem"])
        #expect(graph.layer(named: "relu")?.inputs == ["add"])
        #expect(graph.layer(named: "side")?.inputs == ["relu"])
        #expect(graph.layer(named: "cat")?.inputs == ["side", "relu"])
        // Ordered: every layer after the layers it reads.
        for (position, layer) in graph.layers.enumerated() {
            for input in layer.inputs where input != "input" {
                #expect((graph.position(of: input) ?? .max) < position, "\(layer.name) after \(input)")
            }
        }
        let report = try model.analyze()
        #expect(report.layer("add")?.outputShape == ["N", 4, 8, 8])
        // concat on channels: 2 + 4 = 6
        #expect(report.layer("cat")?.outputShape == ["N", 6, 8, 8])
        #expect(graph.outputs.map(\.name) == ["cat"])
    }

    /// `inputs:` reads named values; a name may point forward, and the graph comes out in
    /// topological order.
    @Test func explicitInputsWithForwardReference() throws {
        let model = try parseSpec(
            """
            name: forward
            input: [2, 4, 4]
            layers:
              - b: {op: add, inputs: [a, input]}
              - a: {op: relu, inputs: [input]}
              - c: {op: conv, filters: 3, kernel: 1, inputs: [b]}
            outputs: [c, a]
            """)
        #expect(model.graph.layers.map(\.name) == ["a", "b", "c"])
        #expect(model.graph.layer(named: "b")?.inputs == ["a", "input"])
        #expect(model.graph.outputs.map(\.name) == ["c", "a"])
        // Lines follow the file, not the order: b on line 4, a on line 5.
        #expect(model.layerLines["b"] == 4)
        #expect(model.layerLines["a"] == 5)
        let report = try model.analyze()
        #expect(report.layer("c")?.outputShape == ["N", 3, 4, 4])
    }

    // MARK: - Names

    @Test func fusedActivationAndAutomaticNames() throws {
        let model = try parseSpec(
            """
            name: names
            input: [3, 8, 8]
            blocks:
              unit:
                params: []
                layers:
                  - conv: {op: conv, filters: 4, kernel: 1, activation: relu}
            layers:
              - conv1: {op: conv, filters: 4, kernel: 3, pad: 1, activation: relu}
              - relu
              - relu
              - conv: {filters: 4, kernel: 1}
              - conv: {filters: 4, kernel: 1, activation: linear}
              - blk: {block: unit}
              - relu
              - flatten
              - dense: {units: 10, activation: softmax}
            """)
        #expect(
            model.graph.layers.map(\.name) == [
                "conv1", "conv1/relu", "relu", "relu_1", "conv", "conv_1", "blk.conv", "blk.conv/relu", "relu_2", "flatten", "dense",
                "dense/softmax",
            ])
        #expect(model.graph.layer(named: "conv1/relu")?.op.name == "relu")
        #expect(model.graph.layer(named: "conv1/relu")?.inputs == ["conv1"])
        #expect(model.graph.layer(named: "relu")?.inputs == ["conv1/relu"])
        #expect(model.graph.layer(named: "dense/softmax")?.op.name == "softmax")
        #expect(model.graph.outputs.map(\.name) == ["dense/softmax"])
    }

    /// A symbolic input dimension bound through `inputShapes:`.
    @Test func symbolicInputBound() throws {
        let text = """
            name: symbolic
            input: [3, H, W]
            layers:
              - conv1: {op: conv, filters: 8, kernel: 3, stride: 2, pad: 1}
            """
        let model = try parseSpec(text, inputShapes: ["input": ["N", 3, 64, 48]])
        let report = try model.analyze()
        // (64 + 2 - 3) / 2 + 1 = 32, (48 + 2 - 3) / 2 + 1 = 24
        #expect(report.layer("conv1")?.outputShape == ["N", 8, 32, 24])
        #expect(report.inputs.map(\.shape) == [["N", 3, 64, 48]])
        // A fixed batch binds as well.
        let one = try parseSpec(text, inputShapes: ["input": [1, 3, 32, 32]]).analyze()
        #expect(one.layer("conv1")?.outputShape == [1, 8, 16, 16])
    }

    // MARK: - Errors: kind, file, line and layer

    @Test func errorBlocksNestedTooDeep() {
        // b0 uses b1, ..., b69 uses relu: 70 levels, past the limit of 64. Line 4 + 3 i holds
        // block b_i's entry; the 65th nested instance (b64, entered from b63's entry) fails.
        var yaml = "name: deep\ninput: [3, 8, 8]\nblocks:\n"
        for level in 0..<70 {
            let next = level == 69 ? "relu" : "b\(level + 1)"
            yaml += "  b\(level):\n    layers:\n      - \(next)\n"
        }
        yaml += "layers:\n  - b0\n"
        // The error names the instance path of the block that would nest too deep.
        let path = (0...64).map { "b\($0)" }.joined(separator: ".")
        expectSpecError(.invalidGraph, line: 4 + 3 * 63 + 2, layer: path, mentioning: ["at most 64 deep"]) {
            _ = try parseSpec(yaml, file: "bad.yaml")
        }
    }

    @Test func errorUnknownOp() {
        expectSpecError(.invalidGraph, line: 4, layer: "conv1", mentioning: ["convv", "'conv'"]) {
            _ = try parseSpec(
                """
                name: bad
                input: [3, 8, 8]
                layers:
                  - conv1: {op: convv, filters: 4, kernel: 3}
                """, file: "bad.yaml")
        }
    }

    @Test func errorMisspelledArgument() {
        expectSpecError(.invalidGraph, line: 5, layer: "conv2", mentioning: ["filter", "'filters'"]) {
            _ = try parseSpec(
                """
                name: bad
                input: [3, 8, 8]
                layers:
                  - conv1: {op: conv, filters: 4, kernel: 3}
                  - conv2: {op: conv, filter: 4, kernel: 3}
                """, file: "bad.yaml")
        }
    }

    @Test func errorChannelMismatchAtAdd() {
        // a: 4 channels, b: 5 channels; the add cannot broadcast 4 with 5.
        expectSpecError(.shapeMismatch, line: 6, layer: "sum", mentioning: ["4, 8, 8", "5, 8, 8"]) {
            _ = try parseSpec(
                """
                name: bad
                input: [3, 8, 8]
                layers:
                  - a: {op: conv, filters: 4, kernel: 1}
                  - b: {op: conv, filters: 5, kernel: 1, inputs: [input]}
                  - sum: {op: add, inputs: [a, b]}
                """, file: "bad.yaml")
        }
        // The same through branches: a 5-channel branch added to the 3-channel identity.
        expectSpecError(.shapeMismatch, line: 4, layer: "add") {
            _ = try parseSpec(
                """
                name: bad
                input: [3, 8, 8]
                layers:
                  - add: [[wide: {op: conv, filters: 5, kernel: 1}], []]
                """, file: "bad.yaml")
        }
    }

    @Test func errorCycle() {
        let error = #expect(throws: ZooError.self) {
            _ = try parseSpec(
                """
                name: bad
                input: [3, 8, 8]
                layers:
                  - a: {op: relu, inputs: [b]}
                  - b: {op: relu, inputs: [a]}
                """, file: "bad.yaml")
        }
        guard let error else { return }
        #expect(error.kind == .invalidGraph)
        #expect(error.file == "bad.yaml")
        // The error names a layer on the cycle, at that layer's line.
        #expect(["a", "b"].contains(error.layer ?? ""), "layer: \(error)")
        #expect(error.line == (error.layer == "a" ? 4 : 5), "line: \(error)")
        #expect(error.message.contains("'a'") && error.message.contains("'b'"), "\(error.message)")
    }

    @Test func errorDuplicateName() {
        // The second conv1 is the error; the message points back at the first (line 4).
        expectSpecError(.invalidGraph, line: 6, layer: "conv1", mentioning: ["conv1", "4"]) {
            _ = try parseSpec(
                """
                name: bad
                input: [3, 8, 8]
                layers:
                  - conv1: {op: conv, filters: 4, kernel: 1}
                  - relu
                  - conv1: {op: relu}
                """, file: "bad.yaml")
        }
    }

    @Test func errorUndefinedInput() {
        expectSpecError(.invalidGraph, line: 5, layer: "b", mentioning: ["nothere"]) {
            _ = try parseSpec(
                """
                name: bad
                input: [3, 8, 8]
                layers:
                  - a: {op: relu}
                  - b: {op: relu, inputs: [nothere]}
                """, file: "bad.yaml")
        }
    }

    /// An unbound symbol is reported at the `input:` line, naming the input and the symbols.
    /// (docs/DESIGN.md fixes no kind for it; it is a shape that cannot be inferred: shapeMismatch.)
    @Test func errorUnboundSymbol() {
        expectSpecError(.shapeMismatch, line: 2, layer: "input", mentioning: ["'H'", "'W'"]) {
            _ = try parseSpec(
                """
                name: bad
                input: [3, H, W]
                layers:
                  - conv1: {op: conv, filters: 8, kernel: 3}
                """, file: "bad.yaml")
        }
    }
}
