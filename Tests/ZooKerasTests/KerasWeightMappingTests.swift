import Foundation
import Testing
import ZooCore
import ZooKeras
import ZooTestSupport

/// Weights-only files mapped onto an architecture: by layer name, else by order with shape
/// checks, every misfit named in one error.
@Suite("Keras weights onto an architecture")
struct KerasWeightMappingTests {
    static func fixture(_ path: String) -> String { Fixtures.path("keras/" + path) }

    /// `<model>.config.json` (lenet5's by default) with `replacements` applied, written to
    /// `config.json` in a temporary folder that lives as long as the returned value.
    static func architecture(_ replacements: [(String, String)], of model: String = "lenet5") throws -> (path: String, folder: TemporaryDirectory) {
        var text = try String(contentsOfFile: fixture(model + ".config.json"), encoding: .utf8)
        for (old, new) in replacements { text = text.replacingOccurrences(of: old, with: new) }
        let folder = try TemporaryDirectory()
        return (try folder.write(text, to: "config.json"), folder)
    }

    /// The same architecture with every layer renamed (a model rebuilt with other automatic
    /// names): the weights pair up by order and shape, and the outputs are Keras's.
    @Test func renamedLayersTakeTheWeightsByOrder() throws {
        let renamed = ["conv1", "conv2", "fc1", "fc2", "fc3"].map { ("\"\($0)\"", "\"renamed_\($0)\"") }
        let (path, folder) = try Self.architecture(renamed)
        for file in ["lenet5.weights.h5"] {
            let model = try withExtendedLifetime(folder) { try KerasReader.load(path: Self.fixture(file), architecture: path) }
            let entry = try #require(KerasFixtureTests.entries.first { $0.name == "lenet5_h5" })
            let (inputs, outputs) = try KerasFixtureTests.reference(entry)
            let actual = try KerasFixtureTests.run(model.graph, inputs)
            expectClose(actual[0], outputs[0], rtol: 1e-4, atol: 1e-5)
        }
    }

    /// An architecture whose fc2 has 100 units instead of 84 and whose conv2 has 5x5 filters of
    /// 12 instead of 16: both layers are named, with the shapes, in one error.
    @Test func everyMisfitIsNamedInOneError() throws {
        var text = try String(contentsOfFile: Self.fixture("lenet5.config.json"), encoding: .utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var config = try #require(json["config"] as? [String: Any])
        var layers = try #require(config["layers"] as? [[String: Any]])
        for index in layers.indices {
            var layerConfig = try #require(layers[index]["config"] as? [String: Any])
            if layerConfig["name"] as? String == "fc2" { layerConfig["units"] = 100 }
            if layerConfig["name"] as? String == "conv2" { layerConfig["filters"] = 12 }
            layers[index]["config"] = layerConfig
        }
        config["layers"] = layers
        var root = json
        root["config"] = config
        text = String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self)
        let folder = try TemporaryDirectory()
        let path = try folder.write(text, to: "config.json")
        let error = withExtendedLifetime(folder) {
            #expect(throws: ZooError.self) { _ = try KerasReader.load(path: Self.fixture("lenet5.weights.h5"), architecture: path) }
        }
        #expect(error?.kind == .shapeMismatch)
        let message = error?.message ?? ""
        #expect(message.contains("'conv2'") && message.contains("'fc2'"), "\(message)")
        #expect(message.contains("[120, 84]") && message.contains("100"), "\(message)")
    }

    /// Keras's LeNet-5 weights onto zoo's own lenet5 spec, which is channels-first: conv kernels
    /// HWIO -> OIHW, and fc1's rows reordered from Keras's (h, w, c) flatten order — without that
    /// permutation the outputs would differ. Fed the reference image transposed to NCHW, the spec
    /// gives Keras's outputs.
    @Test func kerasWeightsOntoTheZooSpec() throws {
        let entry = try #require(KerasFixtureTests.entries.first { $0.name == "lenet5_h5" })
        let (inputs, outputs) = try KerasFixtureTests.reference(entry)
        let nhwc = inputs[0]
        let values = try #require(nhwc.values)
        let (n, h, w, c) = (nhwc.shape[0], nhwc.shape[1], nhwc.shape[2], nhwc.shape[3])
        var nchw = [Float](repeating: 0, count: values.count)
        for b in 0..<n { for y in 0..<h { for x in 0..<w { for ch in 0..<c {
            nchw[((b * c + ch) * h + y) * w + x] = values[((b * h + y) * w + x) * c + ch]
        } } } }
        for file in ["lenet5.weights.h5", "lenet5_keras2.h5"] {
            let model = try KerasReader.load(path: Self.fixture(file), onto: try Zoo.model(named: "lenet5"))
            #expect(model.layoutRules.contains { $0.hasPrefix("fc1: rows reordered") }, "\(file)")
            let actual = try KerasFixtureTests.run(model.graph, [try Tensor(shape: [n, c, h, w], values: nchw)])
            expectClose(actual[0], outputs[0], rtol: 1e-4, atol: 1e-5, "\(file)")
        }
    }

    /// Keras's upsample_mini weights (Conv2DTranspose kernels (k_h, k_w, filters, C)) onto a zoo
    /// spec of the same layers held channels-first, its crops written out by Keras's rules: up1
    /// 1x1/3 'same' is no crop with output padding 2 (3·3 + 2 + 1 = 12), up2 3x3/2 'same' with
    /// output_padding 0 crops 1 and 1 (2·11 + 3 - 2 = 23), up3 2x2/2 'valid' with output_padding
    /// 1 (2·22 + 1 + 2 = 47). Parameters by hand: 3·4 + 4 = 16, 4·6·9 + 6 = 222, 6·3·4 = 72,
    /// 310 in all; MACs 48·4 + 576·54 + 3,174·12 = 192 + 31,104 + 38,088 = 69,384. Fed Keras's
    /// reference input as NCHW, the spec gives Keras's output.
    @Test func kerasTransposedConvWeightsOntoASpec() throws {
        let spec = try Spec.parse(
            """
            name: upsample_spec
            input: [3, 4, 4]
            layers:
              - up1: {op: conv_transpose, filters: 4, kernel: 1, stride: 3, output_padding: 2}
              - relu1: {op: relu}
              - up2: {op: conv_transpose, filters: 6, kernel: 3, stride: 2, pad: 1}
              - up3: {op: conv_transpose, filters: 3, kernel: 2, stride: 2, output_padding: 1, bias: false}
            """, file: "upsample_spec.yaml")
        let report = try spec.analyze()
        #expect(report.totals.params.trainable == 310)
        #expect(report.totals.macs == 69_384)
        #expect(report.layer("up3")?.outputShape == ["N", 3, 47, 47])
        let entry = try #require(KerasFixtureTests.entries.first { $0.name == "upsample_mini_h5" })
        let (inputs, outputs) = try KerasFixtureTests.reference(entry)
        let model = try KerasReader.load(path: Self.fixture("upsample_mini.weights.h5"), onto: spec)
        #expect(model.layoutRules.contains { $0.hasPrefix("up2: kernel [3, 3, 6, 4] -> [4, 6, 3, 3]") }, "\(model.layoutRules)")
        let actual = try KerasFixtureTests.run(model.graph, [try Self.permuted(inputs[0], [0, 3, 1, 2])])
        expectClose(try Self.permuted(actual[0], [0, 2, 3, 1]), outputs[0], rtol: 1e-4, atol: 1e-5, "upsample_mini onto the spec")
    }

    /// `tensor` with its axes permuted (output axis i is input axis `permutation[i]`), computed here.
    static func permuted(_ tensor: Tensor, _ permutation: [Int]) throws -> Tensor {
        let values = try #require(tensor.values)
        let shape = permutation.map { tensor.shape[$0] }
        func strides(_ shape: [Int]) -> [Int] { (0..<shape.count).map { shape[($0 + 1)...].reduce(1, *) } }
        let (inStrides, outStrides) = (strides(tensor.shape), strides(shape))
        var out = [Float](repeating: 0, count: values.count)
        for index in 0..<values.count {
            var rest = index, source = 0
            for (axis, stride) in outStrides.enumerated() {
                source += (rest / stride) * inStrides[permutation[axis]]
                rest %= stride
            }
            out[index] = values[source]
        }
        return try Tensor(shape: shape, values: out)
    }

    /// A Conv1D with causal padding and a dilation near Int.max (its padding (k - 1) d overflows):
    /// one error naming the arithmetic, not a trap.
    @Test func causalPaddingWithAHugeDilationIsAnError() throws {
        let (path, folder) = try Self.architecture(
            [("\"padding\": \"valid\", \"data_format\": \"channels_last\", \"dilation_rate\": [1]",
              "\"padding\": \"causal\", \"data_format\": \"channels_last\", \"dilation_rate\": [4611686018427387904]")],
            of: "conv1d_mini")
        let error = withExtendedLifetime(folder) {
            #expect(throws: ZooError.self) { try KerasReader.load(path: Self.fixture("conv1d_mini.weights.h5"), architecture: path) }
        }
        #expect(error?.message.contains("dilated kernel") == true, "\(String(describing: error))")
    }
}
