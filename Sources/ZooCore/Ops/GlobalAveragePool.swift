/// The mean over every spatial position of each channel: `Y[n, c] = (1 / HW) sum_{y,x} X[n, c, y, x]`,
/// kept as `[N, C, 1, 1]`.
///
/// - FLOPs: `H W` per output element.
public struct GlobalAveragePool: GlobalPool {
    public var op: Op { .globalAveragePool(self) }

    public init() {}

    public static let info = OpInfo(
        name: "globalavgpool",
        summary: "mean over all spatial positions of each channel, output [N, C, 1, 1]",
        flopRule: "H x W per output element",
        fieldRule: "global")

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        try .perElement(try windowSize(inputs[0]), of: output)
    }
}
