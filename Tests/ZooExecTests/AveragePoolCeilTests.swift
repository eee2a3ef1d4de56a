import Testing
import ZooCore
import ZooExec

/// Ceil-mode average pooling whose last window would start in the end padding (the ONNX node
/// test test_averagepool_2d_ceil_last_window_starts_on_pad): that window is dropped, and the one
/// window left divides by all 9 taps when padding counts. The node test's stored output is
/// rounded to four decimals (0.1511 for 0.15105554), so it fails a 1e-5 tolerance against an
/// exact result; onnxruntime 1.31 gives the values below to the last bit.
@Suite("Average pool, ceil mode")
struct AveragePoolCeilTests {
    @Test func lastWindowStartingOnThePaddingIsDropped() throws {
        let x: [Float] = [0.858, 0.0786, 0.2692, 0.1537]
        let pool = AveragePool(
            window: SpatialWindow(kernel: [3, 3], stride: [3, 3], padding: .symmetric(1, axes: 2), ceilMode: true), countIncludePad: true)
        // Padded 4 x 4, k 3, s 3: ceil((2 + 2 - 3) / 3) + 1 = 2 windows per axis, but the second
        // starts at padded index 3, the end padding: 1 x 1 output.
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: [1, 1, 2, 2])], layers: [Layer("pool", .averagePool(pool), inputs: ["x"])],
            outputs: [GraphOutput(name: "pool")])
        let output = try Executor(graph: graph).run(["x": try Tensor(shape: [1, 1, 2, 2], values: x)]).outputs[0].tensor
        #expect(output.shape == [1, 1, 1, 1])
        // (0.858 + 0.0786 + 0.2692 + 0.1537) / 9 = 1.3595 / 9 = 0.151055...
        let expected = (Double(x[0]) + Double(x[1]) + Double(x[2]) + Double(x[3])) / 9
        #expect(abs(Double(try #require(output.values?.first)) - expected) <= 1e-7)
    }
}
