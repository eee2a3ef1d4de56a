import Testing
import ZooCore
import ZooExec
import ZooKeras
import ZooTestSupport

/// Cropping1D/2D read as slices of the spatial axes (crop_mini, made by real Keras, is checked
/// against Keras's outputs by the fixture tests) and written back as Cropping layers; other
/// slices, gathers and expands are refused by name.
@Suite("Keras cropping")
struct KerasCroppingTests {
    @Test("crop_mini's crops read as slices of the channels-first spatial axes, a 0 end as INT64_MAX")
    func croppingReadsAsSlices() throws {
        let model = try KerasReader.load(path: Fixtures.path("keras/crop_mini.keras"))
        func op(_ name: String) throws -> Op { try #require(model.graph.layers.first { $0.name == name }, "\(name)").op }
        #expect(try op("crop_asym") == .slice(Slice(starts: [1, 3], ends: [-2, Int.max], axes: [2, 3])))
        #expect(try op("crop_sym") == .slice(Slice(starts: [1, 1], ends: [-1, -1], axes: [2, 3])))
        #expect(try op("crop_1d") == .slice(Slice(starts: [2], ends: [-3], axes: [2])))
        #expect(try op("crop_cf") == .slice(Slice(starts: [0, 1], ends: [-1, -1], axes: [2, 3])))
        let shapes = try ShapeInference.infer(model.graph)
        // 10x12 -> 7x9 -> 5x7; 35 - 2 - 3 = 30; the channels-first crop of 7x9 -> 6x7.
        #expect(shapes["crop_asym"] == ["N", 4, 7, 9])
        #expect(shapes["crop_sym"] == ["N", 4, 5, 7])
        #expect(shapes["crop_1d"] == ["N", 4, 30])
    }

    static func graph(_ op: Op, input: Shape) throws -> Model {
        let graph = try Graph(inputs: [GraphInput(name: "x", shape: input)], layers: [Layer("crop", op, inputs: ["x"])], outputs: [GraphOutput(name: "crop")])
        return Model(name: "crop", format: "test", graph: graph)
    }

    @Test("a spatial crop is written as Cropping2D/1D and read back computing the same", arguments: [
        (Slice(starts: [1, 0], ends: [4, Int.max], axes: [2, 3]), [2, 3, 6, 5] as [Int]),
        (Slice(starts: [2, -4], ends: [-1, 100], axes: [-2, -1]), [1, 2, 5, 6]),
        (Slice(starts: [1], ends: [-2], axes: [2]), [2, 3, 7]),
    ])
    func croppingRoundTrip(_ slice: Slice, _ shape: [Int]) throws {
        let model = try Self.graph(.slice(slice), input: Shape(shape))
        let x = try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { Float($0) * 0.5 - 3 })
        let expected = try Executor(graph: model.graph, inputShapes: ["x": x.shape]).run(["x": x]).outputs[0].tensor
        let folder = try TemporaryDirectory()
        for suffix in ["keras", "h5"] {
            let path = folder.path("crop.\(suffix)")
            try KerasWriter.write(model, to: path)
            let back = try KerasReader.load(path: path)
            let input = back.graph.inputs[0]
            let y = try Executor(graph: back.graph, inputShapes: [input.name: x.shape]).run([input.name: x]).outputs[0].tensor
            expectClose(y, expected, rtol: 0, atol: 0, ".\(suffix)")
        }
    }

    @Test("a slice with a step, of the channels, a gather and an expand are refused by name", arguments: [
        Op.slice(Slice(starts: [0], ends: [4], axes: [2], steps: [2])), .slice(Slice(starts: [1], ends: [2], axes: [1])),
        .gather(Gather(axis: 1, indices: [0])), .expand(Expand(shape: [2, 1, 1, 1])),
    ])
    func refused(_ op: Op) throws {
        let folder = try TemporaryDirectory()
        let error = #expect(throws: ZooError.self) { try KerasWriter.write(try Self.graph(op, input: [1, 3, 6, 6]), to: folder.path("m.keras")) }
        #expect(error?.kind == .unsupported && error?.layer == "crop", "\(error?.message ?? "")")
    }
}
