import Testing
import ZooCore
import ZooExec

/// The lecture's worked examples (docs/REFERENCE.md: the two that survived extraction), computed by
/// the executor.
@Suite("Lecture examples")
struct LectureExampleTests {
    /// (1, 2) * (2, -1, 2) = (2, 3, 0, 4): a true convolution, i.e. a cross-correlation with the
    /// flipped kernel (2, 1) over the signal padded by 1 on both sides (the full convolution).
    @Test func oneDimensionalConvolution() throws {
        let conv = Conv(kernel: try Tensor(shape: [1, 1, 2], values: [2, 1]), bias: nil, padding: .symmetric(1, axes: 1))
        let output = try ExecTestKit.run(.conv(conv), [try Tensor(shape: [1, 1, 3], values: [2, -1, 2])])
        #expect(output.shape == [1, 1, 4])
        #expect(output.values == [2, 3, 0, 4])
    }

    /// The 5x5 input padded symmetrically to 7x7 and cross-correlated with the 3x3 kernel shown
    /// in the lecture gives the 5x5 result printed there.
    @Test func symmetricPaddingExample() throws {
        let input: [Float] = [
            0, 1, 0, 1, 1,
            0, 0, 1, 2, 2,
            0, 1, 1, 1, 0,
            1, 1, 0, 1, 2,
            0, 1, 0, 0, 2,
        ]
        let kernel: [Float] = [1, 0, 1, 0, 1, 2, 0, 1, 0]
        let expected: [Float] = [
            3, 1, 5, 6, 7,
            1, 3, 8, 8, 8,
            3, 5, 5, 5, 6,
            4, 3, 4, 6, 9,
            4, 3, 2, 6, 11,
        ]
        let pad = Pad(pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: .symmetric)
        let conv = Conv(kernel: try Tensor(shape: [1, 1, 3, 3], values: kernel), bias: nil)
        let graph = try Graph(
            inputs: [GraphInput(name: "c", shape: [1, 1, 5, 5])],
            layers: [Layer("padded", .pad(pad), inputs: ["c"]), Layer("y", .conv(conv), inputs: ["padded"])],
            outputs: [GraphOutput(name: "y")])
        var padded: Tensor?
        let result = try Executor(graph: graph, options: ExecutionOptions(fusing: false)).run(["c": try Tensor(shape: [1, 1, 5, 5], values: input)]) { name, value in
            if name == "padded" { padded = value }
        }
        #expect(padded?.shape == [1, 1, 7, 7])
        // The lecture's padded matrix: its first row repeats the input's first row, and so on.
        #expect(padded?.values?.prefix(7) == [0, 0, 1, 0, 1, 1, 1])
        #expect(padded?.values?.suffix(7) == [0, 0, 1, 0, 0, 2, 2])
        #expect(result.outputs[0].tensor.values == expected)
    }

    /// ONNX Clip with min > max (opset 11+: every element becomes max): Clip(min 6, max 0) of
    /// (-1, 3, 9) is (0, 0, 0).
    @Test func clipWithMinAboveMaxGivesMax() throws {
        let output = try ExecTestKit.run(.clip(Clip(min: 6, max: 0)), [try Tensor(shape: [3], values: [-1, 3, 9])])
        #expect(output.values == [0, 0, 0])
    }
}
