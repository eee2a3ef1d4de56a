/// Broadcast to a constant shape (ONNX Expand-8/13): the output shape is the bidirectional
/// (NumPy) broadcast of the input's shape and `shape` (``Broadcasting``), so a 1 in `shape`
/// keeps the input's size and `shape` may have fewer axes than the input;
/// `Y[i] = X[i']` with `i'_k = 0` on the input's axes of size 1 and `i'_k = i_k` on the others
/// (axes aligned at the last).
///
/// - FLOPs: 0 (data movement).
/// - Receptive field: element-wise (each output element reads one input element).
public struct Expand: OperatorSemantics {
    public var op: Op { .expand(self) }

    /// The target shape, every entry at least 0.
    public var shape: [Int]

    public init(shape: [Int]) { self.shape = shape }

    public static let info = OpInfo(
        name: "expand", summary: "broadcast to a constant shape (ONNX Expand)", flopRule: "0 (data movement)",
        fieldRule: "element-wise")

    public func outputShape(inputs: [Shape]) throws -> Shape {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ZooError(.invalidGraph, "expand shape entries must not be negative. Received: shape \(shape) for input \(inputs[0]).")
        }
        return try Broadcasting.shape([inputs[0], Shape(shape)], op: Self.info.name)
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { .zero }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .elementwise }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("shape", .ints(shape))] }
}
