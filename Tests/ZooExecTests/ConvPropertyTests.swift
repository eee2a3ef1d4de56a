import Testing
import ZooCore
import ZooExec
import ZooTestSupport

/// The lecture's two properties of convolution, checked on the executor's conv kernel in every
/// path it has (pointwise, depthwise, 3x3 stride 1, im2col; 1-D and 2-D; grouped, strided,
/// dilated, padded): the expectation is the law itself, not another run's output.
@Suite("Convolution properties")
struct ConvPropertyTests {
    /// Hand-picked convolutions, one or more per kernel path, without bias, each with the shape
    /// of the input it runs on.
    static func configurations(_ rng: inout SplitMix64) throws -> [(name: String, conv: Conv, input: [Int])] {
        [
            ("pointwise", Conv(kernel: try rng.tensor([6, 4, 1, 1]), bias: nil), [2, 4, 9, 11]),
            ("pointwise grouped", Conv(kernel: try rng.tensor([6, 2, 1, 1]), bias: nil, groups: 2), [1, 4, 7, 8]),
            ("3x3 stride 1 same", Conv(kernel: try rng.tensor([8, 8, 3, 3]), bias: nil, padding: .same(extra: .end)), [2, 8, 13, 14]),
            ("3x3 stride 1 valid", Conv(kernel: try rng.tensor([5, 6, 3, 3]), bias: nil), [1, 6, 10, 17]),
            (
                "depthwise", Conv(kernel: try rng.tensor([6, 1, 3, 3]), bias: nil, padding: .symmetric(1, axes: 2), groups: 6),
                [2, 6, 12, 12]
            ),
            (
                "depthwise multiplier 2",
                Conv(kernel: try rng.tensor([6, 1, 3, 3]), bias: nil, stride: [2, 1], padding: .symmetric(1, axes: 2), groups: 3),
                [1, 3, 14, 12]
            ),
            (
                "strided", Conv(kernel: try rng.tensor([4, 3, 3, 3]), bias: nil, stride: [2, 2], padding: .symmetric(1, axes: 2)),
                [2, 3, 15, 16]
            ),
            (
                "dilated asymmetric",
                Conv(
                    kernel: try rng.tensor([4, 2, 2, 3]), bias: nil, stride: [1, 2], dilation: [2, 2],
                    padding: .explicit(begin: [1, 0], end: [0, 2]), groups: 2), [1, 4, 14, 17]
            ),
            ("1-D strided same", Conv(kernel: try rng.tensor([5, 3, 3]), bias: nil, stride: [2], padding: .same(extra: .beginning)), [2, 3, 20]),
            ("1-D dilated", Conv(kernel: try rng.tensor([4, 4, 2]), bias: nil, dilation: [3], padding: .explicit(begin: [2], end: [1])), [1, 4, 19]),
        ]
    }

    /// Linearity: `conv(a x + b y) = a conv(x) + b conv(y)` without bias, elementwise within
    /// `1e-5 + 1e-4 (|a conv(x)| + |b conv(y)|)` (relative to the terms, which may cancel).
    /// The hand-picked paths, then random convolutions (bias removed).
    @Test func linearInTheInput() throws {
        var rng = SplitMix64(seed: 0x11_4EA7)
        var cases = try Self.configurations(&rng)
        for index in 0..<20 {
            var (conv, x) = try RandomizedKernelTests.randomConv(&rng, spatial: index % 2 + 1)
            conv.bias = nil
            cases.append(("random \(index)", conv, x.shape))
        }
        for (name, conv, shape) in cases {
            let x = try rng.tensor(shape), y = try rng.tensor(shape)
            let a = rng.float(-2...2), b = rng.float(-2...2)
            let combined = try Tensor(shape: shape, values: zip(ExecTestKit.floats(x), ExecTestKit.floats(y)).map { a * $0 + b * $1 })
            let lhs = ExecTestKit.floats(try ExecTestKit.run(.conv(conv), [combined]))
            let cx = ExecTestKit.floats(try ExecTestKit.run(.conv(conv), [x]))
            let cy = ExecTestKit.floats(try ExecTestKit.run(.conv(conv), [y]))
            try #require(lhs.count == cx.count && cx.count == cy.count, "\(name): output sizes differ")
            for index in lhs.indices {
                let ax = Double(a) * Double(cx[index]), by = Double(b) * Double(cy[index])
                let difference = abs(Double(lhs[index]) - (ax + by))
                if difference > ExecTestKit.atol + ExecTestKit.rtol * (abs(ax) + abs(by)) {
                    Issue.record("\(name): element \(index): conv(ax + by) \(lhs[index]) vs a conv(x) + b conv(y) \(ax + by) — \(conv) on \(shape)")
                    break
                }
            }
        }
    }

    /// `x` moved by `step` towards lower indices along `axis`: `x'[.., i, ..] = x[.., i + step, ..]`,
    /// the last `step` positions filled with fresh random values (so the borders differ).
    static func shifted(_ x: Tensor, axis: Int, by step: Int, _ rng: inout SplitMix64) throws -> Tensor {
        let source = OracleArray(x)
        var moved = source
        OracleArray.forEachIndex(x.shape) { index in
            var from = index
            from[axis] += step
            moved[index] = from[axis] < x.shape[axis] ? source[from] : Double(rng.float(-1...1))
        }
        return try Tensor(shape: x.shape, values: moved.values.map { Float($0) })
    }

    /// Translation equivariance away from the borders: shifting the input by one stride step
    /// along a spatial axis shifts the output by one position, `conv(x')[o] = conv(x)[o + 1]`,
    /// for every output position `o` whose window (and the next one in `x`) reads only real,
    /// shifted data (no padding, none of the fresh border values). Both axes of every 2-D
    /// configuration, the one axis of the 1-D ones; the interior must not be empty.
    @Test func translationEquivariantInTheInterior() throws {
        var rng = SplitMix64(seed: 0x5_41F7)
        for (name, conv, shape) in try Self.configurations(&rng) {
            let spatial = conv.kernelSize.count
            let x = try rng.tensor(shape)
            let output = OracleArray(try ExecTestKit.run(.conv(conv), [x]))
            for axis in 0..<spatial {
                let stride = conv.stride[axis], dilation = conv.dilation[axis], kernel = conv.kernelSize[axis]
                let size = shape[2 + axis]
                let window = Oracle.window(
                    axis: axis, input: size, kernel: kernel, stride: stride, dilation: dilation, padding: conv.padding, ceilMode: false)
                let moved = OracleArray(try ExecTestKit.run(.conv(conv), [try Self.shifted(x, axis: 2 + axis, by: stride, &rng)]))
                try #require(moved.shape == output.shape, "\(name): shapes differ")
                // Output o of x' reads input columns o s - p_b + j d: all real and shifted when
                // o s - p_b >= 0 and o s - p_b + (k - 1) d <= size - 1 - s.
                var interior = 0
                var failed = false
                OracleArray.forEachIndex(output.shape) { index in
                    guard !failed else { return }
                    let o = index[2 + axis]
                    let first = o * stride - window.padBegin, last = first + (kernel - 1) * dilation
                    guard first >= 0, last <= size - 1 - stride, o + 1 < window.output else { return }
                    var next = index
                    next[2 + axis] += 1
                    let expected = output[next], actual = moved[index]
                    interior += 1
                    if !isClose(actual, expected, rtol: ExecTestKit.rtol, atol: ExecTestKit.atol) {
                        Issue.record("\(name), axis \(axis): output \(index) of the shifted input \(actual) vs \(next) of the input \(expected)")
                        failed = true
                    }
                }
                #expect(interior > 0, "\(name), axis \(axis): no interior output to compare")
            }
        }
    }
}
