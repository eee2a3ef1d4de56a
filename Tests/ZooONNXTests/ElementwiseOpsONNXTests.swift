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

    static let activations: [Op] = [
        .elu(Elu(alpha: 0.7)), .selu(Selu()), .selu(Selu(alpha: 1.5, gamma: 1.2)), .softplus(Softplus()), .gelu(Gelu()),
        .gelu(Gelu(approximate: .tanh)),
    ]

    static func reread(_ model: Model, opset: Int) throws -> Model {
        try ONNXWriter.serialize(model, opset: opset).withUnsafeBytes { try ONNXReader.parse($0, file: "chain.onnx") }
    }

    @Test("elu, selu, softplus and gelu round-trip from opset 20; before it gelu is written as its function body", arguments: Array(ONNXWriter.opsets))
    func activationsRoundTrip(_ opset: Int) throws {
        let model = try Self.chain(Self.activations)
        let back = try Self.reread(model, opset: opset)
        if opset >= 20 {
            #expect(back.graph.layers == model.graph.layers, "opset \(opset)")
            return
        }
        #expect(Array(back.graph.layers.prefix(4)) == Array(model.graph.layers.prefix(4)), "opset \(opset)")
        // 0.5 x (1 + erf(x / sqrt 2)), then 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x x x))).
        let exact = ["div", "erf", "add", "mul", "mul"]
        let tanh = ["mul", "mul", "mul", "add", "mul", "tanh", "add", "mul", "mul"]
        #expect(back.graph.layers.dropFirst(4).map(\.op.name) == exact + tanh, "opset \(opset)")
        #expect(back.graph.outputs.map(\.name) == ["l5"])
        // The constants are those of ONNX's function body, rounded to float.
        let constants = back.graph.layers.compactMap { layer -> Float? in
            switch layer.op {
            case .div(let op): op.constant?.tensor.values?.first
            case .add(let op): op.constant?.tensor.values?.first
            case .mul(let op): op.constant?.tensor.values?.first
            default: nil
            }
        }
        #expect(constants == [1.41421356, 1, 0.5, 0.044715, 0.797884561, 1, 0.5])
    }

    @Test("pow by one exponent and by a per-channel tensor round-trips at every writer opset", arguments: Array(ONNXWriter.opsets))
    func powRoundTrips(_ opset: Int) throws {
        let model = try Self.chain([.pow(Pow(exponent: 2)), .pow(Pow(exponent: .tensor(try Tensor(shape: [3, 1, 1], values: [0.5, 1, 3]))))])
        #expect(try Self.reread(model, opset: opset).graph.layers == model.graph.layers, "opset \(opset)")
    }

    @Test("prelu with a per-channel, a last-axis and a single slope round-trips at every writer opset", arguments: Array(ONNXWriter.opsets))
    func preluRoundTrips(_ opset: Int) throws {
        let model = try Self.chain([
            .prelu(PRelu(slope: try Tensor(shape: [3, 1, 1], values: [0.25, -0.5, 1]))), .prelu(PRelu(slope: try Tensor(shape: [4], values: [1, 2, 3, 4]))),
            .prelu(PRelu(slope: try Tensor(shape: [1], values: [0.1]))),
        ])
        #expect(try Self.reread(model, opset: opset).graph.layers == model.graph.layers, "opset \(opset)")
    }

    @Test("sqrt, exp, log, neg, abs, reciprocal and erf round-trip at every writer opset", arguments: Array(ONNXWriter.opsets))
    func unaryMathRoundTrips(_ opset: Int) throws {
        let model = try Self.chain(Self.unaryMath)
        let back = try ONNXWriter.serialize(model, opset: opset).withUnsafeBytes { try ONNXReader.parse($0, file: "chain.onnx") }
        #expect(back.graph.layers == model.graph.layers, "opset \(opset)")
    }
}
