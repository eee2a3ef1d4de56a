import Testing
import ZooCore
import ZooExec

/// The transposed-convolution kernel on examples whose outputs come from outside zoo: the ONNX
/// operator documentation's example, and small scatters worked out by hand.
@Suite("ConvTranspose examples")
struct ConvTransposeExampleTests {
    /// ONNX's ConvTranspose example (docs/Operators.md, `test_convtranspose`): x = 0 ... 8 as
    /// 3x3, a (1, 2, 3, 3) kernel of ones; both output channels are the published 5x5.
    @Test func onnxDocumentationExample() throws {
        let x = try Tensor(shape: [1, 1, 3, 3], values: (0..<9).map(Float.init))
        let op = ConvTranspose(kernel: try Tensor(shape: [1, 2, 3, 3], values: Array(repeating: 1, count: 18)), bias: nil)
        let published: [Float] = [
            0, 1, 3, 3, 2,
            3, 8, 15, 12, 7,
            9, 21, 36, 27, 15,
            9, 20, 33, 24, 13,
            6, 13, 21, 15, 8,
        ]
        let y = try ExecTestKit.run(.convTranspose(op), [x])
        #expect(y.shape == [1, 2, 5, 5])
        #expect(y.values == published + published)
    }

    /// x = (1, 2), w = (1, -1, 2), stride 2: x_0 w lands on 0...2 and x_1 w on 2...4:
    /// (1, -1, 2, 0, 0) + (0, 0, 2, -2, 4) = (1, -1, 4, -2, 4). Crops 1 and 1 keep (-1, 4, -2);
    /// output padding 1 appends an element no product reaches; a bias is added everywhere.
    @Test(arguments: [
        (Padding.valid, 0, Float(0), [Float(1), -1, 4, -2, 4]),
        (.explicit(begin: [1], end: [1]), 0, 0, [-1, 4, -2]),
        (.valid, 1, 0.5, [1.5, -0.5, 4.5, -1.5, 4.5, 0.5]),
        // same, upper: target 2·2 = 4, full 5, total 1 -> crop the end.
        (.same(extra: .end), 0, 0, [1, -1, 4, -2]),
        (.same(extra: .beginning), 0, 0, [-1, 4, -2, 4]),
    ])
    func scatterByHand(padding: Padding, outputPadding: Int, bias: Float, expected: [Float]) throws {
        let op = ConvTranspose(
            kernel: try Tensor(shape: [1, 1, 3], values: [1, -1, 2]), bias: try Tensor(shape: [1], values: [bias]), stride: [2],
            padding: padding, outputPadding: [outputPadding])
        let y = try ExecTestKit.run(.convTranspose(op), [try Tensor(shape: [1, 1, 2], values: [1, 2])])
        #expect(y.shape == [1, 1, expected.count])
        #expect(y.values == expected)
    }

    /// Two groups: input channel 0 feeds output channels 0 and 1 only, channel 1 feeds 2 and 3.
    /// x = (1 | 10) at one position, kernel 1x1 with weights (1, 2 | 3, 4): y = (1, 2, 30, 40).
    @Test func groupsKeepTheirChannels() throws {
        let op = ConvTranspose(kernel: try Tensor(shape: [2, 2, 1, 1], values: [1, 2, 3, 4]), bias: nil, groups: 2)
        let y = try ExecTestKit.run(.convTranspose(op), [try Tensor(shape: [1, 2, 1, 1], values: [1, 10])])
        #expect(y.shape == [1, 4, 1, 1])
        #expect(y.values == [1, 2, 30, 40])
    }

    /// A transposed conv followed by ReLU runs fused (the activation applied in the kernel) and
    /// unfused with the same result, which is the oracle's.
    @Test func fusedActivation() throws {
        var rng = SplitMix64(seed: 0xC7_F5)
        let op = ConvTranspose(kernel: try rng.tensor([3, 4, 3, 3]), bias: try rng.tensor([4]), stride: [2, 2], padding: .symmetric(1, axes: 2))
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: [2, 3, 6, 5])],
            layers: [Layer("up", .convTranspose(op), inputs: ["x"]), Layer("relu", .relu(Relu()), inputs: ["up"])],
            outputs: [GraphOutput(name: "relu")])
        let x = try rng.tensor([2, 3, 6, 5])
        let fused = try Executor(graph: graph, options: ExecutionOptions(fusing: true)).run(["x": x]).outputs[0].tensor
        let unfused = try Executor(graph: graph, options: ExecutionOptions(fusing: false)).run(["x": x]).outputs[0].tensor
        #expect(fused == unfused)
        let expected = try #require(Oracle.evaluate(graph, ["x": OracleArray(x)])["relu"])
        #expect(ExecTestKit.mismatch(fused, expected) == nil)
    }
}
