/// Max pooling over 1 or 2 spatial axes; padding counts as negative infinity.
///
///     Y[n, c, y, x] = max over i < k_h, j < k_w of Xpad[n, c, y s_h + i d_h, x s_w + j d_w]
///
/// - FLOPs: `k_h k_w - 1` comparisons per output element.
/// - Output size: see ``SpatialWindow`` (`ceilMode` rounds up).
public struct MaxPool: SpatialPool {
    public var op: Op { .maxPool(self) }

    public var window: SpatialWindow

    public init(window: SpatialWindow) { self.window = window }

    public static let info = OpInfo(
        name: "maxpool",
        summary: "max pooling over 1 or 2 spatial axes (stride, dilation, padding, ceil mode)",
        flopRule: "kh x kw - 1 per output element",
        fieldRule: SpatialWindow.fieldRule)

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try .perElement(try Checked.product(window.kernel) - 1, of: output)
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        windowAttributes(inputs: inputs)
    }
}
