/// What the reductions share (ReduceMean, ReduceSum, ReduceMax, ReduceMin): one input, a set of
/// `axes` to reduce (empty: every axis), and `keepDims`, which keeps each reduced axis as size 1
/// instead of dropping it. The output is the input's shape with the reduced axes set to 1
/// (`keepDims`) or removed.
///
/// - FLOPs: 1 per input element.
/// - Receptive field: a reduce step over the reduced axes (global when one of them is a spatial
///   axis of size > 1).
public protocol Reduction: OperatorSemantics {
    /// The axes reduced (negative ones count from the end); empty means every axis.
    var axes: [Int] { get }
    /// Whether the reduced axes stay in the output with size 1.
    var keepDims: Bool { get }
    init(axes: [Int], keepDims: Bool)
}

extension Reduction {
    /// The reduced axes of `input`, in increasing order: every axis when ``axes`` is empty; an
    /// error when one lies outside the rank or appears twice.
    public func resolvedAxes(_ input: Shape) throws -> [Int] {
        guard !axes.isEmpty else { return Array(0..<input.rank) }
        var resolved: [Int] = []
        for axis in axes {
            let normalized = try input.normalizedAxis(axis, for: Self.info.name)
            guard !resolved.contains(normalized) else {
                throw ZooError(
                    .invalidGraph,
                    "\(Self.info.name) axes must be distinct (after counting negative ones from the end). Received: axes \(axes), input \(input).")
            }
            resolved.append(normalized)
        }
        return resolved.sorted()
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        let reduced = Set(try resolvedAxes(input))
        var dims: [Dim] = []
        for (axis, dim) in input.dims.enumerated() {
            if !reduced.contains(axis) {
                dims.append(dim)
            } else if keepDims {
                dims.append(.fixed(1))
            }
        }
        return Shape(dims)
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { try .perElement(1, of: inputs[0]) }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        .reduce(axes: try resolvedAxes(inputs[0]))
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("axes", .ints(axes)), ("keepdims", .bool(keepDims))]
    }

    /// The rule texts shared by the reductions.
    static var reductionFlopRule: String { "1 per input element" }
    static var reductionFieldRule: String { "global when a reduced axis is spatial, otherwise passes the field through" }
}
