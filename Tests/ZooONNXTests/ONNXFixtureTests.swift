import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// The ONNX fixtures of fixtures/manifest.json: for each model, the parameters, MACs, inputs
/// and outputs the Python generator computed from the graph itself; for each malformed file,
/// the error kind. (fixtures/onnx/make_fixtures.py and make_tf_fixtures.py made them; the
/// Swift tests only read them.)
@Suite("ONNX fixtures")
struct ONNXFixtureTests {
    /// A value's name and dims as the manifest gives them (nil for a symbolic dimension).
    struct Value: Sendable {
        let name: String
        let dims: [Int?]
    }

    struct Expectation: Sendable {
        let trainable: Int
        let nonTrainable: Int
        let macs: Int
        let inputs: [Value]
        let outputs: [Value]
        /// Shapes bound to symbolic inputs before analysis (`expect.input_shape`), for models
        /// whose height and width are symbolic: the figures are for these shapes.
        let inputShapes: [String: Shape]
    }

    struct Entry: Sendable, CustomStringConvertible {
        let name: String
        let file: String
        let expect: Expectation?
        let error: String?
        /// A zoo spec of the same network (fixtures/specs), when the generator wrote one.
        let spec: String?
        var description: String { name }
    }

    static func values(_ list: Any?) -> [Value] {
        ((list as? [[String: Any]]) ?? []).map { item in
            Value(name: item["name"] as? String ?? "", dims: ((item["shape"] as? [Any]) ?? []).map { $0 as? Int })
        }
    }

    static let entries: [Entry] = {
        guard let data = try? Data(contentsOf: Fixtures.root.appendingPathComponent("manifest.json")),
            let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let fixtures = manifest["fixtures"] as? [[String: Any]]
        else { return [] }
        return fixtures.compactMap { fixture in
            guard fixture["format"] as? String == "onnx", let name = fixture["name"] as? String, let file = fixture["file"] as? String else { return nil }
            var expectation: Expectation?
            if let expect = fixture["expect"] as? [String: Any], let params = expect["params"] as? [String: Any] {
                let bound = (expect["input_shape"] as? [String: [Int]] ?? [:]).mapValues { Shape($0) }
                expectation = Expectation(
                    trainable: params["trainable"] as? Int ?? -1, nonTrainable: params["non_trainable"] as? Int ?? -1,
                    macs: expect["macs"] as? Int ?? -1, inputs: values(expect["inputs"]), outputs: values(expect["outputs"]), inputShapes: bound)
            }
            let spec = (fixture["expect"] as? [String: Any])?["zoo_spec"] as? String
            return Entry(name: name, file: file, expect: expectation, error: fixture["error"] as? String, spec: spec)
        }
    }()

    static var models: [Entry] { entries.filter { $0.expect != nil } }
    static var malformed: [Entry] { entries.filter { $0.error != nil } }

    @Test func manifestListsFixtures() {
        #expect(Self.models.count >= 20, "fixtures/manifest.json should list the ONNX models; run `make fixtures`")
        #expect(Self.malformed.count >= 10)
    }

    func load(_ entry: Entry) throws -> Model {
        try ONNXReader.load(path: Fixtures.path(entry.file), inputShapes: entry.expect?.inputShapes ?? [:])
    }

    @Test("a model analyzes to the figures the generator computed", arguments: models)
    func analyzes(_ entry: Entry) throws {
        let expect = try #require(entry.expect)
        let report = try load(entry).analyze()
        #expect(report.totals.params.trainable == expect.trainable, "trainable parameters")
        #expect(report.totals.params.nonTrainable == expect.nonTrainable, "non-trainable parameters")
        #expect(report.totals.macs == expect.macs, "MACs")
        for (kind, values, expected) in [("inputs", report.inputs, expect.inputs), ("outputs", report.outputs, expect.outputs)] {
            #expect(values.map(\.name) == expected.map(\.name), "\(kind) names")
            // The manifest's shapes are the file's own; bound inputs (and what follows) differ.
            guard expect.inputShapes.isEmpty else { continue }
            for (value, item) in zip(values, expected) {
                #expect(value.shape.rank == item.dims.count, "\(kind) '\(value.name)' rank")
                for (dim, want) in zip(value.shape.dims, item.dims) {
                    // A concrete size must match; a symbolic one may carry another name.
                    #expect(dim.value == want, "\(kind) '\(value.name)' \(value.shape) vs \(item.dims)")
                }
            }
        }
    }

    @Test("an ONNX network analyzes to the totals of the zoo spec of the same network", arguments: entries.filter { $0.spec != nil })
    func matchesSpec(_ entry: Entry) throws {
        let spec = try #require(entry.spec)
        // A path under fixtures/, or the name of a built-in network.
        let fromSpec = try (spec.contains("/") ? Spec.load(path: Fixtures.path(spec)) : Zoo.model(named: spec)).analyze()
        let fromONNX = try load(entry).analyze()
        #expect(fromONNX.totals.params == fromSpec.totals.params)
        #expect(fromONNX.totals.macs == fromSpec.totals.macs)
        #expect(fromONNX.totals.flops == fromSpec.totals.flops)
    }

    @Test("a malformed file gives its error kind, with the file named", arguments: malformed)
    func refuses(_ entry: Entry) throws {
        let error = #expect(throws: ZooError.self) { _ = try self.load(entry) }
        #expect(error?.kind.rawValue == entry.error)
        #expect(error?.file?.hasSuffix(URL(fileURLWithPath: entry.file).lastPathComponent) == true, "\(String(describing: error))")
    }
}
