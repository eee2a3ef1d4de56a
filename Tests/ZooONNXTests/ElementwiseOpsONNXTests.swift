import Testing
import ZooCore
import ZooONNX

/// The element-wise ops without a dedicated fixture of their own written to ONNX and read back:
/// every writer opset gives the same IR layers (the reader maps each node type back to the op
/// the writer took it from, attributes and constants bit for bit).
@Suite("Element-wise ops through ONNX")
struct ElementwiseOpsONNXTests {
    /// `x [N, 3, 4, 4]` through `ops` in a chain, the layers named `l0`, `l1`, ...
    static func chain(_ ops: [Op]) throws -> Model {
        let layers = ops.enumerated().map { index, op in Layer("l\(index)", op, inputs: [index == 0 ? "x" : "l\(index - 1)"]) }
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: ["N", 3, 4, 4])], layers: layers, outputs: [GraphOutput(name: "l\(ops.count - 1)")])
        return Model(name: "chain", format: "test", graph: graph)
    }

    static let unaryMath: [Op] = [
        .abs(Abs()), .sqrt(Sqrt()), .neg(Neg()), .exp(Exp()), .reciprocal(Reciprocal()), .log(Log()), .erf(Erf()),
    ]

    @Test("sqrt, exp, log, neg, abs, reciprocal and erf round-trip at every writer opset", arguments: Array(ONNXWriter.opsets))
    func unaryMathRoundTrips(_ opset: Int) throws {
        let model = try Self.chain(Self.unaryMath)
        let back = try ONNXWriter.serialize(model, opset: opset).withUnsafeBytes { try ONNXReader.parse($0, file: "chain.onnx") }
        #expect(back.graph.layers == model.graph.layers, "opset \(opset)")
    }
}
