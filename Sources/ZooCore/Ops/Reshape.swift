/// Reshaping to `target` (ONNX Reshape): a `-1` entry takes the remaining size, a `0` entry
/// copies the input's size on that axis unless `allowZero` is set (then it means 0).
///
/// - FLOPs: 0 (data movement).
public struct Reshape: OperatorSemantics {
    public var op: Op { .reshape(self) }

    public var target: [Int]
    public var allowZero: Bool

    public init(target: [Int], allowZero: Bool = false) {
        self.target = target
        self.allowZero = allowZero
    }

    public static let info = OpInfo(
        name: "reshape", summary: "reshape to a target shape (-1 inferred, 0 copies)", flopRule: "0 (data movement)",
        fieldRule: "keeps spatial axes that survive unchanged, otherwise global")

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        guard target.filter({ $0 == -1 }).count <= 1, target.allSatisfy({ $0 >= -1 }) else {
            throw ZooError(.invalidGraph, "reshape target may hold one -1 and no other negative size. Received: target \(target).")
        }
        var dims: [Dim] = []
        var inferred: Int?
        for (index, size) in target.enumerated() {
            switch size {
            case -1:
                inferred = index
                dims.append(.fixed(1))
            case 0 where !allowZero:
                guard index < input.rank else {
                    throw ZooError(.shapeMismatch, "reshape target copies axis \(index) (0), which the input lacks. Received: input \(input), target \(target).")
                }
                dims.append(input[index])
            default:
                dims.append(.fixed(size))
            }
        }
        let total = try DimProduct(input.dims)
        let known = try DimProduct(dims)
        if let inferred {
            guard let rest = total.dividing(by: known) else {
                throw ZooError(
                    .shapeMismatch,
                    "reshape must keep the element count; the -1 entry cannot be inferred. Received: input \(input), target \(target).")
            }
            dims[inferred] = rest.dim
        } else if total != known {
            throw ZooError(.shapeMismatch, "reshape must keep the element count. Received: input \(input), target \(target).")
        }
        return Shape(dims)
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { .zero }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .reshape }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("shape", .ints(target)), ("allowzero", .bool(allowZero))]
    }
}
