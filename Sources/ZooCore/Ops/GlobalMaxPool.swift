/// The maximum over every spatial position of each channel, kept as `[N, C, 1, 1]`.
///
/// - FLOPs: `H W - 1` per output element.
public struct GlobalMaxPool: GlobalPool {
    public var op: Op { .globalMaxPool(self) }

    public init() {}

    public static let info = OpInfo(
        name: "globalmaxpool",
        summary: "maximum over all spatial positions of each channel, output [N, C, 1, 1]",
        flopRule: "H x W - 1 per output element",
        fieldRule: "global")

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try .perElement(max(try windowSize(inputs[0]) - 1, 0), of: output)
    }
}
