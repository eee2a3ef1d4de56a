import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// Slice, Split, Gather, Expand and Range through the ONNX reader and writer: the layers each
/// fixture imports as (the values computed by hand from the fixture's construction in
/// fixtures/onnx/make_fixtures.py), and the writer's round trip at every opset.
@Suite("Slice, Split, Gather, Expand through ONNX")
struct SliceGatherONNXTests {
    static func load(_ name: String) throws -> Model { try ONNXReader.load(path: Fixtures.path("onnx/\(name).onnx")) }

    static func layer(_ model: Model, _ name: String) throws -> Layer {
        try #require(model.graph.layers.first { $0.name == name }, "no layer '\(name)'")
    }

    @Test("Split-13 [2, 2, 80] on axis 1 is three slices named by the outputs")
    func splitHead() throws {
        let model = try Self.load("split13_head")
        let expected = [("xy", 0, 2), ("wh", 2, 4), ("cls", 4, 84)]
        for (name, start, end) in expected {
            #expect(try Self.layer(model, name).op == .slice(Slice(starts: [start], ends: [end], axes: [1])), "\(name)")
        }
        let shapes = try ShapeInference.infer(model.graph)
        #expect(shapes["xy"] == ["N", 2, 4, 4] && shapes["wh"] == ["N", 2, 4, 4] && shapes["cls"] == ["N", 80, 4, 4])
    }

    @Test("Split-18 num_outputs 3 of 8 is 3, 3, 2 (ceil(8 / 3), the last smaller); Split-2's attribute on axis -1 the same", arguments: [
        ("split18_variants", 3), ("split11_variants", -1),
    ])
    func splitVariants(_ name: String, _ axis: Int) throws {
        let model = try Self.load(name)
        // axis -1 of [N, 4, 5, 8] is 3.
        for (layer, start, end) in [("left", 0, 3), ("middle", 3, 6), ("right", 6, 8)] {
            #expect(try Self.layer(model, layer).op == .slice(Slice(starts: [start], ends: [end], axes: [3])), "\(name) \(layer)")
        }
        #expect(axis == 3 || axis == -1)
    }

    @Test("Slice-13 with INT64_MAX/INT64_MIN ends and steps 2, -1 gives the clamped sizes")
    func sliceSteps() throws {
        let model = try Self.load("slice13_steps")
        let s1 = try Self.layer(model, "s1")
        #expect(s1.op == .slice(Slice(starts: [1, -1], ends: [Int.max, Int.min], axes: [2, -1], steps: [2, -1])))
        let shapes = try ShapeInference.infer(model.graph)
        // conv [N, 4, 7, 6]; H 1, 3, 5 (3); W 5 down to 0 (6); channels 1:3 (2); W :-1 of 6 (5).
        #expect(shapes["s1"] == ["N", 4, 3, 6])
        #expect(shapes["s2"] == ["N", 2, 3, 6])
        #expect(shapes["s3"] == ["N", 2, 3, 5])
    }

    @Test("Slice-1 (opset 9) reads starts, ends and axes from attributes; the end 1000 clamps to 6")
    func sliceAttributes() throws {
        let model = try Self.load("slice9_attrs")
        #expect(try Self.layer(model, "crop").op == .slice(Slice(starts: [1, 2], ends: [5, 1000], axes: [2, 3])))
        #expect(try ShapeInference.infer(model.graph)["crop"] == ["N", 4, 4, 4])
    }

    @Test("Gather-13: a scalar index drops the axis, a [2, 2] index tensor replaces it")
    func gatherVariants() throws {
        let model = try Self.load("gather13_variants")
        #expect(try Self.layer(model, "pick").op == .gather(Gather(axis: 1, indices: [1], indicesShape: [])))
        #expect(try Self.layer(model, "cols").op == .gather(Gather(axis: -1, indices: [0, -1, 2, 2], indicesShape: [2, 2])))
        let shapes = try ShapeInference.infer(model.graph)
        #expect(shapes["pick"] == ["N", 5, 5])
        #expect(shapes["cols"] == ["N", 5, 2, 2])
    }

    @Test("Expand-13 broadcasts both ways: [N, 1, 5, 1] by [1, 4, 1, 1], then by [5]")
    func expandBias() throws {
        let model = try Self.load("expand13_bias")
        #expect(try Self.layer(model, "gate/expand").op == .expand(Expand(shape: [1, 4, 1, 1])))
        let shapes = try ShapeInference.infer(model.graph)
        #expect(shapes["gate/expand"] == ["N", 4, 5, 1])
        #expect(shapes["wide"] == ["N", 4, 5, 5])
    }

    @Test("Range-11 folds: int64 Range(0, 4, 2) = [0, 2]; float Range(0.5, 3, 1.25) = [0.5, 1.75], cast to [0, 1]")
    func rangeFolds() throws {
        let model = try Self.load("range11_fold")
        #expect(model.graph.layers.map(\.op) == [
            .gather(Gather(axis: 1, indices: [0, 2], indicesShape: [2])), .gather(Gather(axis: 3, indices: [0, 1], indicesShape: [2])),
        ])
        #expect(try model.analyze().totals.params.trainable == 0)
    }

    @Test("Shape-15 start/end and Size fold: 48 / 6 = 8 with [3, 2], then [-1] with [4, 3]")
    func shapeStartEndAndSize() throws {
        let model = try Self.load("shape15_size")
        #expect(model.graph.layers.map(\.op) == [.reshape(Reshape(target: [8, 3, 2])), .reshape(Reshape(target: [-1, 4, 3])), .relu(Relu())])
    }

    static func chain(_ ops: [Op]) throws -> Model {
        let layers = ops.enumerated().map { index, op in Layer("l\(index)", op, inputs: [index == 0 ? "x" : "l\(index - 1)"]) }
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: ["N", 3, 4, 4])], layers: layers, outputs: [GraphOutput(name: "l\(ops.count - 1)")])
        return Model(name: "chain", format: "test", graph: graph)
    }

    @Test("slice, gather and expand written and read back are the same layers at every writer opset", arguments: Array(ONNXWriter.opsets))
    func roundTrip(_ opset: Int) throws {
        let model = try Self.chain([
            .slice(Slice(starts: [1, -1], ends: [Int.max, Int.min], axes: [2, -1], steps: [2, -1])),
            .gather(Gather(axis: 1, indices: [2, 0], indicesShape: [2])),
            .expand(Expand(shape: [3, 1, 1, 1, 4])),
            .gather(Gather(axis: -1, indices: [-1], indicesShape: [])),
        ])
        let back = try ONNXWriter.serialize(model, opset: opset).withUnsafeBytes { try ONNXReader.parse($0, file: "chain.onnx") }
        #expect(back.graph.layers == model.graph.layers, "opset \(opset)")
        // [N, 3, 4, 4] -> [N, 3, 2, 4] -> [N, 2, 2, 4] -> [3, N, 2, 2, 4] -> [3, N, 2, 2].
        #expect(try ShapeInference.infer(back.graph)["l3"] == [3, "N", 2, 2])
    }
}
