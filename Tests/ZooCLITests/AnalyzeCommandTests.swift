import Foundation
import Testing
import ZooTestSupport

@Suite("zoo analyze")
struct AnalyzeCommandTests {
    /// The names `zoo list --format json` gives.
    static func builtinNames() throws -> [String] {
        let result = try ZooProcess.run(["list", "--format", "json"])
        #expect(result.status == 0, "\(result)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return rows.compactMap { $0["name"] as? String }
    }

    @Test func jsonForEveryBuiltinNetwork() throws {
        let names = try Self.builtinNames()
        #expect(names.count == 9, "\(names)")
        for name in names {
            let result = try ZooProcess.run(["analyze", name, "--format", "json"])
            #expect(result.status == 0 && !result.signaled, "\(name): \(result)")
            #expect(result.stderr.isEmpty, "\(name): \(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
            let report = try #require(object as? [String: Any], "\(name): the report must be a JSON object")
            #expect(report["model"] as? String == name)
            let layers = try #require(report["layers"] as? [[String: Any]], "\(name): no layers")
            #expect(!layers.isEmpty, "\(name)")
            #expect(report["inputs"] is [[String: Any]], "\(name)")
            #expect(report["outputs"] is [[String: Any]], "\(name)")
        }
    }

    @Test(arguments: ["csv", "markdown", "table"])
    func otherFormats(_ format: String) throws {
        let result = try ZooProcess.run(["analyze", "lenet5", "--format", format])
        #expect(result.status == 0 && !result.signaled, "\(result)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(result.stdout.contains("conv1"), "\(result.stdout.prefix(500))")
        switch format {
        case "csv": #expect(result.stdout.hasPrefix("name,op,"), "\(result.stdout.prefix(200))")
        case "markdown": #expect(result.stdout.contains("| "), "\(result.stdout.prefix(200))")
        default: #expect(result.stdout.contains("fc3"))
        }
    }

    @Test func defaultFormatIsTheTable() throws {
        let table = try ZooProcess.run(["analyze", "lenet5", "--format", "table"])
        let plain = try ZooProcess.run(["analyze", "lenet5"])
        #expect(plain.status == 0)
        #expect(plain.stdout == table.stdout)
    }

    @Test func badFormatIsAUsageErrorWithStatus2() throws {
        let result = try ZooProcess.run(["analyze", "lenet5", "--format", "xml"])
        #expect(!result.signaled)
        #expect(result.status == 2, "argument-parser's 64 must be mapped to 2: \(result)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("zoo: error: "), "\(result.stderr)")
        #expect(result.stderr.contains("xml"), "\(result.stderr)")
    }

    @Test func unknownNetworkSuggestsTheClosest() throws {
        let line = expectOneErrorLine(try ZooProcess.run(["analyze", "resnet19"]))
        #expect(line.contains("'resnet19'"), "\(line)")
        #expect(line.contains("Did you mean 'resnet18'?"), "\(line)")
    }

    @Test(arguments: ["input=1,x", "input", "input=", "=1,1,32,32", "input=1,0,32,32", "input=1,1,32,32,", "foo=1,1,32,32"])
    func malformedInputShape(_ binding: String) throws {
        let line = expectOneErrorLine(try ZooProcess.run(["analyze", "lenet5", "--input-shape", binding]))
        #expect(line.contains("input") || line.contains("--input-shape"), "\(line)")
    }

    @Test func bindingAConcreteDimensionToAnotherValue() throws {
        let line = expectOneErrorLine(try ZooProcess.run(["analyze", "lenet5", "--input-shape", "input=1,3,32,32"]))
        #expect(line.contains("[N, 1, 32, 32]"), "\(line)")
        #expect(line.contains("3"), "\(line)")
    }

    @Test func bindingTheBatchWorks() throws {
        let result = try ZooProcess.run(["analyze", "lenet5", "--input-shape", "input=2,1,32,32", "--format", "json"])
        #expect(result.status == 0, "\(result)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let inputs = try #require(report["inputs"] as? [[String: Any]])
        #expect(inputs.first?["shape"] as? [Int] == [2, 1, 32, 32])
    }

    @Test func analyzeASpecFile() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            """
            name: tiny
            input: [3, 32, 32]
            layers:
              - conv1: {op: conv, filters: 16, kernel: 3, pad: 1, activation: relu}
              - pool1: {op: maxpool, kernel: 2}
              - flatten
              - fc: {op: dense, units: 10}
            """)
        let result = try ZooProcess.run(["analyze", path, "--format", "json"])
        #expect(result.status == 0, "\(result)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let layers = try #require(report["layers"] as? [[String: Any]])
        #expect(layers.compactMap { $0["name"] as? String } == ["conv1", "conv1/relu", "pool1", "flatten", "fc"])
        let params = layers.compactMap { ($0["params"] as? [String: Any])?["trainable"] as? Int }
        // conv: (3 x 3 x 3 + 1) x 16 = 448; fc: (16 x 16 x 16 + 1) x 10 = 40,970.
        #expect(params == [448, 0, 0, 0, 40_970])
    }
}
