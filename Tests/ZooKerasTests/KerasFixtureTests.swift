import Foundation
import Testing
import ZooCore
import ZooExec
import ZooKeras
import ZooONNX
import ZooTestSupport

/// Every Keras fixture (fixtures/keras/manifest.json, made with real Keras 3 and tf-keras by
/// fixtures/keras/make_keras_fixtures.py): parameter and MAC counts as Keras and a hand count
/// give them, outputs as Keras computed them, and each malformed file's error kind.
@Suite("Keras fixtures")
struct KerasFixtureTests {
    struct Entry: Decodable {
        let name: String
        let file: String
        let architecture: String?
        let expect: Expect?
        let error: String?

        struct Expect: Decodable {
            let params_trainable: Int
            let params_non_trainable: Int
            let macs: Int
            let reference: Reference
        }

        struct Reference: Decodable {
            let dir: String
            let inputs: [String]
            let outputs: [String]
            let rtol: Float
            let atol: Float
        }

        func path(_ relative: String) -> String { Fixtures.path(relative) }

        func load() throws -> Model {
            try KerasReader.load(path: path(file), architecture: architecture.map(path))
        }
    }

    struct Manifest: Decodable {
        let fixtures: [Entry]
    }

    static let manifest = Result { () throws -> Manifest in
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("keras/manifest.json"))
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    static var entries: [Entry] { (try? manifest.get().fixtures) ?? [] }

    static var models: [Entry] { entries.filter { $0.expect != nil } }
    static var malformed: [Entry] { entries.filter { $0.error != nil } }

    @Test func theManifestListsModelsAndMalformedFiles() throws {
        _ = try Self.manifest.get()
        #expect(Self.models.count >= 30)
        #expect(Self.malformed.count >= 8)
    }

    /// The reference inputs and outputs of `entry`, in the model's own layout (NHWC).
    static func reference(_ entry: Entry) throws -> (inputs: [Tensor], outputs: [Tensor]) {
        let reference = try #require(entry.expect?.reference)
        let read = { (name: String) in try #require(try TensorFile.read(path: entry.path(reference.dir + "/" + name)).first?.tensor) }
        return (try reference.inputs.map(read), try reference.outputs.map(read))
    }

    /// Runs `graph` on the reference inputs (by position), unfused, with the direct algorithms.
    static func run(_ graph: Graph, _ inputs: [Tensor]) throws -> [Tensor] {
        let named = Dictionary(uniqueKeysWithValues: zip(graph.inputs.map(\.name), inputs))
        let executor = try Executor(graph: graph, inputShapes: named.mapValues(\.shape), options: ExecutionOptions(fusing: false, winograd: false))
        return try executor.run(named).outputs.map(\.tensor)
    }

    @Test(arguments: models.map(\.name))
    func countsAndOutputsMatchKeras(_ name: String) throws {
        let entry = try #require(Self.entries.first { $0.name == name })
        let expect = try #require(entry.expect)
        let model = try entry.load()
        let report = try model.analyze()
        #expect(report.totals.params.trainable == expect.params_trainable, "\(name)")
        #expect(report.totals.params.nonTrainable == expect.params_non_trainable, "\(name)")
        #expect(report.totals.macs == expect.macs, "\(name)")
        let (inputs, outputs) = try Self.reference(entry)
        let actual = try Self.run(model.graph, inputs)
        #expect(actual.count == outputs.count)
        for (index, (a, b)) in zip(actual, outputs).enumerated() {
            expectClose(a, b, rtol: expect.reference.rtol, atol: expect.reference.atol, "\(name) output \(index)")
        }
    }

    /// Keras -> ONNX -> IR, and on to Keras (.keras and legacy .h5) -> IR, computes what
    /// Keras -> IR computes, elementwise within rtol 1e-5, atol 1e-6: the ONNX writer and reader
    /// move weights bit for bit, and the Keras writer's layout rules invert the reader's.
    /// Fixtures whose ONNX form the writer refuses by name: resizing_mini's bicubic Resizing
    /// rounds its tap fractions to TensorFlow's 1/1024 table, which ONNX Resize does not state.
    static let refusedByTheONNXWriter = ["resizing_mini_h5": "TensorFlow's bicubic table", "resizing_mini_keras2_h5": "TensorFlow's bicubic table"]

    @Test(arguments: refusedByTheONNXWriter.sorted { $0.key < $1.key })
    func onnxWriterRefusesByName(_ name: String, _ reason: String) throws {
        let entry = try #require(Self.entries.first { $0.name == name })
        let folder = try TemporaryDirectory()
        let error = #expect(throws: ZooError.self) { try ONNXWriter.write(try entry.load(), to: folder.path("model.onnx"), opset: 18) }
        #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
    }

    @Test(arguments: models.filter { $0.name.hasSuffix("_h5") && !$0.name.contains("weights") && refusedByTheONNXWriter[$0.name] == nil }.map(\.name))
    func kerasToOnnxToKerasAgrees(_ name: String) throws {
        let entry = try #require(Self.entries.first { $0.name == name })
        let model = try entry.load()
        let folder = try TemporaryDirectory()
        let onnx = folder.path("model.onnx")
        // Opset 13, or 21 for a group norm: below 21 it is written as InstanceNormalization and a
        // per-channel Mul and Add, which Keras has no layer for; 18 for an antialiased resize.
        let groupNorm = model.graph.layers.contains { if case .groupNorm = $0.op { true } else { false } }
        let antialias = model.graph.layers.contains { if case .resize(let op) = $0.op { op.antialias } else { false } }
        try ONNXWriter.write(model, to: onnx, opset: groupNorm ? 21 : antialias ? 18 : 13)
        let viaOnnx = try ONNXReader.load(path: onnx)
        let (inputs, _) = try Self.reference(entry)
        let expected = try Self.run(model.graph, inputs)
        let viaOnnxOutputs = try Self.run(viaOnnx.graph, inputs)
        #expect(viaOnnxOutputs.count == expected.count, "\(name) via .onnx: output count")
        for (index, (a, b)) in zip(viaOnnxOutputs, expected).enumerated() {
            expectClose(a, b, rtol: 1e-5, atol: 1e-6, "\(name) via .onnx, output \(index)")
        }
        for suffix in ["keras", "h5"] {
            let path = folder.path("model.\(suffix)")
            try KerasWriter.write(viaOnnx, to: path)
            let back = try KerasReader.load(path: path)
            let backOutputs = try Self.run(back.graph, inputs)
            #expect(backOutputs.count == expected.count, "\(name) via .\(suffix): output count")
            for (index, (a, b)) in zip(backOutputs, expected).enumerated() {
                expectClose(a, b, rtol: 1e-5, atol: 1e-6, "\(name) via .\(suffix), output \(index)")
            }
        }
    }

    @Test(arguments: malformed.map(\.name))
    func malformedFilesGiveTheirErrorKind(_ name: String) throws {
        let entry = try #require(Self.entries.first { $0.name == name })
        let error = #expect(throws: ZooError.self) { _ = try entry.load() }
        #expect(error?.kind.rawValue == entry.error, "\(name): \(error?.description ?? "no error")")
        #expect(error?.file != nil, "\(name): the error names the file")
    }
}
