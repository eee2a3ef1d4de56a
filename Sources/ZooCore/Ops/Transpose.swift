/// Permutation of axes: output axis `i` is input axis `permutation[i]` (ONNX Transpose; the
/// default reverses the axes).
///
/// - FLOPs: 0 (data movement).
public struct Transpose: OperatorSemantics {
    public var op: Op { .transpose(self) }

    /// Nil reverses the axes.
    public var permutation: [Int]?

    public init(permutation: [Int]?) { self.permutation = permutation }

    /// NHWC -> NCHW, the boundary transpose of a channels_last model.
    public static let nhwcToNchw = Transpose(permutation: [0, 3, 1, 2])
    /// NCHW -> NHWC.
    public static let nchwToNhwc = Transpose(permutation: [0, 2, 3, 1])

    public static let info = OpInfo(
        name: "transpose", summary: "permutation of axes", flopRule: "0 (data movement)",
        fieldRule: "moves each axis's field with the axis")

    /// The permutation for an input of `rank` axes, validated.
    public func resolvedPermutation(rank: Int) throws -> [Int] {
        let perm = permutation ?? Array((0..<rank).reversed())
        guard perm.count == rank, perm.sorted() == Array(0..<rank) else {
            throw ZooError(.invalidGraph, "transpose needs a permutation of 0..<\(rank) for a rank-\(rank) input. Received: perm \(perm).")
        }
        return perm
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        Shape(try resolvedPermutation(rank: inputs[0].rank).map { inputs[0][$0] })
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { .zero }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        .permute(try resolvedPermutation(rank: inputs[0].rank))
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        guard let perm = try? resolvedPermutation(rank: inputs[0].rank) else { return [] }
        return [("perm", .ints(perm))]
    }
}
