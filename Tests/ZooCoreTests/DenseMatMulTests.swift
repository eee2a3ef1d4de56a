import Testing
import ZooCore

/// Dense over the last axis: weight [out, in] or [in, out]; params (in + 1) out with a bias;
/// MACs = in·out per position of the leading axes; FLOPs = 2 MACs (+ 1 per output with a bias).
struct DenseCase: Sendable, CustomTestStringConvertible {
    let label: String
    let input: Shape
    let weight: [Int]
    let bias: Bool
    let output: Shape
    let params: Int
    let macs: Int
    let flops: Int
    var testDescription: String { label }
}

let denseCases: [DenseCase] = [
    // params 400·120 + 120 = 48,120; MACs 48,000; FLOPs 96,000 + 120 = 96,120.
    DenseCase(label: "LeNet fc1 400->120", input: [1, 400], weight: [120, 400], bias: true,
              output: [1, 120], params: 48_120, macs: 48_000, flops: 96_120),
    // params 120·84 + 84 = 10,164; MACs 10,080; FLOPs 20,160 + 84 = 20,244.
    DenseCase(label: "LeNet fc2 120->84", input: ["N", 120], weight: [84, 120], bias: true,
              output: ["N", 84], params: 10_164, macs: 10_080, flops: 20_244),
    // params 84·10 + 10 = 850; MACs 840; FLOPs 1,680 + 10 = 1,690.
    DenseCase(label: "LeNet fc3 84->10", input: [1, 84], weight: [10, 84], bias: true,
              output: [1, 10], params: 850, macs: 840, flops: 1_690),
    // params 25,088·4,096 + 4,096 = 102,760,448 + 4,096 = 102,764,544 (Keras fc1); MACs 102,760,448;
    // FLOPs 205,520,896 + 4,096 = 205,524,992.
    DenseCase(label: "VGG-16 fc1 25088->4096", input: [1, 25_088], weight: [4_096, 25_088], bias: true,
              output: [1, 4_096], params: 102_764_544, macs: 102_760_448, flops: 205_524_992),
    // rank 3, no bias: params 8·16 = 128; MACs 5·8·16 = 640 (5 positions); FLOPs 1,280.
    DenseCase(label: "rank 3, no bias", input: ["N", 5, 16], weight: [8, 16], bias: false,
              output: ["N", 5, 8], params: 128, macs: 640, flops: 1_280),
    // rank 1: params 16·4 + 4 = 68; MACs 64; FLOPs 128 + 4 = 132.
    DenseCase(label: "rank 1", input: [16], weight: [4, 16], bias: true,
              output: [4], params: 68, macs: 64, flops: 132),
    // rank 4, last axis: params 4·5 + 5 = 25; MACs 2·3·5·4 = 120; FLOPs 240 + 2·3·5 = 270.
    DenseCase(label: "rank 4 over the last axis", input: [1, 2, 3, 4], weight: [5, 4], bias: true,
              output: [1, 2, 3, 5], params: 25, macs: 120, flops: 270),
]

/// MatMul with NumPy semantics: [..., M, K] x [..., K, N] -> [..., M, N], leading axes broadcast,
/// rank-1 operands promoted ([K] -> [1, K] first, [K] -> [K, 1] second) and the axis removed.
/// MACs = M K N per broadcast batch element; FLOPs = 2 MACs.
struct MatMulCase: Sendable, CustomTestStringConvertible {
    let label: String
    let a: Shape
    let b: Shape
    let output: Shape
    let macs: Int
    var testDescription: String { label }
}

let matMulCases: [MatMulCase] = [
    // M 2, K 3, N 4: MACs 2·3·4 = 24.
    MatMulCase(label: "matrix x matrix", a: [2, 3], b: [3, 4], output: [2, 4], macs: 24),
    // both rank 1: a dot product, output a scalar; MACs 5.
    MatMulCase(label: "vector . vector", a: [5], b: [5], output: [], macs: 5),
    // [3] -> [1, 3]; batch [] with [2] -> [2]; [2, 1, 4] with M removed -> [2, 4]; MACs 2·1·3·4 = 24.
    MatMulCase(label: "rank-1 first operand", a: [3], b: [2, 3, 4], output: [2, 4], macs: 24),
    // [4] -> [4, 1]; [2, 3, 1] with N removed -> [2, 3]; MACs 2·3·4·1 = 24.
    MatMulCase(label: "rank-1 second operand", a: [2, 3, 4], b: [4], output: [2, 3], macs: 24),
    // batch [2, 1] with [5] -> [2, 5]; output [2, 5, 3, 6]; MACs 2·5·3·4·6 = 720.
    MatMulCase(label: "broadcast batch axes", a: [2, 1, 3, 4], b: [5, 4, 6], output: [2, 5, 3, 6], macs: 720),
    // batch [N] with [] -> [N]; MACs per sample 8·16·32 = 4,096.
    MatMulCase(label: "symbolic batch times a matrix", a: ["N", 8, 16], b: [16, 32], output: ["N", 8, 32], macs: 4_096),
    // batch [1, 3] with [4, 1] -> [4, 3]; output [4, 3, 2, 2]; MACs 4·3·2·5·2 = 240.
    MatMulCase(label: "broadcast both ways", a: [1, 3, 2, 5], b: [4, 1, 5, 2], output: [4, 3, 2, 2], macs: 240),
]

@Suite("Dense and MatMul")
struct DenseMatMulTests {
    /// Each case twice: the weight `[out, in]` as listed and stored `[in, out]` (Keras's order),
    /// which is the same layer.
    @Test("dense shape, parameters, MACs, FLOPs", arguments: denseCases, Dense.WeightOrder.allCases)
    func dense(_ c: DenseCase, order: Dense.WeightOrder) throws {
        let shape = order == .outIn ? c.weight : [c.weight[1], c.weight[0]]
        let op = Dense(weight: try OpTestKit.declared(shape), bias: c.bias ? try OpTestKit.declared([c.weight[0]]) : nil, weightOrder: order)
        let (output, cost, step) = try OpTestKit.evaluate(op, [c.input])
        #expect(output == c.output)
        #expect(OpTestKit.counts(op.weights).trainable == c.params)
        #expect(cost == Cost(macs: c.macs, flops: c.flops))
        #expect(step == .reduce(axes: [c.input.rank - 1]))
        #expect(op.weights.map(\.name) == (c.bias ? ["weight", "bias"] : ["weight"]))
    }

    /// An input whose last axis does not match the weight's `in` axis is refused for either order.
    @Test("dense refuses mismatched features", arguments: Dense.WeightOrder.allCases)
    func denseMismatch(order: Dense.WeightOrder) throws {
        let op = Dense(weight: try OpTestKit.declared(order == .outIn ? [4, 16] : [16, 4]), bias: nil, weightOrder: order)
        #expect(throws: ZooError.self) { try op.outputShape(inputs: [[1, 4]]) }
        #expect(op.units == 4 && op.features == 16)
    }

    @Test("matmul shape, MACs, FLOPs", arguments: matMulCases)
    func matMul(_ c: MatMulCase) throws {
        let (output, cost, step) = try OpTestKit.evaluate(MatMul(), [c.a, c.b])
        #expect(output == c.output)
        #expect(cost == Cost(macs: c.macs, flops: 2 * c.macs))
        #expect(step == .matMul)
        #expect(MatMul().weights.isEmpty)
    }
}
