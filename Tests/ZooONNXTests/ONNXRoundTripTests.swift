import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// IR -> ONNX -> IR gives back the same graph for every network of the zoo: the same ops,
/// attributes and names, and bit-identical weights (Tensor equality compares bit patterns).
@Suite("ONNX round trip")
struct ONNXRoundTripTests {
    static let networks = Zoo.names

    func weighted(_ name: String) throws -> Model {
        var model = try Zoo.model(named: name)
        model.graph = try RandomWeights.instantiate(model.graph, seed: 7)
        return model
    }

    func reread(_ bytes: [UInt8], name: String) throws -> Model {
        try bytes.withUnsafeBytes { try ONNXReader.parse($0, file: "\(name).onnx") }
    }

    @Test("IR -> ONNX -> IR is the identity", arguments: networks)
    func roundTrip(_ name: String) throws {
        let model = try weighted(name)
        let back = try reread(try ONNXWriter.serialize(model), name: name)
        #expect(back.graph.inputs == model.graph.inputs)
        #expect(back.graph.outputs == model.graph.outputs)
        #expect(back.graph.layers.count == model.graph.layers.count)
        for (original, read) in zip(model.graph.layers, back.graph.layers) where original != read {
            Issue.record("layer '\(original.name)' differs: \(original) vs \(read)")
        }
    }

    @Test("the same graph gives the same bytes", arguments: ["lenet5", "googlenet"])
    func deterministic(_ name: String) throws {
        let model = try weighted(name)
        #expect(try ONNXWriter.serialize(model) == ONNXWriter.serialize(model))
    }

    @Test("an ONNX copy analyzes to the zoo's totals", arguments: ["resnet18", "mobilenet", "alexnet2012"])
    func analysisAgrees(_ name: String) throws {
        let model = try weighted(name)
        let back = try reread(try ONNXWriter.serialize(model), name: name)
        let original = try model.analyze(), copy = try back.analyze()
        #expect(copy.totals == original.totals)
    }

    @Test("every opset from 11 to 25 round-trips lenet5 and mobilenetv2", arguments: Array(ONNXWriter.opsets))
    func opsets(_ opset: Int) throws {
        for name in ["lenet5", "mobilenetv2"] {
            let model = try weighted(name)
            let back = try reread(try ONNXWriter.serialize(model, opset: opset), name: name)
            #expect(back.graph == model.graph, "\(name) at opset \(opset)")
        }
    }

    @Test("external data: the weights go beside the model and read back bit-identical")
    func externalData() throws {
        let model = try weighted("resnet18")
        let folder = try TemporaryDirectory()
        let path = folder.path("resnet18.onnx")
        try ONNXWriter.write(model, to: path, externalData: true)
        let modelBytes = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let dataBytes = try #require(try FileManager.default.attributesOfItem(atPath: path + ".data")[.size] as? Int)
        // 11,699,112 float32 parameters, less the small tensors (under 1 KiB) kept inline.
        #expect(dataBytes > 46_000_000 && modelBytes < 200_000, "model \(modelBytes) B, data \(dataBytes) B")
        #expect(try ONNXReader.load(path: path).graph == model.graph)
        #expect(try folder.contents() == ["resnet18.onnx", "resnet18.onnx.data"])
    }

    @Test("writing refuses a spec without weights, naming the layer")
    func declaredWeightsAreRefused() throws {
        let model = try Zoo.model(named: "lenet5")
        let error = #expect(throws: ZooError.self) { try ONNXWriter.serialize(model) }
        #expect(error?.kind == .missingWeight)
        #expect(error?.layer == "conv1")
    }
}
