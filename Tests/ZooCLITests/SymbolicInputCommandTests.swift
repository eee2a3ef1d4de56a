import Foundation
import Testing
import ZooCore
import ZooTestSupport

/// Models whose inputs have symbolic height and width (Paddle's `p2o.DynamicDimension.N`):
/// analysis asks for every unbound input in one line with a binding to copy; `zoo run` and
/// `zoo verify --reference` take the sizes from the tensors they are fed.
@Suite("Symbolic input sizes")
struct SymbolicInputCommandTests {
    static let model = Fixtures.path("onnx/symbolic_hw.onnx")
    static let data = Fixtures.path("onnx/symbolic_hw/test_data_set_0")

    @Test func analyzeNamesTheUnboundInputWithABindingToCopy() throws {
        let result = try ZooProcess.run(["analyze", Self.model])
        #expect(result.status == 2 && !result.signaled, "\(result)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("--input-shape x=1,3,224,224"))
        #expect(result.stderr.contains("'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'"))
        // The suggested binding works as printed.
        let bound = try ZooProcess.run(["analyze", Self.model, "--input-shape", "x=1,3,224,224"])
        #expect(bound.status == 0, "\(bound)")
    }

    @Test func runAndVerifyTakeTheSizesFromTheirInputs() throws {
        let folder = try TemporaryDirectory()
        let output = folder.url.appendingPathComponent("y.npy").path
        let run = try ZooProcess.run(["run", Self.model, "--input", Self.data + "/input_0.pb", "--output", output])
        #expect(run.status == 0, "\(run)")
        // onnxruntime's output for the same [2, 3, 20, 24] input (made by fixtures/onnx/make_fixtures.py).
        expectClose(try RunVerifyCommandTests.tensor(output), try RunVerifyCommandTests.tensor(Self.data + "/output_0.pb"))
        let verify = try ZooProcess.run(["verify", Self.model, "--reference", Self.data])
        #expect(verify.status == 0, "\(verify)")
    }

    @Test func everyUnboundInputIsNamedAtOnce() throws {
        let inputs = [
            GraphInput(name: "image", shape: ["N", 3, "h", "w"]), GraphInput(name: "mask", shape: ["N", 1, "h", 32]),
            GraphInput(name: "scale", shape: ["N", 2]),
        ]
        let error = #expect(throws: ZooError.self) { try ShapeInference.checkBound(inputs) }
        let message = try #require(error?.message)
        #expect(message.contains("--input-shape image=1,3,224,224 --input-shape mask=1,1,224,32"), "\(message)")
        #expect(message.contains("input 'image' [N, 3, h, w] with unbound 'h', 'w'; input 'mask' [N, 1, h, 32] with unbound 'h'"), "\(message)")
        #expect(!message.contains("'scale'"))
    }
}
