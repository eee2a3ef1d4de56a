/// Concatenation along one axis: every input has the same rank and the same sizes off `axis`;
/// the output's `axis` is the sum of theirs.
///
/// - FLOPs: 0 (data movement).
public struct Concat: OperatorSemantics {
    public var op: Op { .concat(self) }

    public var axis: Int

    public init(axis: Int = 1) { self.axis = axis }

    public static let info = OpInfo(
        name: "concat", summary: "concatenation along one axis", flopRule: "0 (data movement)",
        fieldRule: "merges the inputs' fields; global when concatenating along a spatial axis",
        minInputs: 1, maxInputs: nil)

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let first = inputs[0]
        let resolved = try first.normalizedAxis(axis, for: Self.info.name)
        var total = 0
        for input in inputs {
            guard input.rank == first.rank,
                zip(input.dims, first.dims).enumerated().allSatisfy({ $0.offset == resolved || $0.element.0 == $0.element.1 })
            else {
                throw ZooError(
                    .shapeMismatch,
                    "concat inputs must match on every axis but the concatenation axis \(axis). Received: \(inputs.map(\.description).joined(separator: ", ")).")
            }
            total = try Checked.add(total, try input.size(ofAxis: resolved, for: Self.info.name), "the concatenated size")
        }
        var dims = first.dims
        dims[resolved] = .fixed(total)
        return Shape(dims)
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { .zero }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        .concat(axis: try inputs[0].normalizedAxis(axis, for: Self.info.name))
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("axis", .int(axis))] }
}
