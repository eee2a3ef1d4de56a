/// Dropout, the identity at inference; `ratio` is kept so that writers can restore it.
public struct Dropout: ElementwiseUnary {
    public var op: Op { .dropout(self) }

    public var ratio: Float

    public init(ratio: Float = 0.5) { self.ratio = ratio }

    public static let flopsPerElement = 0

    public static let info = OpInfo(
        name: "dropout", summary: "identity at inference", flopRule: "0 (data movement)", fieldRule: passThroughFieldRule)

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("ratio", .float(ratio))] }
}
