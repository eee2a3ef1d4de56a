import ZooCore

/// A ``SpatialWindow`` resolved against a concrete `[N, C, spatial...]` input, with a 1-D
/// window seen as a 2-D one of height 1, so that conv and pool kernels handle one case.
/// Padding comes from the window's one resolver (``SpatialWindow/resolve(input:op:)``).
struct WindowGeometry: Sendable {
    let batch: Int, channels: Int
    let height: Int, width: Int
    let outHeight: Int, outWidth: Int
    let kernelHeight: Int, kernelWidth: Int
    let strideHeight: Int, strideWidth: Int
    let dilationHeight: Int, dilationWidth: Int
    let padTop: Int, padLeft: Int, padBottom: Int, padRight: Int

    init(_ window: SpatialWindow, input: [Int], op: String) throws {
        let resolved = try window.resolve(input: Shape(input), op: op)
        batch = input[0]
        channels = input[1]
        // Axis 0 of a 1-D window is the width; a 2-D window's axes are height, width.
        let h = window.spatialRank == 2 ? 0 : nil, w = window.spatialRank - 1
        height = h.map { resolved.input[$0] } ?? 1
        width = resolved.input[w]
        outHeight = h.map { resolved.output[$0] } ?? 1
        outWidth = resolved.output[w]
        kernelHeight = h.map { window.kernel[$0] } ?? 1
        kernelWidth = window.kernel[w]
        strideHeight = h.map { window.stride[$0] } ?? 1
        strideWidth = window.stride[w]
        dilationHeight = h.map { window.dilation[$0] } ?? 1
        dilationWidth = window.dilation[w]
        padTop = h.map { resolved.padBegin[$0] } ?? 0
        padBottom = h.map { resolved.padEnd[$0] } ?? 0
        padLeft = resolved.padBegin[w]
        padRight = resolved.padEnd[w]
    }

    var inputPlane: Int { height * width }
    var outputPlane: Int { outHeight * outWidth }

    /// Whether the window never leaves the input (no padding reached).
    var isUnpadded: Bool { padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0 }
}

extension WindowGeometry {
    /// The kernel taps `k` (of `kernel`) at which output `o` reads inside `lower ..< upper`
    /// along one axis, where tap `k` reads `o stride + k dilation - pad`.
    @inline(__always)
    static func taps(_ o: Int, kernel: Int, stride: Int, dilation: Int, pad: Int, lower: Int, upper: Int) -> Range<Int> {
        let start = o * stride - pad
        // k dilation + start >= lower  and  k dilation + start < upper
        let first = start >= lower ? 0 : (lower - start + dilation - 1) / dilation
        let end = upper - start <= 0 ? 0 : min(kernel, (upper - start - 1) / dilation + 1)
        return first < end ? first..<end : 0..<0
    }

    /// The taps of output row `o` that read inside the input.
    @inline(__always)
    func rowTaps(_ o: Int) -> Range<Int> {
        Self.taps(o, kernel: kernelHeight, stride: strideHeight, dilation: dilationHeight, pad: padTop, lower: 0, upper: height)
    }

    /// The taps of output column `o` that read inside the input.
    @inline(__always)
    func columnTaps(_ o: Int) -> Range<Int> {
        Self.taps(o, kernel: kernelWidth, stride: strideWidth, dilation: dilationWidth, pad: padLeft, lower: 0, upper: width)
    }
}
