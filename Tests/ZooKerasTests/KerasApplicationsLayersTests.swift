import Foundation
import Testing
import ZooCore
import ZooExec
import ZooKeras
import ZooONNX
import ZooTestSupport

/// What keras.applications' models need beyond plain layers: Keras 3 raw operations
/// (ops_mini), Normalization, LayerScale and CustomScaleLayer (scale_mini). Both fixtures are
/// made by real Keras 3; their parameter counts and outputs are checked against Keras's by the
/// fixture tests; here, how each reads, what the writers make of it, and the refusals.
@Suite("Keras applications layers")
struct KerasApplicationsLayersTests {
    static func load(_ name: String) throws -> Model { try KerasReader.load(path: Fixtures.path("keras/\(name).keras")) }

    static func op(_ model: Model, _ name: String) throws -> Op {
        try #require(model.graph.layers.first { $0.name == name }, "\(name)").op
    }

    static func scalar(_ value: Float, first: Bool = false) throws -> ConstantOperand {
        ConstantOperand(try Tensor(shape: [], values: [value]), isFirst: first, isStored: false)
    }

    @Test("raw operations with a number read as the IR op with an unstored scalar operand, of two tensors as the broadcasting op")
    func operations() throws {
        let model = try Self.load("ops_mini")
        #expect(try Self.op(model, "plus3") == .add(Add(constant: try Self.scalar(3))))
        #expect(try Self.op(model, "times_sixth") == .mul(Mul(constant: try Self.scalar(Float(1.0 / 6.0)))))
        #expect(try Self.op(model, "two_minus") == .sub(Sub(constant: try Self.scalar(2, first: true))))
        #expect(try Self.op(model, "quarter") == .div(Div(constant: try Self.scalar(4))))
        #expect(try Self.op(model, "square") == .pow(Pow(exponent: 2)))
        #expect(try Self.op(model, "negate") == .neg(Neg()))
        #expect(try Self.op(model, "magnitude") == .abs(Abs()))
        #expect(try Self.op(model, "root") == .sqrt(Sqrt()))
        #expect(try Self.op(model, "exp") == .exp(Exp()))
        #expect(try Self.op(model, "sum_se") == .add(Add()))
        #expect(try Self.op(model, "ratio") == .div(Div()))
        // The scalar operands are attributes, not parameters: conv 3·3·3·4 + 4 = 112, se_conv 4·4 + 4 = 20,
        // dense_nhwc 4·5 + 5 = 25, fc 36·5·3 + 3 = 543: 700, as Keras counts.
        let report = try model.analyze()
        #expect(report.totals.params.trainable == 700)
        #expect(report.totals.params.nonTrainable == 0)
        let shapes = try ShapeInference.infer(model.graph)
        // [N, 4, 6, 6] + [N, 4, 1, 1]: both held channels-first.
        #expect(shapes["sum_se"] == ["N", 4, 6, 6])
    }

    @Test("Normalization: given statistics are constants, adapted ones non-trainable weights with their count; LayerScale and CustomScaleLayer")
    func scalingLayers() throws {
        let model = try Self.load("scale_mini")
        guard case .normalization(let given) = try Self.op(model, "given_stats") else { Issue.record("given_stats"); return }
        #expect(!given.isStored && given.count == nil)
        // The graph input is NHWC, so the statistics lie along its last axis.
        #expect(given.mean.shape == [1, 1, 3] && given.mean.values == [0.5, -0.25, 0.1])
        #expect(given.variance.values == [4, 0.25, Float(1e-16)])
        #expect(given.epsilon == Float(1e-7))
        guard case .normalization(let scalar) = try Self.op(model, "given_scalar") else { Issue.record("given_scalar"); return }
        #expect(scalar.mean.shape == [] && scalar.mean.values == [0.2] && scalar.variance.values == [2.25])
        // Rescaling by lists: per channel of the NHWC input, constants.
        let scale = ConstantOperand(try Tensor(shape: [1, 1, 3], values: [1, 0.5, 2]), isStored: false)
        #expect(try Self.op(model, "per_channel/scale") == .mul(Mul(constant: scale)))
        let offset = ConstantOperand(try Tensor(shape: [1, 1, 3], values: [0, 0.1, -0.2]), isStored: false)
        #expect(try Self.op(model, "per_channel") == .add(Add(constant: offset)))
        guard case .normalization(let adapted) = try Self.op(model, "adapted") else { Issue.record("adapted"); return }
        #expect(adapted.isStored && adapted.mean.shape == [4, 1, 1] && adapted.count?.count == 1)
        guard case .mul(let layerScale) = try Self.op(model, "layer_scale") else { Issue.record("layer_scale"); return }
        #expect(layerScale.constant?.isStored == true && layerScale.constant?.tensor.shape == [4, 1, 1])
        #expect(try Self.op(model, "custom_scale/scale") == .mul(Mul(constant: try Self.scalar(0.17))))
        #expect(try Self.op(model, "custom_scale") == .add(Add()))
        // conv 3·3·3·4 + 4 = 112, residual 4·4 + 4 = 20, gamma 4, fc 4·3 + 3 = 15: 151 trainable;
        // the adapted statistics 4 + 4 and the count 1: 9 non-trainable, as Keras counts.
        let report = try model.analyze()
        #expect(report.totals.params.trainable == 151)
        #expect(report.totals.params.nonTrainable == 9)
    }

    @Test("(x - mean) / max(sqrt(variance), 1e-7) by hand, the variance below epsilon^2 floored")
    func normalizationByHand() throws {
        let norm = Normalization(
            mean: try Tensor(shape: [2, 1], values: [1, -2]), variance: try Tensor(shape: [2, 1], values: [4, 1e-16]), isStored: false)
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: [1, 2, 2])], layers: [Layer("norm", .normalization(norm), inputs: ["x"])], outputs: [GraphOutput(name: "norm")])
        let x = try Tensor(shape: [1, 2, 2], values: [3, -1, -2, -1.9])
        let y = try Executor(graph: graph, inputShapes: ["x": x.shape]).run(["x": x]).outputs[0].tensor
        // (3 - 1) / 2 = 1, (-1 - 1) / 2 = -1; sqrt(1e-16) = 1e-8 < 1e-7: (-2 + 2) / 1e-7 = 0, (-1.9 + 2) / 1e-7 = 1e6.
        let expected = try Tensor(shape: [1, 2, 2], values: [1, -1, 0, (Float(-1.9) + 2) / Float(1e-7)])
        expectClose(y, expected, rtol: 1e-6, atol: 0, "normalization")
    }

    /// scale_mini's architecture with `edit` applied to its JSON text, read with its weights.
    static func loadEdited(_ name: String, _ edit: (String) -> String) throws -> Model {
        let text = try String(contentsOfFile: Fixtures.path("keras/\(name).config.json"), encoding: .utf8)
        let edited = edit(text)
        #expect(edited != text, "the edit changes the configuration")
        let folder = try TemporaryDirectory()
        let path = folder.path("config.json")
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        return try KerasReader.load(path: Fixtures.path("keras/\(name).weights.h5"), architecture: path)
    }

    @Test("invert=True, a LayerScale of another module and an operation zoo does not read are refused by name")
    func refusals() throws {
        let inverted = #expect(throws: ZooError.self) {
            _ = try Self.loadEdited("scale_mini") { $0.replacingOccurrences(of: "\"invert\": false", with: "\"invert\": true") }
        }
        #expect(inverted?.kind == .unsupported && inverted?.message.contains("invert") == true, "\(inverted?.message ?? "")")
        let foreign = #expect(throws: ZooError.self) {
            _ = try Self.loadEdited("scale_mini") { $0.replacingOccurrences(of: "keras.src.applications.convnext", with: "my_layers") }
        }
        #expect(foreign?.kind == .unsupported && foreign?.message.contains("my_layers.LayerScale ('layer_scale')") == true, "\(foreign?.message ?? "")")
        let sine = #expect(throws: ZooError.self) {
            _ = try Self.loadEdited("ops_mini") {
                $0.replacingOccurrences(of: "\"class_name\": \"Exp\"", with: "\"class_name\": \"Sin\"")
            }
        }
        #expect(sine?.kind == .unsupported && sine?.message.contains("keras.src.ops.numpy.Sin ('exp')") == true, "\(sine?.message ?? "")")
    }

    @Test("Normalization is written back as Normalization (weights or constants), a per-channel stored product as LayerScale, both read back computing the same")
    func scalingRoundTrip() throws {
        let model = try Self.load("scale_mini")
        let (inputs, _) = try KerasFixtureTests.reference(try #require(KerasFixtureTests.entries.first { $0.name == "scale_mini_keras" }))
        let expected = try KerasFixtureTests.run(model.graph, inputs)
        let folder = try TemporaryDirectory()
        let path = folder.path("m.keras")
        try KerasWriter.write(model, to: path)
        let back = try KerasReader.load(path: path)
        // Rescaling by lists is written as two Rescaling layers (the scale, then the offset): their outputs are compared below.
        for name in ["given_stats", "given_scalar", "adapted", "layer_scale"] {
            #expect(try Self.op(back, name) == Self.op(model, name), "\(name)")
        }
        expectClose(try KerasFixtureTests.run(back.graph, inputs)[0], expected[0], rtol: 0, atol: 0, ".keras")
        let (before, after) = (try model.analyze().totals.params, try back.analyze().totals.params)
        #expect(before.trainable == after.trainable && before.nonTrainable == after.nonTrainable)
        // Keras 3 cannot load keras.applications' LayerScale from a legacy .h5.
        let error = #expect(throws: ZooError.self) { try KerasWriter.write(model, to: folder.path("m.h5")) }
        #expect(error?.kind == .unsupported && error?.layer == "layer_scale", "\(error?.message ?? "")")
        // Without it, the .h5 holds the three Normalization layers.
        let layers = model.graph.layers.filter { $0.name != "layer_scale" }.map { layer -> Layer in
            Layer(layer.name, layer.op, inputs: layer.inputs.map { $0 == "layer_scale" ? "adapted" : $0 }, frozen: layer.frozen)
        }
        let cut = Model(name: "cut", format: "test", graph: try Graph(inputs: model.graph.inputs, layers: layers, outputs: model.graph.outputs))
        try KerasWriter.write(cut, to: folder.path("cut.h5"))
        let cutBack = try KerasReader.load(path: folder.path("cut.h5"))
        #expect(try Self.op(cutBack, "adapted") == Self.op(cut, "adapted"))
        expectClose(try KerasFixtureTests.run(cutBack.graph, inputs)[0], try KerasFixtureTests.run(cut.graph, inputs)[0], rtol: 0, atol: 0, ".h5")
    }

    @Test("Keras -> ONNX -> IR computes what Keras -> IR computes: the raw operations and Normalization as Sub and Div")
    func onnxRoundTrip() throws {
        for name in ["ops_mini", "scale_mini"] {
            let entry = try #require(KerasFixtureTests.entries.first { $0.name == "\(name)_keras" })
            let model = try entry.load()
            let folder = try TemporaryDirectory()
            let onnx = folder.path("model.onnx")
            try ONNXWriter.write(model, to: onnx, opset: 13)
            let viaOnnx = try ONNXReader.load(path: onnx)
            let (inputs, _) = try KerasFixtureTests.reference(entry)
            expectClose(try KerasFixtureTests.run(viaOnnx.graph, inputs)[0], try KerasFixtureTests.run(model.graph, inputs)[0], rtol: 1e-6, atol: 0, "\(name)")
        }
    }
}
