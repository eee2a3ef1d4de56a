import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// What real exporters write that zoo's own writer never does: weights made by ConstantOfShape
/// (the ONNX model zoo's light models), Dropout masks nobody reads (opset-9 Caffe2 exports).
@Suite("ONNX exporter habits")
struct ExporterHabitsTests {
    static let onnx = Fixtures.root.appendingPathComponent("onnx")

    @Test("ConstantOfShape weights stay declared by their value: nothing is allocated to analyze them")
    func constantOfShapeWeightsAreDeclared() throws {
        let model = try ONNXReader.load(path: Self.onnx.appendingPathComponent("constant_of_shape_weights.onnx").path)
        let weights = model.graph.layers.flatMap(\.op.weights)
        #expect(weights.count >= 6)
        for weight in weights {
            #expect(weight.tensor.storage == nil && weight.tensor.fill != nil, "\(weight.name) \(weight.tensor)")
        }
        // Written out on demand, every element is the fill.
        let first = try #require(weights.first)
        let filled = try #require(try first.tensor.filledOut())
        #expect(filled.values == Array(repeating: try #require(first.tensor.fill), count: first.tensor.count))
    }

    @Test("a declared fill survives a reshape and a permutation, and a materialized tensor has no fill")
    func fillSurvivesShapeChanges() throws {
        let declared = try Tensor.declared(shape: [4, 6], fill: 0.25)
        #expect(try declared.reshaped([2, 12]) == Tensor.declared(shape: [2, 12], fill: 0.25))
        #expect(try declared.permuted([1, 0]) == Tensor.declared(shape: [6, 4], fill: 0.25))
        #expect(try declared != Tensor.declared(shape: [4, 6], fill: 0.5))
        #expect(try declared != Tensor.declared(shape: [4, 6]))
        #expect(try Tensor(shape: [2], values: [1, 2]).filledOut() == nil)
        #expect(throws: ZooError.self) { try declared.reshaped([5, 5]) }
    }

    @Test("a Dropout mask nothing reads is left out; a mask the graph gives is refused by name")
    func dropoutMasks() throws {
        let model = try ONNXReader.load(path: Self.onnx.appendingPathComponent("dropout9_mask.onnx").path)
        #expect(model.graph.layers.contains { $0.op.name == "dropout" })
        let error = #expect(throws: ZooError.self) {
            try ONNXReader.load(path: Self.onnx.appendingPathComponent("dropout9_mask_read.onnx").path)
        }
        #expect(error?.kind == .unsupported)
        #expect(error?.message.contains("'dropout_mask'") == true, "\(String(describing: error))")
    }
}
