/// Average pooling over 1 or 2 spatial axes.
///
///     Y[n, c, y, x] = (1 / count) sum over i < k_h, j < k_w of Xpad[n, c, y s_h + i d_h, x s_w + j d_w]
///
/// `count` is, when `countIncludePad` is set, the number of window elements inside the padded
/// input (`k_h k_w`, except for a ceil-mode window that hangs past the end padding: ONNX's
/// reference and PyTorch count only its elements inside), otherwise the number of window
/// elements inside the unpadded input.
/// - FLOPs: `k_h k_w` per output element (the adds and the division).
public struct AveragePool: SpatialPool {
    public var op: Op { .averagePool(self) }

    public var window: SpatialWindow
    public var countIncludePad: Bool

    public init(window: SpatialWindow, countIncludePad: Bool = false) {
        self.window = window
        self.countIncludePad = countIncludePad
    }

    public static let info = OpInfo(
        name: "avgpool",
        summary: "average pooling over 1 or 2 spatial axes (stride, dilation, padding, ceil mode, count_include_pad)",
        flopRule: "kh x kw per output element",
        fieldRule: SpatialWindow.fieldRule)

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try .perElement(try Checked.product(window.kernel), of: output)
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        windowAttributes(inputs: inputs) + [("count_include_pad", .bool(countIncludePad))]
    }
}
