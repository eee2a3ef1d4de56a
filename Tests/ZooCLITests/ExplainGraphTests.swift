import Foundation
import Testing
import ZooTestSupport

@Suite("zoo explain")
struct ExplainCommandTests {
    @Test func alexnet2012Conv2ShowsTheLectureArithmetic() throws {
        let result = try ZooProcess.run(["explain", "alexnet2012", "conv2"])
        #expect(result.status == 0 && !result.signaled, "\(result)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let text = result.stdout
        // Parameters of the grouped convolution: each of 256 filters sees 96 / 2 channels.
        #expect(text.contains("(5 x 5 x 96/2 + 1) x 256 = 307,456"), "\(text)")
        // Output size 27: floor((27 - 5 + 4 + 1) / 1).
        #expect(text.contains("= 27"), "\(text)")
        #expect(text.contains("[N, 256, 27, 27]"), "\(text)")
        // Receptive field: conv1 (11, stride 4) then pool1 (3, stride 2) give r = 19, j = 8.
        #expect(text.contains("r = 19 + (5 - 1) x 8 = 51"), "\(text)")
    }

    @Test func alexnet2012Conv3HasTheLecturesReceptiveField99() throws {
        let result = try ZooProcess.run(["explain", "alexnet2012", "conv3"])
        #expect(result.status == 0 && !result.signaled, "\(result)")
        // The lecture: "third convolutional layer: 99x99".
        #expect(result.stdout.contains("= 99,"), "\(result.stdout)")
        let fieldLines = result.stdout.split(separator: "\n").filter { $0.contains("r = ") }
        #expect(fieldLines.count == 2, "\(result.stdout)")
        #expect(fieldLines.allSatisfy { $0.contains("= 99,") }, "\(fieldLines)")
    }

    @Test func unknownLayerSuggestsACloseName() throws {
        let line = expectOneErrorLine(try ZooProcess.run(["explain", "alexnet2012", "conv9"]))
        #expect(line.contains("'conv9'"), "\(line)")
        #expect(line.contains("Did you mean 'conv"), "\(line)")
    }

    @Test func missingLayerArgumentIsAUsageError() throws {
        let result = try ZooProcess.run(["explain", "alexnet2012"])
        #expect(!result.signaled)
        #expect(result.status == 2, "\(result)")
        #expect(result.stdout.isEmpty)
    }
}

@Suite("zoo graph")
struct GraphCommandTests {
    /// Layer names and inputs of lenet5, from `zoo analyze --format json`.
    static func lenetLayers() throws -> [(name: String, inputs: [String])] {
        let result = try ZooProcess.run(["analyze", "lenet5", "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let layers = try #require(report["layers"] as? [[String: Any]])
        return layers.map { ($0["name"] as? String ?? "", $0["inputs"] as? [String] ?? []) }
    }

    static func checkDOT(_ dot: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(dot.hasPrefix("digraph"), "\(dot.prefix(200))", sourceLocation: sourceLocation)
        #expect(dot.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("}"), sourceLocation: sourceLocation)
        let lines = dot.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let layers = try lenetLayers()
        #expect(layers.count == 12, sourceLocation: sourceLocation)
        for layer in layers {
            let nodes = lines.filter { $0.hasPrefix("\"\(layer.name)\" [") }
            #expect(nodes.count == 1, "one node for \(layer.name), got \(nodes)", sourceLocation: sourceLocation)
            for input in layer.inputs {
                #expect(lines.contains("\"\(input)\" -> \"\(layer.name)\";"), "edge \(input) -> \(layer.name)", sourceLocation: sourceLocation)
            }
        }
        let edges = lines.filter { $0.contains(" -> ") }
        #expect(edges.count == layers.map(\.inputs.count).reduce(0, +), "\(edges)", sourceLocation: sourceLocation)
    }

    @Test func printsDOT() throws {
        let result = try ZooProcess.run(["graph", "lenet5"])
        #expect(result.status == 0 && !result.signaled, "\(result)")
        #expect(result.stderr.isEmpty)
        try Self.checkDOT(result.stdout)
    }

    @Test func writesDOTToAFileAtomically() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("lenet5.dot")
        let result = try ZooProcess.run(["graph", "lenet5", "--output", path])
        #expect(result.status == 0 && !result.signaled, "\(result)")
        #expect(result.stdout.isEmpty, "with --output nothing goes to stdout")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        try Self.checkDOT(try String(contentsOfFile: path, encoding: .utf8))
        #expect(try folder.contents() == ["lenet5.dot"], "no temporary file may be left beside the output")
    }

    @Test func overwritesAnExistingOutputFile() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("old contents\n", to: "lenet5.dot")
        let result = try ZooProcess.run(["graph", "lenet5", "-o", path])
        #expect(!result.signaled)
        #expect(result.status == 0, "writing over an existing output file must succeed: \(result)")
        let exists = FileManager.default.fileExists(atPath: path)
        #expect(exists, "the output file must exist afterwards (the old one must never be lost)")
        if exists { try Self.checkDOT(try String(contentsOfFile: path, encoding: .utf8)) }
        #expect(try folder.contents() == ["lenet5.dot"], "no temporary file may be left beside the output")
    }

    @Test func outputIntoAMissingFolderFails() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("no/such/folder/out.dot")
        let line = expectOneErrorLine(try ZooProcess.run(["graph", "lenet5", "--output", path]))
        #expect(line.contains(path), "\(line)")
    }

    @Test func svgWithGraphviz() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let hasDot = path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/dot") }
        let result = try ZooProcess.run(["graph", "lenet5", "--format", "svg"])
        #expect(!result.signaled)
        if hasDot {
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.hasPrefix("<?xml") || result.stdout.contains("<svg"), "\(result.stdout.prefix(200))")
        } else {
            let line = expectOneErrorLine(result)
            #expect(line.contains("graphviz"), "\(line)")
        }
    }

    @Test func svgWithoutGraphvizSaysHowToInstallIt() throws {
        let folder = try TemporaryDirectory()
        let empty = folder.url.appendingPathComponent("empty-bin")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = empty.path
        let output = folder.path("out.svg")
        let result = try ZooProcess.run(["graph", "lenet5", "--format", "svg", "--output", output], environment: environment)
        let line = expectOneErrorLine(result)
        #expect(line.contains("dot"), "\(line)")
        #expect(line.contains("install"), "\(line)")
        #expect(line.contains("graphviz"), "\(line)")
        #expect(!FileManager.default.fileExists(atPath: output), "no output file on failure")
    }
}
