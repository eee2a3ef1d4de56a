import Testing
import ZooCore
import ZooExec

/// The resize kernel: the examples of PyTorch's `nn.Upsample` documentation (as its ONNX
/// export states them), a cubic value by hand, randomized cases against the oracle of
/// OracleKernels.swift, and the same bits for every thread count.
@Suite("Resize kernel")
struct ResizeKernelTests {
    static let square = try! Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])

    static func run(_ op: Resize, _ x: Tensor) throws -> (shape: [Int], values: [Float]) {
        let y = try ExecTestKit.run(.resize(op), [x])
        return (y.shape, ExecTestKit.floats(y))
    }

    @Test("nn.Upsample(scale_factor=2, mode='nearest') of [[1, 2], [3, 4]] (asymmetric, floor)")
    func nearest() throws {
        let op = Resize(interpolation: .nearest, target: .scales([1, 1, 2, 2]), coordinateMode: .asymmetric, nearestRounding: .floor)
        #expect(try Self.run(op, Self.square) == ([1, 1, 4, 4], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]))
    }

    @Test("nn.Upsample(scale_factor=2, mode='bilinear'), align_corners False (pytorch_half_pixel) and True (align_corners)")
    func bilinear() throws {
        let halfPixel = Resize(interpolation: .linear, target: .scales([1, 1, 2, 2]), coordinateMode: .pytorchHalfPixel)
        let expected: [Float] = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]
        #expect(try Self.run(halfPixel, Self.square) == ([1, 1, 4, 4], expected))
        let corners = Resize(interpolation: .linear, target: .scales([1, 1, 2, 2]), coordinateMode: .alignCorners)
        let (_, values) = try Self.run(corners, Self.square)
        let documented: [Float] = [
            1.0000, 1.3333, 1.6667, 2.0000, 1.6667, 2.0000, 2.3333, 2.6667, 2.3333, 2.6667, 3.0000, 3.3333, 3.0000, 3.3333, 3.6667, 4.0000,
        ]
        #expect(zip(values, documented).allSatisfy { abs($0 - $1) < 1e-4 }, "\(values)")
    }

    @Test("cubic a = -0.75, asymmetric x 2 of [1, 2, 4, 8]: output 1 = -0.09375 + 0.59375 + 0.59375 x 2 - 0.09375 x 4 = 1.3125")
    func cubic() throws {
        let x = try Tensor(shape: [1, 1, 1, 4], values: [1, 2, 4, 8])
        let op = Resize(interpolation: .cubic, target: .scales([1, 1, 1, 2]), coordinateMode: .asymmetric)
        let (shape, values) = try Self.run(op, x)
        #expect(shape == [1, 1, 1, 8])
        #expect(values[0] == 1 && abs(values[1] - 1.3125) < 1e-6 && values[2] == 2)
    }

    @Test("tf_crop_and_resize writes the extrapolation value outside the input")
    func extrapolation() throws {
        // W region [0.5, 1.5] of 2 columns to 3 outputs: x_in = 0.5, 1.0, 1.5 -> 1.5 of [1, 2] is outside.
        let op = Resize(
            interpolation: .linear, target: .sizes([3], policy: .stretch), axes: [3], coordinateMode: .tfCropAndResize, extrapolationValue: -7,
            roi: [0.5, 1.5])
        #expect(try Self.run(op, Self.square) == ([1, 1, 2, 3], [1.5, 2, -7, 3.5, 4, -7]))
    }

    @Test("randomized resizes against the oracle, the same bits for 1, 2 and 3 threads")
    func randomized() throws {
        var rng = SplitMix64(seed: 0x7E_512E)
        let x = try rng.tensor([2, 5, 13, 11])
        let ops: [Resize] = [
            Resize(interpolation: .linear, target: .scales([1, 1, 2, 2]), coordinateMode: .pytorchHalfPixel),
            Resize(interpolation: .nearest, target: .sizes([20, 7], policy: .stretch), axes: [2, 3], nearestRounding: .roundPreferCeil),
            Resize(interpolation: .cubic, target: .scales([1, 1, 0.7, 1.9]), coordinateMode: .alignCorners),
            Resize(interpolation: .linear, target: .scales([1, 1, 0.3, 0.45]), excludeOutside: true, antialias: true),
            Resize(interpolation: .cubic, target: .sizes([9, 9], policy: .notLarger), axes: [2, 3], cubicCoefficient: -0.5, excludeOutside: true),
        ]
        for op in ops {
            let runs = try [1, 2, 3].map { ExecTestKit.floats(try ExecTestKit.run(.resize(op), [x], options: ExecutionOptions(threads: $0))) }
            #expect(runs[0] == runs[1] && runs[1] == runs[2], "\(op)")
            ExecTestKit.checkAgainstOracle(.resize(op), [x], context: "resize", options: ExecutionOptions(threads: 2))
        }
    }
}
