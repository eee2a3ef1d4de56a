/// The identity: `Y = X` (ONNX Identity). It keeps a value's name where a model gives one value
/// two names (a graph output that is also an intermediate value).
///
/// - FLOPs: 0 (data movement).
public struct Identity: ElementwiseUnary {
    public var op: Op { .identity(self) }

    public init() {}

    public static let flopsPerElement = 0

    public static let info = OpInfo(
        name: "identity", summary: "y = x", flopRule: "0 (data movement)", fieldRule: passThroughFieldRule)
}
