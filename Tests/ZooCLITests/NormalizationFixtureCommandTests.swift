import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// The reduction, variadic, normalization and softmax-axis fixtures end to end: zoo's outputs
/// against onnxruntime's, the decomposed LayerNorm against the LayerNormalization-17 fixture,
/// the layers it is reported as, and the files zoo writes (LayerNormalization below opset 17 as
/// its function body) against zoo's own run of the original.
@Suite("Reductions and normalizations fixtures end to end")
struct NormalizationFixtureCommandTests {
    static let fixtures = [
        "reduce11", "reduce18", "layernorm_decomposed", "layernorm_decomposed_nchw", "layernorm17", "layernorm17_axis1", "norms18", "norms21",
        "variadic13", "softmax_axes13",
    ]

    @Test("zoo verify passes against onnxruntime's outputs", arguments: fixtures)
    func verifiesAgainstOnnxruntime(_ name: String) throws {
        let result = try ZooProcess.run(["verify", Fixtures.path("onnx/\(name).onnx"), "--reference", Fixtures.path("onnx/\(name)")])
        #expect(result.status == 0, "\(result)")
    }

    @Test("the decomposed LayerNorm run on layernorm17's input gives layernorm17's output, and stays those layers")
    func decomposedEqualsLayerNormalization17() throws {
        let result = try ZooProcess.run([
            "verify", Fixtures.path("onnx/layernorm_decomposed.onnx"), "--reference", Fixtures.path("onnx/layernorm17"), "--rtol", "1e-4",
            "--atol", "1e-5",
        ])
        #expect(result.status == 0, "\(result)")
        let model = try ONNXReader.load(path: Fixtures.path("onnx/layernorm_decomposed.onnx"))
        #expect(model.graph.layers.map(\.op.name) == ["reducemean", "sub", "pow", "reducemean", "add", "sqrt", "div", "mul", "add"])
    }

    @Test("written at a lower opset and read back, each computes what the original does", arguments: [
        ("layernorm17", "13"), ("layernorm17_axis1", "17"), ("reduce18", "13"), ("reduce11", "18"), ("norms21", "21"), ("norms21", "13"), ("norms18", "21"), ("norms18", "18"), ("variadic13", "13"),
        ("softmax_axes13", "13"),
    ])
    func convertsAndVerifies(_ name: String, _ opset: String) throws {
        let folder = try TemporaryDirectory()
        let output = folder.path("\(name)_\(opset).onnx")
        let result = try ZooProcess.run(["convert", Fixtures.path("onnx/\(name).onnx"), output, "--opset", opset, "--verify"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("verified: every compared value is within the tolerance"), "\(result)")
    }

    @Test("layernorm below opset 17 is written as its function body, groupnorm below 21 through InstanceNormalization")
    func writerSpellings() throws {
        let folder = try TemporaryDirectory()
        let output = folder.path("ln13.onnx")
        #expect(try ZooProcess.run(["convert", Fixtures.path("onnx/layernorm17.onnx"), output, "--opset", "13"]).status == 0)
        let names = Set(try ONNXReader.load(path: output).graph.layers.map(\.op.name))
        #expect(!names.contains("layernorm") && names.isSuperset(of: ["reducemean", "sqrt", "div"]), "\(names.sorted())")
        let grouped = folder.path("gn18.onnx")
        #expect(try ZooProcess.run(["convert", Fixtures.path("onnx/norms21.onnx"), grouped, "--opset", "18"]).status == 0)
        let kinds = try ONNXReader.load(path: grouped).graph.layers.map(\.op.name)
        #expect(!kinds.contains("groupnorm") && kinds.filter { $0 == "instancenorm" }.count == 2, "\(kinds)")
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let folder = try TemporaryDirectory()
        var outputs: [[Tensor]] = []
        for threads in ["1", "2"] {
            let path = folder.path("y\(threads).npz")
            let result = try ZooProcess.run([
                "run", Fixtures.path("onnx/norms21.onnx"), "--input", Fixtures.path("onnx/norms21/test_data_set_0/input_0.pb"), "--threads", threads,
                "--output", path,
            ])
            #expect(result.status == 0, "\(result)")
            outputs.append(try TensorFile.read(path: path).map(\.tensor))
        }
        #expect(outputs[0] == outputs[1], "bit-identical outputs with 1 and 2 threads")
    }
}
