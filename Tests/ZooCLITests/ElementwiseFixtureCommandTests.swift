import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// The element-wise ops fixtures (fixtures/onnx/unary_ops20.onnx: Elu, Selu, Gelu none and
/// tanh, Softplus, Exp, Sqrt, Reciprocal, Log, Abs, Neg, Erf; pow15.onnx: Pow by constants;
/// prelu16.onnx: PRelu slopes) end to end: zoo's outputs against onnxruntime's, the ONNX
/// rewrite below Gelu's opset against zoo's own run of the original, and the same bits for any
/// thread count.
@Suite("Element-wise ops fixture end to end")
struct ElementwiseFixtureCommandTests {
    static let model = Fixtures.path("onnx/unary_ops20.onnx")
    static let data = Fixtures.path("onnx/unary_ops20/test_data_set_0")

    @Test("zoo verify passes against onnxruntime's outputs", arguments: ["unary_ops20", "pow15", "prelu16"])
    func verifiesAgainstOnnxruntime(_ name: String) throws {
        let result = try ZooProcess.run(["verify", Fixtures.path("onnx/\(name).onnx"), "--reference", Fixtures.path("onnx/\(name)")])
        #expect(result.status == 0, "\(result)")
    }

    @Test("written at opset 13, gelu is its function body and the file computes what the original does")
    func geluBeforeOpset20() throws {
        let folder = try TemporaryDirectory()
        let output = folder.path("unary_ops13.onnx")
        let result = try ZooProcess.run(["convert", Self.model, output, "--opset", "13", "--verify"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("verified: every compared value is within the tolerance"), "\(result)")
        let written = try ONNXReader.load(path: output)
        #expect(written.onnxOpset == 13)
        let names = Set(written.graph.layers.map(\.op.name))
        #expect(!names.contains("gelu") && names.isSuperset(of: ["erf", "tanh", "elu", "selu", "softplus"]), "\(names.sorted())")
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let folder = try TemporaryDirectory()
        var outputs: [[Tensor]] = []
        for threads in ["1", "2"] {
            let path = folder.path("y\(threads).npz")
            let result = try ZooProcess.run(["run", Self.model, "--input", Self.data + "/input_0.pb", "--threads", threads, "--output", path])
            #expect(result.status == 0, "\(result)")
            outputs.append(try TensorFile.read(path: path).map(\.tensor))
        }
        #expect(outputs[0].count == 2)
        #expect(outputs[0] == outputs[1], "bit-identical outputs with 1 and 2 threads")
    }
}
