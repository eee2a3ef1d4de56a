import Foundation
import Testing
import ZooTestSupport

/// A spec file with one mistake, and what `zoo analyze` must say about it.
struct BadSpec: Sendable, CustomTestStringConvertible {
    let label: String
    let yaml: String
    /// Text on the offending line; the error must name that line (nil: no line expected).
    let marker: String?
    /// The layer the error must name, where there is one.
    let layer: String?
    /// Fragments the message must contain: the rule and the received values.
    let fragments: [String]

    var testDescription: String { label }
}

@Suite("Bad specs: status 2, one error line with file, line, layer, rule and values")
struct BadSpecTests {
    static let cases: [BadSpec] = [
        BadSpec(
            label: "unknown op suggests the closest",
            yaml: """
                name: t
                input: [3, 32, 32]
                layers:
                  - conv1: {op: convv, filters: 16, kernel: 3}
                """,
            marker: "convv", layer: "conv1",
            fragments: ["unknown 'convv'", "Did you mean 'conv'?"]),
        BadSpec(
            label: "unknown block suggests the closest",
            yaml: """
                name: t
                input: [3, 32, 32]
                blocks:
                  basic:
                    params: [filters, kernel: 3]
                    layers:
                      - conv: {op: conv, filters: $filters, kernel: $kernel}
                layers:
                  - b1: {block: basics, args: [16]}
                """,
            marker: "basics", layer: "b1",
            fragments: ["unknown 'basics'", "Did you mean 'basic'?"]),
        BadSpec(
            label: "misspelled argument suggests the closest",
            yaml: """
                name: t
                input: [3, 32, 32]
                layers:
                  - relu
                  - conv1: {op: conv, filter: 16, kernel: 3}
                """,
            marker: "filter:", layer: "conv1",
            fragments: ["unknown argument 'filter'", "Did you mean 'filters'?", "conv takes the arguments"]),
        BadSpec(
            label: "misspelled block parameter suggests the closest",
            yaml: """
                name: t
                input: [3, 32, 32]
                blocks:
                  basic:
                    params: [filters, kernel: 3]
                    layers:
                      - conv: {op: conv, filters: $filters, kernel: $kernel}
                layers:
                  - relu
                  - b1: {block: basic, filtres: 16}
                """,
            marker: "filtres", layer: "b1",
            fragments: ["unknown parameter 'filtres'", "Did you mean 'filters'?", "block 'basic'"]),
        BadSpec(
            label: "missing required argument",
            yaml: """
                name: t
                input: [3, 32, 32]
                layers:
                  - relu
                  - conv1: {op: conv, kernel: 3}
                """,
            marker: "conv1", layer: "conv1",
            fragments: ["conv needs the argument 'filters'"]),
        BadSpec(
            label: "channel mismatch at an add of branches (16 vs 32)",
            yaml: """
                name: t
                input: [3, 32, 32]
                layers:
                  - conv0: {op: conv, filters: 16, kernel: 3, pad: 1}
                  - sum:
                      op: add
                      branches:
                        - [conv_a: {op: conv, filters: 16, kernel: 3, pad: 1}]
                        - [conv_b: {op: conv, filters: 32, kernel: 3, pad: 1}]
                """,
            marker: "- sum:", layer: "sum",
            fragments: ["add", "[N, 16, 32, 32]", "[N, 32, 32, 32]", "16 vs 32"]),
        BadSpec(
            label: "concat spatial mismatch",
            yaml: """
                name: t
                input: [3, 32, 32]
                layers:
                  - cat:
                      op: concat
                      branches:
                        - [conv_a: {op: conv, filters: 8, kernel: 3, pad: 1}]
                        - [conv_b: {op: conv, filters: 8, kernel: 3}]
                """,
            marker: "- cat:", layer: "cat",
            fragments: ["concat", "[N, 8, 32, 32]", "[N, 8, 30, 30]"]),
        BadSpec(
            label: "kernel 0",
            yaml: """
                name: t
                input: [3, 32, 32]
                layers:
                  - conv1: {op: conv, filters: 16, kernel: 0}
                """,
            marker: "kernel: 0", layer: "conv1",
            fragments: ["kernel must be at least 1", "[0, 0]"]),
        BadSpec(
            label: "stride 0",
            yaml: """
                name: t
                input: [3, 32, 32]
                layers:
                  - conv1: {op: conv, filters: 16, kernel: 3}
                  - pool1: {op: maxpool, kernel: 2, stride: 0}
                """,
            marker: "stride: 0", layer: "pool1",
            fragments: ["stride must be at least 1", "[0, 0]"]),
        BadSpec(
            label: "negative kernel",
            yaml: """
                name: t
                input: [3, 32, 32]
                layers:
                  - conv1: {op: conv, filters: 16, kernel: [3, -3]}
                """,
            marker: "kernel: [3, -3]", layer: "conv1",
            fragments: ["kernel must be at least 1", "[3, -3]"]),
        BadSpec(
            label: "window larger than its input",
            yaml: """
                name: t
                input: [3, 8, 8]
                layers:
                  - conv1: {op: conv, filters: 16, kernel: 3}
                  - pool1: {op: maxpool, kernel: 7}
                """,
            marker: "pool1", layer: "pool1",
            fragments: ["window must fit", "[N, 16, 6, 6]", "[7, 7]"]),
        BadSpec(
            label: "cycle via inputs names the layers on it",
            yaml: """
                name: t
                input: [3, 8, 8]
                layers:
                  - stem: {op: relu}
                  - a: {op: relu, inputs: [c]}
                  - b: {op: sigmoid, inputs: [a]}
                  - c: {op: tanh, inputs: [b]}
                """,
            marker: "- a:", layer: "a",
            fragments: ["cycle", "'a'", "'b'", "'c'"]),
        BadSpec(
            label: "undefined input",
            yaml: """
                name: t
                input: [3, 8, 8]
                layers:
                  - a: {op: relu}
                  - b: {op: relu, inputs: [nowhere]}
                """,
            marker: "nowhere", layer: "b",
            fragments: ["undefined input 'nowhere'"]),
        BadSpec(
            label: "duplicate layer name",
            yaml: """
                name: t
                input: [3, 8, 8]
                layers:
                  - a: {op: relu}
                  - b: {op: sigmoid}
                  - a: {op: tanh}
                """,
            marker: "op: tanh", layer: "a",
            fragments: ["unique", "'a' again", "line 4"]),
        BadSpec(
            label: "unbound symbolic dimension mentions --input-shape",
            yaml: """
                name: t
                input: [3, H, W]
                layers:
                  - conv1: {op: conv, filters: 8, kernel: 3}
                """,
            marker: "input: [3, H, W]", layer: nil,
            fragments: ["--input-shape", "'H'", "'W'"]),
        BadSpec(
            label: "invalid YAML names the line",
            yaml: """
                name: t
                input: [3, 8, 8]
                layers:
                  - relu
                   bad: indent
                """,
            marker: "bad: indent", layer: nil,
            fragments: ["valid YAML"]),
        BadSpec(
            label: "YAML alias is refused",
            yaml: """
                name: t
                input: [3, 8, 8]
                layers:
                  - a: &cfg {op: relu}
                  - b: *cfg
                """,
            // The anchor is the first construct refused; the alias that would expand it follows.
            marker: "&cfg", layer: nil,
            fragments: ["alias"]),
        BadSpec(
            label: "YAML alias bomb is refused quickly",
            yaml: """
                name: t
                input: [3, 8, 8]
                description: &a0 [x, x, x, x, x, x, x, x, x, x]
                source: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
                blocks: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
                outputs: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]
                layers: [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]
                """,
            marker: "&a0", layer: nil,
            fragments: ["alias"]),
        BadSpec(
            label: "huge repeat count",
            yaml: """
                name: t
                input: [3, 8, 8]
                blocks:
                  r:
                    params: []
                    layers:
                      - relu
                layers:
                  - many: {block: r, repeat: 1000000000}
                """,
            marker: "repeat: 1000000000", layer: "many",
            fragments: ["repeat", "1000000000"]),
        BadSpec(
            label: "unknown top-level key suggests the closest",
            yaml: """
                name: t
                input: [3, 8, 8]
                layrs:
                  - relu
                """,
            marker: "layrs", layer: nil,
            fragments: ["unknown key 'layrs'", "Did you mean 'layers'?"]),
    ]

    @Test(arguments: cases)
    func reportsTheMistake(_ spec: BadSpec) throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(spec.yaml)
        let result = try ZooProcess.run(["analyze", path])
        let line = expectOneErrorLine(result)
        if let marker = spec.marker {
            let number = try #require(lineNumber(of: marker, in: spec.yaml), "marker '\(marker)' not in the spec")
            #expect(line.hasPrefix("zoo: error: \(path):\(number): "), "the error must name \(path):\(number): \(line)")
        } else {
            #expect(line.contains(path), "the error must name the file: \(line)")
        }
        if let layer = spec.layer {
            #expect(line.contains("layer '\(layer)'"), "the error must name layer '\(layer)': \(line)")
        }
        #expect(line.contains("Received:"), "the error must state the received values: \(line)")
        for fragment in spec.fragments {
            #expect(line.contains(fragment), "the error must contain '\(fragment)': \(line)")
        }
    }

    @Test func unboundSymbolSucceedsOnceBound() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            """
            name: t
            input: [3, H, W]
            layers:
              - conv1: {op: conv, filters: 8, kernel: 3}
            """)
        let result = try ZooProcess.run(["analyze", path, "--input-shape", "input=1,3,64,64", "--format", "json"])
        #expect(result.status == 0 && !result.signaled, "\(result)")
        #expect(result.stderr.isEmpty)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let layers = try #require(json["layers"] as? [[String: Any]])
        let conv = try #require(layers.first { $0["name"] as? String == "conv1" })
        #expect((conv["output_shape"] as? [Int]) == [1, 8, 62, 62])
    }

    @Test func emptyFile() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("")
        let line = expectOneErrorLine(try ZooProcess.run(["analyze", path]))
        #expect(line.contains(path), "\(line)")
        #expect(line.contains("empty"), "\(line)")
    }

    @Test func nonUTF8File() throws {
        let folder = try TemporaryDirectory()
        let bytes = Data("name: t\ninput: [3, 8, 8]\nlayers:\n  - ".utf8) + Data([0xFF, 0xFE, 0xC3]) + Data(": {op: relu}\n".utf8)
        let path = try folder.write(bytes, to: "spec.yaml")
        let line = expectOneErrorLine(try ZooProcess.run(["analyze", path]))
        #expect(line.contains(path), "\(line)")
        #expect(line.contains("UTF-8"), "\(line)")
    }

    @Test func missingFile() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("absent.yaml")
        let line = expectOneErrorLine(try ZooProcess.run(["analyze", path]))
        #expect(line.contains(path), "\(line)")
        #expect(line.contains("does not exist"), "\(line)")
    }

    @Test func directory() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("model.yaml")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let line = expectOneErrorLine(try ZooProcess.run(["analyze", path]))
        #expect(line.contains(path), "\(line)")
        #expect(line.contains("directory"), "\(line)")
    }

    @Test func unknownExtensionAndContent() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("hello, this is not a model\n", to: "notes.txt")
        let line = expectOneErrorLine(try ZooProcess.run(["analyze", path]))
        #expect(line.contains(path), "\(line)")
        #expect(line.contains(".yaml"), "the error must list the accepted kinds: \(line)")
    }

    @Test func everyModelCommandReportsTheSameError() throws {
        let folder = try TemporaryDirectory()
        let yaml = """
            name: t
            input: [3, 32, 32]
            layers:
              - conv1: {op: convv, filters: 16, kernel: 3}
            """
        let path = try folder.write(yaml)
        for command in [["analyze", path], ["graph", path], ["explain", path, "conv1"]] {
            let line = expectOneErrorLine(try ZooProcess.run(command))
            #expect(line.hasPrefix("zoo: error: \(path):4: layer 'conv1': "), "\(command[0]): \(line)")
            #expect(line.contains("Did you mean 'conv'?"), "\(command[0]): \(line)")
        }
    }
}
