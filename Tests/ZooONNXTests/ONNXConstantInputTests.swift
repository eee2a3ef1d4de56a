import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// Graph inputs that are weights (the ONNX node tests pass Conv's W so) bound to constants.
@Suite("ONNX graph inputs bound to constants")
struct ONNXConstantInputTests {
    static let path = Fixtures.path("onnx-node/conv_weight_input.onnx")

    @Test func unboundWeightInputIsRefusedByName() {
        let error = #expect(throws: ZooError.self) { _ = try ONNXReader.load(path: Self.path) }
        #expect(error?.kind == .unsupported)
        #expect(error?.message.contains("'W'") == true)
    }

    @Test func boundWeightInputBecomesTheConvKernel() throws {
        let kernel = try Tensor(shape: [1, 1, 3, 3], values: (1...9).map(Float.init))
        let model = try ONNXReader.load(path: Self.path, constants: ["W": kernel])
        // Only x stays a graph input; the conv holds W: 1 x 1 x 3 x 3 = 9 parameters, and
        // 5 x 5 outputs x 9 = 225 MACs (pads 1 keep 5x5).
        #expect(model.graph.inputs.map(\.name) == ["x"])
        guard case .conv(let conv) = model.graph.layers.first?.op else {
            Issue.record("the first layer must be the conv")
            return
        }
        #expect(conv.kernel == kernel)
        let report = try model.analyze()
        #expect(report.totals.params.trainable == 9)
        #expect(report.totals.macs == 225)
    }
}
