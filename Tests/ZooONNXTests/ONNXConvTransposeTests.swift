import Foundation
import Testing
import ZooCore
import ZooONNX

/// ConvTranspose written to ONNX and read back: explicit `pads` and `output_padding` always
/// (an output reaching past the full output folded into the output padding), refusals by name
/// where ONNX runtimes have no spelling.
@Suite("ONNX ConvTranspose")
struct ONNXConvTransposeTests {
    /// A tensor of `shape` with the values 0.5, 0.75, 1, ... (materialized, so it can be written).
    static func tensor(_ shape: [Int]) throws -> Tensor {
        try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { 0.5 + 0.25 * Float($0) })
    }

    static func model(_ op: ConvTranspose, input: Shape) throws -> Model {
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: input)],
            layers: [Layer("up", .convTranspose(op), inputs: ["x"]), Layer("relu", .relu(Relu()), inputs: ["up"])],
            outputs: [GraphOutput(name: "relu")])
        return Model(name: "convtranspose", format: "test", graph: graph)
    }

    static func reread(_ model: Model, opset: Int = 13) throws -> Model {
        let bytes = try ONNXWriter.serialize(model, opset: opset)
        return try bytes.withUnsafeBytes { try ONNXReader.parse($0, file: "convtranspose.onnx") }
    }

    @Test("explicit crops, output padding, groups and dilation read back as the same graph", arguments: [11, 13, 22, 25])
    func explicitRoundTrip(opset: Int) throws {
        let op = ConvTranspose(
            kernel: try Self.tensor([4, 3, 3, 2]), bias: try Self.tensor([6]), stride: [2, 3], dilation: [2, 1],
            padding: .explicit(begin: [1, 0], end: [2, 1]), outputPadding: [1, 2], groups: 2)
        let model = try Self.model(op, input: ["N", 4, 5, 4])
        let back = try Self.reread(model, opset: opset)
        #expect(back.graph == model.graph)
    }

    /// `same` and `output_shape` are written resolved. ONNX's test_convtranspose_output_shape
    /// (stride (3, 2), output shape [10, 8] on 3x3, full 9 and 7) ends one element past the full
    /// output on both axes: pads 0 and output_padding (1, 1). SAME_LOWER with kernel 4, stride 2 on
    /// (4, 5): target 8 and 10, full 2·3 + 4 = 10 and 2·4 + 4 = 12, totals 2 -> pads 1 on every edge.
    @Test("same padding and output shapes are written as pads and output_padding of the same output")
    func resolvedOnWriting() throws {
        let cases: [(ConvTranspose, Shape, [Int], [Int])] = [
            (ConvTranspose(kernel: try Self.tensor([1, 2, 3, 3]), bias: nil, stride: [3, 2], padding: .same(extra: .beginning), outputShape: [10, 8]),
             [1, 1, 3, 3], [0, 0, 0, 0], [1, 1]),
            (ConvTranspose(kernel: try Self.tensor([2, 3, 4, 4]), bias: try Self.tensor([3]), stride: [2, 2], padding: .same(extra: .beginning)),
             [1, 2, 4, 5], [1, 1, 1, 1], [0, 0]),
        ]
        for (op, input, pads, outputPadding) in cases {
            let back = try Self.reread(try Self.model(op, input: input))
            guard case .convTranspose(let read) = back.graph.layers.first?.op else {
                Issue.record("the first layer must be the transposed conv")
                continue
            }
            #expect(read.padding == .explicit(begin: Array(pads.prefix(2)), end: Array(pads.suffix(2))))
            #expect(read.outputPadding == outputPadding)
            #expect(read.outputShape == nil)
            #expect(try read.outputShape(inputs: [input]) == op.outputShape(inputs: [input]))
            #expect(read.kernel == op.kernel && read.bias == op.bias)
        }
    }

    @Test("an output starting before the full output, or output padding at the stride, is refused by name")
    func refusals() throws {
        // SAME_UPPER, kernel 1, stride 3 on 4: target 12, full 10, total -2 -> begin crop -1.
        let early = ConvTranspose(kernel: try Self.tensor([1, 1, 1]), bias: nil, stride: [3], padding: .same(extra: .end))
        let error = #expect(throws: ZooError.self) { _ = try ONNXWriter.serialize(try Self.model(early, input: [1, 1, 4])) }
        #expect(error?.kind == .unsupported)
        #expect(error?.layer == "up")
        #expect(error?.message.contains("starts before the full output (begin crops [-1])") == true, "\(String(describing: error))")
        // Stride 1 and dilation 2 allow an output padding of 1 (ONNX's text), which onnxruntime refuses.
        let padded = ConvTranspose(kernel: try Self.tensor([1, 1, 3]), bias: nil, dilation: [2], outputPadding: [1])
        let second = #expect(throws: ZooError.self) { _ = try ONNXWriter.serialize(try Self.model(padded, input: [1, 1, 4])) }
        #expect(second?.kind == .unsupported)
        #expect(second?.message.contains("below the stride 1") == true, "\(String(describing: second))")
    }
}
