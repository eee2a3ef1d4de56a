import Foundation
import Testing
import ZooCore
import ZooExec

/// Every kernel against the oracle on randomized cases from a fixed-seed generator: each test
/// draws a few dozen ops and inputs (every padding mode, stride, dilation, groups, ceil mode,
/// count_include_pad, broadcasting pattern, batch sizes above 1) and expects the executor's
/// output to equal the oracle's within `|a - b| <= 1e-5 + 1e-4 |b|`. A failure prints the op
/// and the input shapes.
@Suite("Kernels against the oracle, randomized")
struct RandomizedKernelTests {
    // MARK: Window ops

    /// A random padding for `spatial` axes: valid, same upper, same lower or explicit
    /// (asymmetric) edges of at most `maxPad`.
    static func randomPadding(_ rng: inout SplitMix64, spatial: Int, maxPad: Int) -> Padding {
        switch rng.int(0...3) {
        case 0: return .valid
        case 1: return .same(extra: .end)
        case 2: return .same(extra: .beginning)
        default:
            return .explicit(
                begin: (0..<spatial).map { _ in rng.int(0...maxPad) }, end: (0..<spatial).map { _ in rng.int(0...maxPad) })
        }
    }

    /// A random convolution on a random input: 1 or 2 spatial axes, groups (plain, grouped,
    /// depthwise with channel multiplier 1 or 2), stride 1-3, dilation 1-2, any padding, bias or
    /// not, batch 1-3.
    static func randomConv(_ rng: inout SplitMix64, spatial: Int) throws -> (Conv, Tensor) {
        let groups: Int, perGroupIn: Int, perGroupOut: Int
        switch rng.int(0...3) {
        case 0: (groups, perGroupIn, perGroupOut) = (1, rng.int(1...4), rng.int(1...5))
        case 1: (groups, perGroupIn, perGroupOut) = (rng.int(2...3), rng.int(1...3), rng.int(1...3))
        case 2: (groups, perGroupIn, perGroupOut) = (rng.int(2...5), 1, 1)  // depthwise
        default: (groups, perGroupIn, perGroupOut) = (rng.int(2...4), 1, 2)  // depthwise, multiplier 2
        }
        let kernel = (0..<spatial).map { _ in rng.int(1...3) }
        let stride = (0..<spatial).map { _ in rng.int(1...3) }
        let dilation = (0..<spatial).map { _ in rng.int(1...2) }
        let padding = randomPadding(&rng, spatial: spatial, maxPad: 3)
        // Big enough for the dilated kernel even without padding.
        let sizes = (0..<spatial).map { dilation[$0] * (kernel[$0] - 1) + 1 + rng.int(0...6) }
        let conv = Conv(
            kernel: try rng.tensor([groups * perGroupOut, perGroupIn] + kernel),
            bias: rng.bool() ? try rng.tensor([groups * perGroupOut]) : nil,
            stride: stride, dilation: dilation, padding: padding, groups: groups)
        return (conv, try rng.tensor([rng.int(1...3), groups * perGroupIn] + sizes))
    }

    /// The instruction sets this machine runs: every kernel test runs on each.
    static let instructionSets = InstructionSet.allCases.filter(\.isSupported)

    /// 2-D convolution: stride, dilation, groups, depthwise, every padding mode, batch > 1.
    @Test(arguments: instructionSets) func conv2D(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0xC0_2D)
        for index in 0..<60 {
            let (conv, x) = try Self.randomConv(&rng, spatial: 2)
            ExecTestKit.checkAgainstOracle(.conv(conv), [x], context: "case \(index)", options: ExecutionOptions(instructionSet: instructionSet))
        }
    }

    /// 1-D convolution (NCW) with the same variety.
    @Test(arguments: instructionSets) func conv1D(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0xC0_1D)
        for index in 0..<40 {
            let (conv, x) = try Self.randomConv(&rng, spatial: 1)
            ExecTestKit.checkAgainstOracle(.conv(conv), [x], context: "case \(index)", options: ExecutionOptions(instructionSet: instructionSet))
        }
    }

    /// Convolutions large enough (over a million multiply-adds) for the matrix kernels to spread
    /// them over threads and cut their output into several tiles of columns (a 40 x 40 output)
    /// and, with few columns, into bands of rows (100 filters on a 7 x 7 output), with edges that
    /// are not whole micro-tiles (filters 100, 13, 72, 40; columns 1,600, 49, 100 and 36 at
    /// stride 2), and a depth of 300 (two blocks of 256); batches of 2 and 3 (whole images per
    /// thread when there are at least as many as threads); 1 x 1 planes (one column: a
    /// matrix-vector product, 1000 x 1100), and a 3x3 conv on one; rows of 32 and 40 outputs at
    /// stride 2 and 1, whose runs of a vector's width are loaded from one input row where they
    /// lie in one (a stem: 3 channels, 64 x 64): the oracle's values, and the same bits at 1, 2
    /// and 3 threads.
    @Test(arguments: instructionSets) func convTilesAndThreads(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0x711E5)
        let cases: [(filters: Int, channels: Int, size: Int, kernel: Int, stride: Int, batch: Int)] = [
            (13, 96, 40, 1, 1, 1), (100, 240, 7, 1, 1, 3), (100, 20, 9, 3, 1, 1), (13, 128, 19, 3, 2, 2), (72, 300, 7, 1, 1, 1),
            (40, 1024, 12, 1, 2, 3), (1000, 1100, 1, 1, 1, 1), (30, 20, 1, 3, 1, 2), (16, 3, 64, 3, 2, 1), (8, 5, 40, 3, 1, 2),
        ]
        for (index, c) in cases.enumerated() {
            let conv = Conv(
                kernel: try rng.tensor([c.filters, c.channels, c.kernel, c.kernel]), bias: try rng.tensor([c.filters]),
                stride: [c.stride, c.stride], padding: c.kernel == 1 ? .valid : .symmetric(1, axes: 2))
            let x = try rng.tensor([c.batch, c.channels, c.size, c.size])
            ExecTestKit.checkAgainstOracle(
                .conv(conv), [x], context: "case \(index)", options: ExecutionOptions(winograd: false, instructionSet: instructionSet))
            let reference = try ExecTestKit.run(.conv(conv), [x], options: ExecutionOptions(threads: 1, winograd: false, instructionSet: instructionSet))
            for threads in [2, 3] {
                let other = try ExecTestKit.run(.conv(conv), [x], options: ExecutionOptions(threads: threads, winograd: false, instructionSet: instructionSet))
                #expect(other == reference, "case \(index), \(threads) threads")
            }
        }
    }

    /// The im2col pack that locates each tap's loads once per strip (AVX-512, stride 1 or 2, at
    /// most 7 x 7 taps, output rows of at least 6, blocks of at least four channels), on the
    /// shapes that reach its edges: a 5x5 at dilation 2 with asymmetric padding, a 7x7 at stride
    /// 2 (its most taps), output rows of exactly 6 (four segments in a run of 16), a 3x3 at stride
    /// 2 whose padding reaches past a whole run, and a stride of 2 along rows alone; blocks of
    /// three channels beside them (the other path: a 7x7 stem, and a 3x3 one on rows of 75
    /// outputs, whose strips away from the border have every tap inside the plane and are read
    /// unchecked). The oracle's values, and the same bits at 1, 2 and 3 threads.
    @Test(arguments: instructionSets) func convPackedByTap(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0x7A95)
        let cases: [(conv: Conv, shape: [Int])] = [
            (Conv(kernel: try rng.tensor([20, 12, 5, 5]), bias: try rng.tensor([20]), dilation: [2, 2], padding: .explicit(begin: [3, 1], end: [4, 5])), [1, 12, 23, 30]),
            (Conv(kernel: try rng.tensor([24, 6, 7, 7]), bias: try rng.tensor([24]), stride: [2, 2], padding: .symmetric(3, axes: 2)), [2, 6, 29, 33]),
            (Conv(kernel: try rng.tensor([30, 40, 3, 3]), bias: nil, padding: .symmetric(1, axes: 2)), [1, 40, 6, 6]),
            (Conv(kernel: try rng.tensor([17, 16, 3, 3]), bias: try rng.tensor([17]), stride: [2, 2], padding: .explicit(begin: [4, 5], end: [3, 6])), [1, 16, 13, 14]),
            (Conv(kernel: try rng.tensor([12, 24, 3, 3]), bias: try rng.tensor([12]), stride: [1, 2], padding: .symmetric(1, axes: 2)), [2, 24, 11, 40]),
            (Conv(kernel: try rng.tensor([16, 3, 7, 7]), bias: try rng.tensor([16]), stride: [2, 2], padding: .symmetric(3, axes: 2)), [1, 3, 40, 40]),
            (Conv(kernel: try rng.tensor([8, 3, 3, 3]), bias: try rng.tensor([8]), stride: [2, 2], padding: .symmetric(1, axes: 2)), [1, 3, 20, 150]),
        ]
        for (index, c) in cases.enumerated() {
            let x = try rng.tensor(c.shape)
            let options = ExecutionOptions(threads: 1, winograd: false, instructionSet: instructionSet)
            ExecTestKit.checkAgainstOracle(.conv(c.conv), [x], context: "case \(index)", options: options)
            let reference = try ExecTestKit.run(.conv(c.conv), [x], options: options)
            for threads in [2, 3] {
                let other = try ExecTestKit.run(.conv(c.conv), [x], options: ExecutionOptions(threads: threads, winograd: false, instructionSet: instructionSet))
                #expect(other == reference, "case \(index), \(threads) threads")
            }
        }
    }

    /// Each window op on an input of its shape (values in -2...2): the oracle's values, and the
    /// same bits at 1, 2 and 3 threads.
    static func checkWindowCases(_ cases: [(Op, [Int])], _ rng: inout SplitMix64, instructionSet: InstructionSet) throws {
        for (index, (op, shape)) in cases.enumerated() {
            let x = try rng.tensor(shape, in: -2...2)
            ExecTestKit.checkAgainstOracle(op, [x], context: "case \(index)", options: ExecutionOptions(instructionSet: instructionSet))
            let one = try ExecTestKit.run(op, [x], options: ExecutionOptions(threads: 1, instructionSet: instructionSet))
            for threads in [2, 3] {
                #expect(try ExecTestKit.run(op, [x], options: ExecutionOptions(threads: threads, instructionSet: instructionSet)) == one, "case \(index), \(threads) threads")
            }
        }
    }

    /// The plane window's row paths on planes of 16 outputs a row or more: depthwise 3x3 and
    /// 5x5 at stride 1 (rows read as aligned vectors and their shifts: rows of 36 and 40
    /// outputs, whole runs and a part), 3x3 at stride 2 (aligned vectors split into their even
    /// and odd lanes: rows of 35 outputs, a last run that reads past its row), 3x3 at stride 2
    /// along rows alone, and 3x3 max pools at stride 1 and 2 (padded, as ResNet's stem pool),
    /// with and without batch: the oracle's values, and the same bits at 1, 2 and 3 threads.
    @Test(arguments: instructionSets) func planeWindowRows(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0x9_1A4E)
        let cases: [(Op, [Int])] = [
            (.conv(Conv(kernel: try rng.tensor([6, 1, 3, 3]), bias: try rng.tensor([6]), padding: .symmetric(1, axes: 2), groups: 6)), [2, 6, 9, 36]),
            (.conv(Conv(kernel: try rng.tensor([5, 1, 5, 5]), bias: try rng.tensor([5]), padding: .symmetric(2, axes: 2), groups: 5)), [1, 5, 11, 40]),
            (.conv(Conv(kernel: try rng.tensor([4, 1, 5, 5]), bias: nil, padding: .explicit(begin: [1, 3], end: [2, 0]), groups: 4)), [1, 4, 8, 33]),
            (
                .conv(Conv(kernel: try rng.tensor([4, 1, 3, 3]), bias: try rng.tensor([4]), stride: [2, 2], padding: .symmetric(1, axes: 2), groups: 4)),
                [1, 4, 12, 70]
            ),
            (
                .conv(Conv(kernel: try rng.tensor([3, 1, 3, 3]), bias: nil, stride: [1, 2], padding: .symmetric(1, axes: 2), groups: 3)),
                [2, 3, 5, 66]
            ),
            (.maxPool(MaxPool(window: SpatialWindow(kernel: [3, 3], stride: [1, 1], padding: .symmetric(1, axes: 2)))), [2, 3, 7, 48]),
            (.maxPool(MaxPool(window: SpatialWindow(kernel: [3, 3], stride: [2, 2], padding: .symmetric(1, axes: 2)))), [1, 3, 9, 97]),
        ]
        try Self.checkWindowCases(cases, &rng, instructionSet: instructionSet)
    }

    /// The plane window's channel-blocked path (AVX2 and AVX-512: a vector's width of planes at
    /// once, one per lane), on the shapes it takes: narrow outputs at stride 1 and 2, stride 3
    /// with dilation 2, a 5x5 window at stride 2 on a wide plane, a 7x7 window (its most taps),
    /// asymmetric padding, output planes smaller than a vector (3 x 3), ceil-mode and stride-1
    /// max pools; channel counts that are not a multiple of the width, so that a group of planes
    /// spans two images of the batch. Each case against the oracle, and the same bits at 1, 2
    /// and 3 threads: the threads' chunks leave different planes to the plane path, so equal
    /// bits hold the two paths to each other.
    @Test(arguments: instructionSets) func planeWindowBlocked(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0xB10C)
        func depthwise(_ channels: Int, kernel: Int, stride: Int = 1, dilation: Int = 1, padding: Padding) throws -> Op {
            .conv(Conv(
                kernel: try rng.tensor([channels, 1, kernel, kernel]), bias: rng.bool() ? try rng.tensor([channels]) : nil, stride: [stride, stride],
                dilation: [dilation, dilation], padding: padding, groups: channels))
        }
        let cases: [(Op, [Int])] = [
            (try depthwise(40, kernel: 3, padding: .symmetric(1, axes: 2)), [2, 40, 14, 14]),
            (try depthwise(24, kernel: 3, stride: 2, padding: .same(extra: .end)), [1, 24, 15, 15]),
            (try depthwise(20, kernel: 3, stride: 3, dilation: 2, padding: .explicit(begin: [2, 1], end: [0, 2])), [2, 20, 30, 29]),
            (try depthwise(33, kernel: 5, stride: 2, padding: .symmetric(2, axes: 2)), [1, 33, 21, 70]),
            (try depthwise(17, kernel: 7, padding: .symmetric(3, axes: 2)), [2, 17, 9, 9]),
            (try depthwise(48, kernel: 3, padding: .symmetric(1, axes: 2)), [1, 48, 3, 3]),
            (.maxPool(MaxPool(window: SpatialWindow(kernel: [3, 3], stride: [2, 2], ceilMode: true))), [1, 36, 14, 14]),
            (.maxPool(MaxPool(window: SpatialWindow(kernel: [3, 3], stride: [1, 1], padding: .symmetric(1, axes: 2)))), [2, 25, 7, 7]),
        ]
        try Self.checkWindowCases(cases, &rng, instructionSet: instructionSet)
    }

    /// A one-column product (a conv on a 1 x 1 plane) runs without the micro-tile's empty
    /// columns and gives the bits the full micro-tile gives: the same filters on a 1 x 2 plane
    /// whose two positions hold the same values give that value in both columns.
    @Test(arguments: instructionSets) func oneColumnMatchesTheTile(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0x1C01)
        let conv = Conv(kernel: try rng.tensor([37, 300, 1, 1]), bias: try rng.tensor([37]))
        let column = try rng.tensor([1, 300, 1, 1])
        let values: [Float] = ExecTestKit.floats(column)
        let doubled = try Tensor(shape: [1, 300, 1, 2], values: values.flatMap { [$0, $0] })
        let options = ExecutionOptions(threads: 1, instructionSet: instructionSet)
        let one: [UInt32] = ExecTestKit.floats(try ExecTestKit.run(.conv(conv), [column], options: options)).map(\.bitPattern)
        let two: [UInt32] = ExecTestKit.floats(try ExecTestKit.run(.conv(conv), [doubled], options: options)).map(\.bitPattern)
        let left = stride(from: 0, to: two.count, by: 2).map { two[$0] }, right = stride(from: 1, to: two.count, by: 2).map { two[$0] }
        #expect(one.count == 37 && one == left && one == right)
    }

    /// Larger channel counts in the shapes that the fast paths take: pointwise 1x1 (plain and
    /// grouped), 3x3 stride 1 (Winograd-eligible, including output sizes that are not a multiple
    /// of the tile and a height of 2), depthwise planes, and strided im2col; with and without
    /// padding, batch 1-2; with Winograd allowed (the default) and not (as `verify` runs).
    @Test(arguments: instructionSets) func convFastPathShapes(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0xFA57)
        for index in 0..<40 {
            let channels = rng.pick([4, 8, 16]), filters = rng.pick([4, 8, 12])
            let height = rng.int(2...14), width = rng.int(3...15)
            let batch = rng.int(1...2)
            let conv: Conv
            let inputChannels: Int
            switch index % 5 {
            case 0:
                let groups = rng.pick([1, 2, 4])
                inputChannels = channels
                conv = Conv(kernel: try rng.tensor([filters, channels / groups, 1, 1]), bias: try rng.tensor([filters]), groups: groups)
            case 1, 2:
                inputChannels = channels
                conv = Conv(
                    kernel: try rng.tensor([filters, channels, 3, 3]), bias: rng.bool() ? try rng.tensor([filters]) : nil,
                    padding: rng.pick([Padding.valid, .symmetric(1, axes: 2), .same(extra: .end), .explicit(begin: [2, 0], end: [1, 2])]))
            case 3:
                inputChannels = channels
                conv = Conv(
                    kernel: try rng.tensor([channels, 1, 3, 3]), bias: try rng.tensor([channels]),
                    stride: [rng.int(1...2), rng.int(1...2)], padding: .symmetric(1, axes: 2), groups: channels)
            default:
                inputChannels = channels
                conv = Conv(
                    kernel: try rng.tensor([filters, channels, rng.int(2...5), rng.int(1...5)]), bias: try rng.tensor([filters]),
                    stride: [rng.int(1...3), rng.int(1...3)], padding: .same(extra: rng.bool() ? .end : .beginning))
            }
            let x = try rng.tensor([batch, inputChannels, height + 2, width + 4])
            // The direct methods meet the elementwise tolerance; Winograd (taken by the larger
            // 3x3 cases) rounds differently and is held to the dot-product bound.
            ExecTestKit.checkAgainstOracle(
                .conv(conv), [x], context: "case \(index), direct", options: ExecutionOptions(winograd: false, instructionSet: instructionSet))
            try WinogradOracleTests.checkWithinDotProductBound(conv, x, context: "case \(index)", instructionSet: instructionSet)
        }
    }

    /// A random transposed convolution on a random input: 1 or 2 spatial axes, groups 1-3, kernel
    /// 1-4, stride 1-3, dilation 1-2, output padding below max(stride, dilation), and valid, same
    /// upper or lower, explicit crops of 0-3, or an output shape from 4 below the full output to
    /// max(stride, dilation) - 1 past it; bias or not, batch 1-3. A case whose crops leave no
    /// output is drawn again.
    static func randomConvTranspose(_ rng: inout SplitMix64, spatial: Int) throws -> (ConvTranspose, Tensor) {
        while true {
            let groups = rng.int(1...3), perGroupIn = rng.int(1...3), perGroupOut = rng.int(1...3)
            let kernel = (0..<spatial).map { _ in rng.int(1...4) }
            let stride = (0..<spatial).map { _ in rng.int(1...3) }
            let dilation = (0..<spatial).map { _ in rng.int(1...2) }
            let outputPadding = (0..<spatial).map { rng.int(0...(max(stride[$0], dilation[$0]) - 1)) }
            let sizes = (0..<spatial).map { _ in rng.int(1...6) }
            var padding: Padding
            var outputShape: [Int]? = nil
            switch rng.int(0...4) {
            case 0: padding = .valid
            case 1: padding = .same(extra: .end)
            case 2: padding = .same(extra: .beginning)
            case 3: padding = .explicit(begin: (0..<spatial).map { _ in rng.int(0...3) }, end: (0..<spatial).map { _ in rng.int(0...3) })
            default:
                padding = .same(extra: rng.bool() ? .end : .beginning)
                outputShape = (0..<spatial).map { axis in
                    let full = stride[axis] * (sizes[axis] - 1) + outputPadding[axis] + dilation[axis] * (kernel[axis] - 1) + 1
                    return rng.int(max(1, full - 4)...(full + max(stride[axis], dilation[axis]) - 1))
                }
            }
            let op = ConvTranspose(
                kernel: try rng.tensor([groups * perGroupIn, perGroupOut] + kernel),
                bias: rng.bool() ? try rng.tensor([groups * perGroupOut]) : nil,
                stride: stride, dilation: dilation, padding: padding, outputPadding: outputPadding, outputShape: outputShape, groups: groups)
            let input = [rng.int(1...3), groups * perGroupIn] + sizes
            guard (try? op.outputShape(inputs: [Shape(input)])) != nil else { continue }
            return (op, try rng.tensor(input))
        }
    }

    /// 2-D transposed convolution: strides, dilations, groups, output padding, every padding mode
    /// and output shapes that crop or extend, batch > 1.
    @Test func convTranspose2D() throws {
        var rng = SplitMix64(seed: 0xC7_2D)
        for index in 0..<60 {
            let (op, x) = try Self.randomConvTranspose(&rng, spatial: 2)
            ExecTestKit.checkAgainstOracle(.convTranspose(op), [x], context: "case \(index)")
        }
    }

    /// 1-D transposed convolution (NCW) with the same variety.
    @Test func convTranspose1D() throws {
        var rng = SplitMix64(seed: 0xC7_1D)
        for index in 0..<40 {
            let (op, x) = try Self.randomConvTranspose(&rng, spatial: 1)
            ExecTestKit.checkAgainstOracle(.convTranspose(op), [x], context: "case \(index)")
        }
    }

    /// Transposed convolutions large enough for the products to come in several bands of input
    /// rows (32 x 9 product rows of 128 columns: 113 rows per band of 130) and for the matrix
    /// products and the scatter to be split over threads; the result is the oracle's and the
    /// same bits at 1, 2 and 3 threads.
    @Test func convTransposeBandsAndThreads() throws {
        var rng = SplitMix64(seed: 0xC7_BA)
        let cases: [(ConvTranspose, [Int])] = [
            (ConvTranspose(kernel: try rng.tensor([4, 32, 3, 3]), bias: try rng.tensor([32]), stride: [2, 2], padding: .symmetric(1, axes: 2),
                           outputPadding: [1, 1]), [1, 4, 130, 128]),
            (ConvTranspose(kernel: try rng.tensor([16, 8, 4, 4]), bias: nil, stride: [2, 2], padding: .symmetric(1, axes: 2), groups: 2),
             [2, 16, 20, 24]),
        ]
        for (index, (op, shape)) in cases.enumerated() {
            let x = try rng.tensor(shape)
            ExecTestKit.checkAgainstOracle(.convTranspose(op), [x], context: "case \(index)")
            let reference = try ExecTestKit.run(.convTranspose(op), [x], options: ExecutionOptions(threads: 1))
            for threads in [2, 3] {
                #expect(try ExecTestKit.run(.convTranspose(op), [x], options: ExecutionOptions(threads: threads)) == reference, "case \(index), \(threads) threads")
            }
        }
    }

    /// A random window for a pool: kernel 1-3, stride 1-3, dilation 1-2, any padding with
    /// explicit edges smaller than the dilated kernel (so every window touches the input), ceil
    /// mode on or off; and an input that fits it.
    static func randomPoolWindow(_ rng: inout SplitMix64, spatial: Int) throws -> (SpatialWindow, Tensor) {
        let kernel = (0..<spatial).map { _ in rng.int(1...3) }
        let stride = (0..<spatial).map { _ in rng.int(1...3) }
        let dilation = (0..<spatial).map { _ in rng.int(1...2) }
        let extents = (0..<spatial).map { dilation[$0] * (kernel[$0] - 1) + 1 }
        var padding = randomPadding(&rng, spatial: spatial, maxPad: 2)
        if case .explicit(let begin, let end) = padding {
            padding = .explicit(begin: zip(begin, extents).map { min($0, $1 - 1) }, end: zip(end, extents).map { min($0, $1 - 1) })
        }
        let window = SpatialWindow(kernel: kernel, stride: stride, dilation: dilation, padding: padding, ceilMode: rng.bool())
        let sizes = extents.map { $0 + rng.int(0...6) }
        return (window, try rng.tensor([rng.int(1...3), rng.int(1...3)] + sizes))
    }

    /// Max pooling, 1-D and 2-D: padding reads as negative infinity, ceil mode, dilation.
    @Test func maxPool() throws {
        var rng = SplitMix64(seed: 0x3A_9001)
        for index in 0..<60 {
            let (window, x) = try Self.randomPoolWindow(&rng, spatial: index % 3 == 0 ? 1 : 2)
            ExecTestKit.checkAgainstOracle(.maxPool(MaxPool(window: window)), [x], context: "case \(index)")
        }
    }

    /// Average pooling, 1-D and 2-D, with count_include_pad on and off.
    @Test func averagePool() throws {
        var rng = SplitMix64(seed: 0xA5_9001)
        for index in 0..<60 {
            let (window, x) = try Self.randomPoolWindow(&rng, spatial: index % 3 == 0 ? 1 : 2)
            let pool = AveragePool(window: window, countIncludePad: rng.bool())
            ExecTestKit.checkAgainstOracle(.averagePool(pool), [x], context: "case \(index)")
        }
    }

    /// Ceil mode where the PyTorch/ONNX rule decides the output size: the rounded-up last window
    /// would start inside the end padding and is dropped (input 4, kernel 2, stride 2, pads 0/1:
    /// 2 outputs, not 3), next to cases where the extra window is kept and overhangs the padded
    /// input, for both pools and both count_include_pad settings.
    @Test func ceilModeLastWindow() throws {
        var rng = SplitMix64(seed: 0xCE11)
        let windows: [SpatialWindow] = [
            SpatialWindow(kernel: [2], stride: [2], padding: .explicit(begin: [0], end: [1]), ceilMode: true),  // dropped
            SpatialWindow(kernel: [3], stride: [2], padding: .explicit(begin: [1], end: [1]), ceilMode: true),
            SpatialWindow(kernel: [2, 2], stride: [2, 2], padding: .explicit(begin: [1, 1], end: [1, 1]), ceilMode: true),
            SpatialWindow(kernel: [3, 3], stride: [2, 2], padding: .explicit(begin: [0, 1], end: [1, 0]), ceilMode: true),
            SpatialWindow(kernel: [3, 2], stride: [3, 2], dilation: [1, 2], padding: .explicit(begin: [1, 0], end: [2, 1]), ceilMode: true),
            SpatialWindow(kernel: [2, 3], stride: [2, 3], ceilMode: true),  // overhangs the unpadded input
        ]
        for (index, window) in windows.enumerated() {
            for size in 4...7 {
                let x = try rng.tensor([2, 2] + Array(repeating: size, count: window.kernel.count))
                ExecTestKit.checkAgainstOracle(.maxPool(MaxPool(window: window)), [x], context: "window \(index)")
                for include in [false, true] {
                    ExecTestKit.checkAgainstOracle(
                        .averagePool(AveragePool(window: window, countIncludePad: include)), [x], context: "window \(index)")
                }
            }
        }
    }

    /// Global average and max pooling over 1, 2 and 3 spatial axes.
    @Test func globalPools() throws {
        var rng = SplitMix64(seed: 0x610B)
        for index in 0..<30 {
            let shape = [rng.int(1...3), rng.int(1...4)] + (0..<rng.int(1...3)).map { _ in rng.int(1...5) }
            let x = try rng.tensor(shape)
            ExecTestKit.checkAgainstOracle(.globalAveragePool(GlobalAveragePool()), [x], context: "case \(index)")
            ExecTestKit.checkAgainstOracle(.globalMaxPool(GlobalMaxPool()), [x], context: "case \(index)")
        }
    }

    /// Global average pooling on planes of 1 to 300 elements (the blocks of 32 summed on four
    /// vectors, the whole eights after them and the tail): the oracle's values, and the same bits
    /// on every instruction set and at 1, 2 and 3 threads.
    @Test func globalAveragePoolBlocks() throws {
        var rng = SplitMix64(seed: 0x6A9)
        for size in [1, 7, 8, 31, 32, 45, 221, 300] {
            let x = try rng.tensor([2, 5, size])
            let op = Op.globalAveragePool(GlobalAveragePool())
            ExecTestKit.checkAgainstOracle(op, [x], context: "size \(size)")
            let reference = try ExecTestKit.run(op, [x], options: ExecutionOptions(threads: 1, instructionSet: .generic))
            for instructionSet in Self.instructionSets {
                for threads in [1, 2, 3] {
                    let other = try ExecTestKit.run(op, [x], options: ExecutionOptions(threads: threads, instructionSet: instructionSet))
                    #expect(other == reference, "size \(size), \(instructionSet), \(threads) threads")
                }
            }
        }
    }

    // MARK: Dense, matmul, normalization

    /// Depthwise convolutions whose planes do not split evenly over the threads (3 planes on 2
    /// threads, 5 on 3, 7 on 4): every chunk of planes needs its own padded scratch plane (a
    /// chunk's first plane once named its slice, and two chunks could share one).
    @Test func depthwiseScratchPerChunk() throws {
        var rng = SplitMix64(seed: 0xD3F7)
        for (channels, threads) in [(3, 2), (5, 3), (7, 4)] {
            let conv = Conv(
                kernel: try rng.tensor([channels, 1, 3, 3]), bias: nil, padding: .explicit(begin: [1, 1], end: [1, 1]), groups: channels)
            ExecTestKit.checkAgainstOracle(
                .conv(conv), [try rng.tensor([1, channels, 96, 96])], context: "\(channels) planes, \(threads) threads",
                options: ExecutionOptions(threads: threads))
        }
    }

    /// Dense over the last axis of inputs of rank 1 to 4, with and without bias, the weight
    /// stored `[out, in]` (even cases) or `[in, out]` (odd cases); the last cases have enough
    /// units and rows for the products to be split into blocks over threads (the last four more
    /// than one block of BLAS.transposedOutputBlock outputs).
    @Test func dense() throws {
        var rng = SplitMix64(seed: 0xDE75E)
        for index in 0..<48 {
            let large = index >= 40
            let features = large ? rng.int(20...60) : rng.int(1...24), units = large ? (index < 44 ? rng.int(520...700) : rng.int(2050...2300)) : rng.int(1...20)
            let leading = large ? (index % 4 < 2 ? [1] : [rng.int(130...150)]) : (0..<rng.int(0...3)).map { _ in rng.int(1...4) }
            let order: Dense.WeightOrder = index % 2 == 0 ? .outIn : .inOut
            let shape = order == .outIn ? [units, features] : [features, units]
            let dense = Dense(weight: try rng.tensor(shape), bias: rng.bool() ? try rng.tensor([units]) : nil, weightOrder: order)
            ExecTestKit.checkAgainstOracle(.dense(dense), [try rng.tensor(leading + [features])], context: "case \(index) \(order)")
        }
    }

    /// MatMul with NumPy broadcasting of the leading axes and rank-1 promotion on either side.
    @Test func matMul() throws {
        var rng = SplitMix64(seed: 0x3A73)
        let fixed: [([Int], [Int])] = [
            ([3], [3]), ([3], [3, 4]), ([2, 3], [3]), ([3], [2, 3, 4]), ([2, 5, 3], [3]),
            ([2, 3], [3, 4]), ([2, 2, 3], [3, 4]), ([2, 3], [4, 3, 5]), ([2, 1, 3, 4], [5, 4, 2]), ([1, 3, 2], [4, 2, 3]),
        ]
        for (a, b) in fixed {
            ExecTestKit.checkAgainstOracle(.matMul(MatMul()), [try rng.tensor(a), try rng.tensor(b)])
        }
        for index in 0..<30 {
            let m = rng.int(1...6), k = rng.int(1...9), n = rng.int(1...6)
            let batch = (0..<rng.int(0...3)).map { _ in rng.int(1...3) }
            // Each operand keeps a suffix of the batch axes, some of them set to 1.
            func operandBatch(_ rng: inout SplitMix64) -> [Int] {
                batch.suffix(rng.int(0...batch.count)).map { rng.chance(0.3) ? 1 : $0 }
            }
            let aShape = rng.chance(0.15) ? [k] : operandBatch(&rng) + [m, k]
            let bShape = rng.chance(0.15) ? [k] : operandBatch(&rng) + [k, n]
            ExecTestKit.checkAgainstOracle(
                .matMul(MatMul()), [try rng.tensor(aShape), try rng.tensor(bShape)], context: "case \(index)")
        }
    }

    /// Batch normalization over axis 1 of inputs of rank 2 to 5, gamma and beta each optional.
    @Test func batchNorm() throws {
        var rng = SplitMix64(seed: 0xB4_7C)
        for index in 0..<30 {
            let channels = rng.int(1...5)
            let shape = [rng.int(1...3), channels] + (0..<rng.int(0...3)).map { _ in rng.int(1...4) }
            let norm = BatchNorm(
                gamma: rng.bool() ? try rng.tensor([channels], in: -2...2) : nil,
                beta: rng.bool() ? try rng.tensor([channels]) : nil,
                mean: try rng.tensor([channels]), variance: try rng.tensor([channels], in: 0.05...3),
                epsilon: rng.pick([1e-5, 1e-3, 0.1]))
            ExecTestKit.checkAgainstOracle(.batchNorm(norm), [try rng.tensor(shape, in: -3...3)], context: "case \(index)")
        }
    }

    /// Keras Normalization with statistics broadcast per channel, per element or as one value,
    /// variances near zero included (the epsilon floor).
    @Test func normalization() throws {
        var rng = SplitMix64(seed: 0x4E_0A)
        for index in 0..<30 {
            let shape = [rng.int(1...3)] + (0..<rng.int(1...3)).map { _ in rng.int(1...4) }
            let statistic = rng.bool() ? [] : shape.dropFirst().map { rng.bool() ? 1 : $0 }
            let norm = Normalization(
                mean: try rng.tensor(statistic), variance: try rng.tensor(statistic, in: 0...rng.pick([Float(1e-15), 3])), isStored: rng.bool())
            ExecTestKit.checkAgainstOracle(.normalization(norm), [try rng.tensor(shape, in: -3...3)], context: "case \(index)")
        }
    }

    /// LRN across channels with odd and even window sizes (larger than the channel count too).
    @Test func lrn() throws {
        var rng = SplitMix64(seed: 0x144)
        for index in 0..<30 {
            let shape = [rng.int(1...2), rng.int(1...7)] + (0..<rng.int(1...2)).map { _ in rng.int(1...4) }
            let lrn = LRN(size: rng.int(1...8), alpha: rng.pick([1e-4, 0.01, 0.5]), beta: rng.pick([0.5, 0.75, 1]), bias: rng.pick([1, 2]))
            ExecTestKit.checkAgainstOracle(.lrn(lrn), [try rng.tensor(shape, in: -3...3)], context: "case \(index)")
        }
    }

    // MARK: Element-wise

    /// A random shape of rank 1 to 4 with sizes 1 to 5.
    static func randomShape(_ rng: inout SplitMix64, rank: ClosedRange<Int> = 1...4) -> [Int] {
        (0..<rng.int(rank)).map { _ in rng.int(1...5) }
    }

    /// Every activation with random parameters (clip with either bound absent, ReLU6, leaky
    /// slopes, hard-sigmoid alpha and beta, elu alpha, selu alpha and gamma), both gelus, dropout
    /// and identity, on inputs spanning the kinks.
    @Test func activations() throws {
        var rng = SplitMix64(seed: 0xAC7)
        for index in 0..<30 {
            let low = rng.float(-2...0.5)
            let ops: [Op] = [
                .relu(Relu()), .sigmoid(Sigmoid()), .tanh(Tanh()), .hardSwish(HardSwish()), .silu(SiLU()),
                .clip(Clip(min: rng.bool() ? low : nil, max: rng.bool() ? low + rng.float(0...3) : nil)), .clip(Clip.relu6),
                .leakyRelu(LeakyRelu(alpha: rng.float(-0.5...1.5))),
                .hardSigmoid(HardSigmoid(alpha: rng.float(0.05...1), beta: rng.float(-0.5...1))),
                .elu(Elu(alpha: rng.float(0.1...2))), .selu(Selu()), .selu(Selu(alpha: rng.float(0.5...2), gamma: rng.float(0.5...1.5))),
                .softplus(Softplus()), .gelu(Gelu()), .gelu(Gelu(approximate: .tanh)),
                .dropout(Dropout(ratio: 0.3)), .identity(Identity()),
            ]
            let x = try rng.tensor(Self.randomShape(&rng), in: -8...8)
            for op in ops { ExecTestKit.checkAgainstOracle(op, [x], context: "case \(index)") }
        }
    }

    /// The math functions (sqrt, exp, log, neg, abs, reciprocal, erf) on inputs of either sign
    /// (sqrt and log of a negative are NaN in the kernel and the oracle alike), and sqrt, log and
    /// reciprocal again on positive inputs spanning six decades.
    @Test func mathFunctions() throws {
        var rng = SplitMix64(seed: 0x3A7)
        let signed: [Op] = [.sqrt(Sqrt()), .exp(Exp()), .log(Log()), .neg(Neg()), .abs(Abs()), .reciprocal(Reciprocal()), .erf(Erf())]
        let positive: [Op] = [.sqrt(Sqrt()), .log(Log()), .reciprocal(Reciprocal())]
        for index in 0..<30 {
            let shape = Self.randomShape(&rng)
            let x = try rng.tensor(shape, in: -8...8)
            for op in signed { ExecTestKit.checkAgainstOracle(op, [x], context: "case \(index)") }
            let decades = try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float(pow(10, Double(rng.float(-3...3)))) })
            for op in positive { ExecTestKit.checkAgainstOracle(op, [decades], context: "case \(index), positive") }
        }
    }

    /// PRelu with slopes unidirectionally broadcast to the input: a suffix of its shape with
    /// random axes set to 1 (per channel, one slope, per element and between), of either sign.
    @Test func prelu() throws {
        var rng = SplitMix64(seed: 0x94E1)
        for index in 0..<40 {
            let shape = Self.randomShape(&rng)
            let slopeShape = shape.suffix(rng.int(0...shape.count)).map { rng.chance(0.4) ? 1 : $0 }
            let slope = try rng.tensor(Array(slopeShape), in: -1...1.5)
            ExecTestKit.checkAgainstOracle(.prelu(PRelu(slope: slope)), [try rng.tensor(shape, in: -4...4)], context: "case \(index), slope \(slopeShape)")
        }
    }

    /// Pow with one exponent (integral or not, negative too: a negative base then gives NaN in the
    /// kernel and the oracle alike) and with a tensor exponent broadcast against the base, the
    /// output taking the broadcast shape; bases of either sign.
    @Test func powByConstants() throws {
        var rng = SplitMix64(seed: 0x90_57)
        for index in 0..<30 {
            let shapes = Self.broadcastableShapes(&rng, count: 2)
            let x = try rng.tensor(shapes[0], in: -3...3)
            let e = rng.pick([2, 3, -1, 0, 0.5, 1.5, -2.5] as [Float])
            ExecTestKit.checkAgainstOracle(.pow(Pow(exponent: e)), [x], context: "case \(index), exponent \(e)")
            let exponents = (0..<shapes[1].reduce(1, *)).map { _ in rng.bool() ? Float(rng.int(-2...3)) : rng.float(-2...2) }
            let tensor = try Tensor(shape: shapes[1], values: exponents)
            ExecTestKit.checkAgainstOracle(.pow(Pow(exponent: .tensor(tensor))), [x], context: "case \(index), exponent \(shapes[1])")
        }
    }

    /// Softmax along every axis (negative and positive spellings) of inputs of rank 1 to 4.
    @Test func softmax() throws {
        var rng = SplitMix64(seed: 0x50F7)
        for index in 0..<30 {
            let shape = Self.randomShape(&rng)
            let x = try rng.tensor(shape, in: -5...5)
            for axis in -shape.count..<shape.count {
                ExecTestKit.checkAgainstOracle(.softmax(Softmax(axis: axis)), [x], context: "case \(index)")
            }
        }
    }

    /// `count` shapes that broadcast together: suffixes of one shape with random axes set to 1.
    static func broadcastableShapes(_ rng: inout SplitMix64, count: Int) -> [[Int]] {
        let full = randomShape(&rng)
        return (0..<count).map { _ in
            full.suffix(rng.int(0...full.count)).map { rng.chance(0.35) ? 1 : $0 }
        }
    }

    /// The operands of a binary op: runtime inputs (divisors kept away from zero).
    static func operandTensors(_ rng: inout SplitMix64, _ shapes: [[Int]], divisorFrom: Int?) throws -> [Tensor] {
        try shapes.enumerated().map { index, shape in
            if let divisorFrom, index >= divisorFrom { return try rng.awayFromZero(shape) }
            return try rng.tensor(shape)
        }
    }

    /// Add, Sub, Mul, Div with broadcasting: two runtime inputs, a stored constant first or
    /// second (including a rank-0 scalar), and three or four runtime inputs for the variadic Add
    /// and Mul.
    @Test func binaryBroadcasting() throws {
        var rng = SplitMix64(seed: 0xB1_4A)
        for index in 0..<40 {
            let kind = index % 4
            let isVariadic = kind == 0 || kind == 2
            func make(_ constant: ConstantOperand?) -> Op {
                switch kind {
                case 0: .add(Add(constant: constant))
                case 1: .sub(Sub(constant: constant))
                case 2: .mul(Mul(constant: constant))
                default: .div(Div(constant: constant))
                }
            }
            let isDiv = kind == 3
            // Two runtime operands.
            let pair = Self.broadcastableShapes(&rng, count: 2)
            ExecTestKit.checkAgainstOracle(
                make(nil), try Self.operandTensors(&rng, pair, divisorFrom: isDiv ? 1 : nil), context: "case \(index) pair")
            // A stored constant, first or second; sometimes a rank-0 scalar.
            let isFirst = rng.bool()
            let shapes = Self.broadcastableShapes(&rng, count: 2)
            let constantShape = rng.chance(0.2) ? [] : shapes[1]
            let constantTensor = isDiv && !isFirst ? try rng.awayFromZero(constantShape) : try rng.tensor(constantShape)
            let input = isDiv && isFirst ? try rng.awayFromZero(shapes[0]) : try rng.tensor(shapes[0])
            ExecTestKit.checkAgainstOracle(
                make(ConstantOperand(constantTensor, isFirst: isFirst)), [input], context: "case \(index) constant")
            // Three or four runtime operands.
            if isVariadic {
                let many = Self.broadcastableShapes(&rng, count: rng.int(3...4))
                ExecTestKit.checkAgainstOracle(
                    make(nil), try Self.operandTensors(&rng, many, divisorFrom: nil), context: "case \(index) variadic")
            }
        }
    }

    /// A short run repeated along the rows (a per-channel constant over a channels-last tensor,
    /// as tf2onnx exports Keras's Rescaling and Normalization): blocks of whole rows and a last,
    /// partial block; the constant first or second, or a runtime operand; and one long run (a
    /// residual sum of same-shape operands, a scalar constant) cut in pieces for the threads: the
    /// oracle's values and the same bits at 1, 2 and 3 threads.
    @Test func repeatedAndLongRuns() throws {
        var rng = SplitMix64(seed: 0xC4A5)
        let cases: [(Op, [Tensor])] = [
            (.add(Add(constant: ConstantOperand(try rng.tensor([3])))), [try rng.tensor([2, 30, 40, 3])]),
            (.sub(Sub(constant: ConstantOperand(try rng.tensor([3]), isFirst: true))), [try rng.tensor([1, 50, 30, 3])]),
            (.div(Div(constant: ConstantOperand(try rng.awayFromZero([1, 1, 1, 7])))), [try rng.tensor([1, 20, 33, 7])]),
            (.mul(Mul()), [try rng.tensor([1, 5]), try rng.tensor([2, 40, 60, 5])]),
            (.add(Add()), [try rng.tensor([3, 700, 255]), try rng.tensor([255])]),
            (.add(Add()), [try rng.tensor([2, 64, 30, 30]), try rng.tensor([2, 64, 30, 30])]),
            (.mul(Mul(constant: ConstantOperand(try rng.tensor([])))), [try rng.tensor([1, 40, 50, 50])]),
        ]
        for (index, (op, inputs)) in cases.enumerated() {
            ExecTestKit.checkAgainstOracle(op, inputs, context: "case \(index)")
            let one = try ExecTestKit.run(op, inputs, options: ExecutionOptions(threads: 1))
            for threads in [2, 3] {
                #expect(try ExecTestKit.run(op, inputs, options: ExecutionOptions(threads: threads)) == one, "case \(index), \(threads) threads")
            }
        }
    }

    // MARK: Data movement

    /// Concatenation of one to four inputs along every axis (negative spellings too).
    @Test func concat() throws {
        var rng = SplitMix64(seed: 0xC0_CA7)
        for index in 0..<30 {
            let base = Self.randomShape(&rng)
            let axis = rng.int(-base.count...(base.count - 1))
            let resolved = axis < 0 ? axis + base.count : axis
            let inputs = try (0..<rng.int(1...4)).map { _ in
                var shape = base
                shape[resolved] = rng.int(1...4)
                return try rng.tensor(shape)
            }
            ExecTestKit.checkAgainstOracle(.concat(Concat(axis: axis)), inputs, context: "case \(index)")
        }
    }

    /// Flatten at every axis in `[-rank, rank]`, Reshape with `-1` and `0` entries, and Transpose
    /// with random and default (reversing) permutations.
    @Test func reshapingOps() throws {
        var rng = SplitMix64(seed: 0x7E5A)
        for index in 0..<30 {
            let shape = Self.randomShape(&rng)
            let x = try rng.tensor(shape)
            for axis in -shape.count...shape.count {
                ExecTestKit.checkAgainstOracle(.flatten(Flatten(axis: axis)), [x], context: "case \(index)")
            }
            // Reshape: copy some leading axes with 0, merge the rest, one -1.
            let kept = rng.int(0...shape.count - 1)
            var target = Array(repeating: 0, count: kept) + [-1]
            if rng.bool() { target = Array(repeating: 0, count: kept) + [shape[kept...].reduce(1, *), 1] }
            if rng.bool(), let last = target.indices.last { target.swapAt(kept, last) }
            ExecTestKit.checkAgainstOracle(.reshape(Reshape(target: target)), [x], context: "case \(index)")
            let permutation = rng.chance(0.2) ? nil : rng.permutation(shape.count)
            ExecTestKit.checkAgainstOracle(.transpose(Transpose(permutation: permutation)), [x], context: "case \(index)")
        }
    }

    /// Transposes that are batches of matrix transposes (channels-last images to channels-first
    /// and back, a 2-D swap, a group of axes moved past another) on every instruction set, at
    /// two threads: sides of 2 to 4 (one interleaved pass), of 1, and of 5 to 48 (register blocks
    /// of a vector's width and their edges), against the oracle.
    @Test(arguments: instructionSets) func matrixTransposes(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0x7_2A45)
        let cases: [(shape: [Int], permutation: [Int])] = [
            ([2, 5, 7, 3], [0, 3, 1, 2]), ([2, 3, 5, 7], [0, 2, 3, 1]), ([1, 16, 16, 4], [0, 3, 1, 2]), ([1, 2, 9, 9], [0, 2, 3, 1]),
            ([17, 33], [1, 0]), ([32, 48], [1, 0]), ([3, 40, 5], [0, 2, 1]), ([2, 3, 4, 5, 6], [0, 1, 4, 2, 3]), ([40, 1], [1, 0]),
            ([5, 2, 3, 4], [2, 3, 0, 1]),
        ]
        for (shape, permutation) in cases {
            ExecTestKit.checkAgainstOracle(
                .transpose(Transpose(permutation: permutation)), [try rng.tensor(shape)], context: "\(instructionSet)",
                options: ExecutionOptions(threads: 2, instructionSet: instructionSet))
        }
    }

    /// Pad in every mode, ranks 1 to 4, pads up to each mode's limit (reflect `d - 1`, wrap and
    /// symmetric `d`, constant and edge a few), with a random constant value.
    @Test func pad() throws {
        var rng = SplitMix64(seed: 0x9AD)
        for index in 0..<30 {
            let shape = Self.randomShape(&rng)
            let x = try rng.tensor(shape)
            for mode in Pad.Mode.allCases {
                let limits = shape.map { size -> Int in
                    switch mode {
                    case .constant, .edge: 3
                    case .reflect: size - 1
                    case .wrap, .symmetric: size
                    }
                }
                let pads = (0..<2).flatMap { _ in limits.map { rng.int(0...$0) } }
                let pad = Pad(pads: pads, mode: mode, value: rng.float(-2...2))
                ExecTestKit.checkAgainstOracle(.pad(pad), [x], context: "case \(index)")
            }
        }
    }
}

/// Winograd F(4x4, 3x3) runs only on layers large enough to pay (at least 100 output tiles and
/// 16 input channels), so it needs inputs of that size. Its rounding is bounded like a dot
/// product's: relative to `sum |x| |w|` over each output's taps (the oracle convolution of the
/// absolute values), not to the output, which cancellation can make arbitrarily small.
@Suite("Winograd against the oracle")
struct WinogradOracleTests {
    /// The worst error of the Winograd and the direct run relative to `sum |x| |w|`, over layers
    /// of 16 to 128 channels, on every instruction set this machine runs; and the same bits at
    /// 1, 2 and 3 threads.
    @Test(arguments: RandomizedKernelTests.instructionSets) func errorStaysWithinTheDotProductBound(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0x3_3333)
        for (channels, filters, height, width, padding) in [
            (16, 8, 40, 40, Padding.symmetric(1, axes: 2)), (32, 16, 41, 45, .valid), (64, 8, 42, 40, .same(extra: .end)),
            (128, 4, 40, 42, .explicit(begin: [2, 0], end: [1, 2])),
        ] {
            let conv = Conv(kernel: try rng.tensor([filters, channels, 3, 3]), bias: try rng.tensor([filters]), padding: padding)
            let x = try rng.tensor([1, channels, height, width])
            try Self.checkWithinDotProductBound(conv, x, context: "\(channels) channels", instructionSet: instructionSet)
            // The 36 products are spread over the threads by point: the same bits at 1, 2 and 3.
            let one = try ExecTestKit.run(.conv(conv), [x], options: ExecutionOptions(threads: 1, instructionSet: instructionSet))
            for threads in [2, 3] {
                #expect(try ExecTestKit.run(.conv(conv), [x], options: ExecutionOptions(threads: threads, instructionSet: instructionSet)) == one)
            }
        }
    }

    /// Runs `conv` on `x` with Winograd allowed and without, and checks both against the oracle
    /// within the classical bound of a float32 dot product of k terms (Higham, Accuracy and
    /// Stability of Numerical Algorithms, 3.1): |error| <= k u (sum |x||w| + |b|), u = 2^-24, k
    /// the taps per output. A wrong tap would be off by a whole term, far outside it.
    static func checkWithinDotProductBound(_ conv: Conv, _ x: Tensor, context: String, instructionSet: InstructionSet) throws {
        let expected = Oracle.conv(OracleArray(x), conv)
        let absoluteBias = try conv.bias.map { try absolute($0) }
        let absoluteConv = Conv(
            kernel: try absolute(conv.kernel), bias: absoluteBias, stride: conv.stride, dilation: conv.dilation, padding: conv.padding, groups: conv.groups)
        let magnitude = Oracle.conv(OracleArray(try absolute(x)), absoluteConv)
        let taps = conv.kernel.shape.dropFirst().reduce(1, *)
        // k products, the bias's add and the rounding of the result: k + 2 roundings.
        let bound = Double(taps + 2) * 0x1p-24
        for winograd in [true, false] {
            let values = ExecTestKit.floats(try ExecTestKit.run(.conv(conv), [x], options: ExecutionOptions(winograd: winograd, instructionSet: instructionSet)))
            try #require(values.count == expected.values.count, "\(context): output size")
            var worst = 0.0
            for (index, value) in values.enumerated() {
                let error = abs(Double(value) - expected.values[index])
                worst = max(worst, error / max(magnitude.values[index], 1e-30))
            }
            #expect(worst < bound, "\(context), winograd \(winograd): error \(worst) of sum |x||w|, bound \(bound)")
        }
    }

    static func absolute(_ tensor: Tensor) throws -> Tensor {
        try Tensor(shape: tensor.shape, values: (tensor.values ?? []).map { abs($0) })
    }
}
