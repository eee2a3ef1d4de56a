/// What the global pools share: input `[N, C, spatial...]` (at least one spatial axis), output
/// `[N, C, 1, ...]`, no weights, a global receptive field.
public protocol GlobalPool: OperatorSemantics {}

extension GlobalPool {
    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        guard input.rank >= 3 else {
            throw ZooError(.shapeMismatch, "\(Self.info.name) needs an input [N, C, spatial...] of rank 3 or more. Received: input \(input).")
        }
        for axis in 2..<input.rank { _ = try input.size(ofAxis: axis, for: Self.info.name) }
        return Shape(Array(input.dims.prefix(2)) + Array(repeating: Dim.fixed(1), count: input.rank - 2))
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    /// The number of spatial elements one output summarizes (H x W).
    func windowSize(_ input: Shape) throws -> Int {
        try Checked.product(input.dims.dropFirst(2).map(\.sizeCountingSymbolsAsOne), "the global pool window")
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .global }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [] }
}
