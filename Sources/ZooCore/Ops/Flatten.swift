/// Flattening to a matrix (ONNX Flatten): `[d_0, ..., d_n] -> [d_0 ... d_{axis-1}, d_axis ... d_n]`.
/// `axis` lies in `[-rank, rank]`; Keras `Flatten` is axis 1.
///
/// - FLOPs: 0 (data movement).
public struct Flatten: OperatorSemantics {
    public var op: Op { .flatten(self) }

    public var axis: Int

    public init(axis: Int = 1) { self.axis = axis }

    public static let info = OpInfo(
        name: "flatten", summary: "reshape to a matrix [prod(d < axis), prod(d >= axis)]", flopRule: "0 (data movement)",
        fieldRule: "keeps spatial axes that survive unchanged, otherwise global")

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        let split = try input.normalizedAxis(axis, for: Self.info.name, allowingEnd: true)
        return Shape([try DimProduct(input.dims[..<split]).dim, try DimProduct(input.dims[split...]).dim])
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { .zero }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .reshape }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("axis", .int(axis))] }
}
