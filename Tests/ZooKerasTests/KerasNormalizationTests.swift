import Testing
import ZooCore
import ZooExec
import ZooKeras
import ZooTestSupport

/// Layer, group and instance norms and the Average/Maximum/Minimum merges written to `.keras`
/// and legacy `.h5` and read back: the model read back computes what the IR model computes;
/// what Keras cannot state is refused by name.
@Suite("Normalizations and merges through Keras")
struct KerasNormalizationTests {
    private func tensor(_ shape: [Int], _ start: Float, _ step: Float) throws -> Tensor {
        try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { start + Float($0) * step })
    }

    @Test("group norm (per channel and per group), instance norm and layer norm over one and several axes round-trip")
    func normalizations() throws {
        let model = try KerasElementwiseOpsTests.chain([
            .groupNorm(GroupNorm(groups: 3, epsilon: 1e-3, scale: try tensor([3], 0.5, 0.25), bias: try tensor([3], -0.1, 0.1))),
            .instanceNorm(InstanceNorm(scale: try tensor([3], 1.5, -0.25), bias: try tensor([3], 0.2, 0.1))),
            .layerNorm(LayerNorm(axis: 1, epsilon: 1e-4, scale: try tensor([3, 4, 4], 0.5, 0.01), bias: nil)),
            .layerNorm(LayerNorm(scale: nil, bias: try tensor([4], -0.2, 0.1))),
        ])
        try KerasElementwiseOpsTests.expectRoundTrip(model)
        let folder = try TemporaryDirectory()
        let path = folder.path("norms.keras")
        try KerasWriter.write(model, to: path)
        let names = try KerasReader.load(path: path).graph.layers.map(\.op.name)
        #expect(names.filter { $0 == "groupnorm" }.count == 2 && names.filter { $0 == "layernorm" }.count == 2, "\(names)")
    }

    /// How zoo's ONNX writer spells Keras's Normalization: (x - c) / d per channel. Keras's
    /// Normalization(mean c, variance d^2) computes (x - c) / max(sqrt(d^2), 1e-7), the same bits
    /// when sqrt(d^2) = d; a divisor below Keras's epsilon has no such layer.
    @Test("a per-channel sub then div by stored constants is Keras's Normalization, bit for bit; a divisor below 1e-7 is refused")
    func standardization() throws {
        let centre = ConstantOperand(try tensor([1, 3, 1, 1], -0.3, 0.45)), scale = ConstantOperand(try tensor([1, 3, 1, 1], 0.2, 0.37))
        let model = try KerasElementwiseOpsTests.chain([.sub(Sub(constant: centre)), .div(Div(constant: scale))])
        try KerasElementwiseOpsTests.expectRoundTrip(model)
        let folder = try TemporaryDirectory()
        let path = folder.path("standardized.keras")
        try KerasWriter.write(model, to: path)
        #expect(try KerasReader.load(path: path).graph.layers.map(\.op.name) == ["normalization"])
        let tiny = try KerasElementwiseOpsTests.chain([
            .sub(Sub(constant: centre)), .div(Div(constant: ConstantOperand(try tensor([1, 3, 1, 1], 1e-8, 0)))),
        ])
        let error = #expect(throws: ZooError.self) { try KerasWriter.write(tiny, to: folder.path("tiny.keras")) }
        #expect(error?.message.contains("constant operand of shape [1, 3, 1, 1]") == true, "\(String(describing: error))")
    }

    @Test("mean, max and min of runtime tensors are Average, Maximum and Minimum; a constant operand is refused")
    func merges() throws {
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: ["N", 3, 4, 4])],
            layers: [
                Layer("a", .relu(Relu()), inputs: ["x"]),
                Layer("mean", .mean(Mean()), inputs: ["x", "a", "x"]),
                Layer("max", .maximum(Maximum()), inputs: ["mean", "x"]),
                Layer("min", .minimum(Minimum()), inputs: ["max", "a"]),
            ],
            outputs: [GraphOutput(name: "min")])
        try KerasElementwiseOpsTests.expectRoundTrip(Model(name: "merges", format: "test", graph: graph))
        let constant = try KerasElementwiseOpsTests.chain([.maximum(Maximum(constant: ConstantOperand(try tensor([1], 0, 0))))])
        let folder = try TemporaryDirectory()
        let error = #expect(throws: ZooError.self) { try KerasWriter.write(constant, to: folder.path("max.keras")) }
        #expect(error?.kind == .unsupported && error?.message.contains("Maximum merges tensors only") == true, "\(String(describing: error))")
    }
}
