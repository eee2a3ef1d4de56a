/// A float32 constant of any rank: a weight, a bias, a constant operand.
///
/// A tensor of a spec analysed without weights is *declared*: it has a shape and no storage.
/// ``RandomWeights`` materializes declared tensors; readers of weight files produce
/// materialized ones. A declared tensor may know its value without storing it: every element
/// equal to ``fill`` (an ONNX `ConstantOfShape` weight), written out by ``filledOut()`` only
/// when a run needs it. Two tensors are equal when their shapes are and their elements are
/// bit-identical (or both are declared with the same fill).
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    /// Dimensions, outermost first (row-major storage).
    public let shape: [Int]
    /// The product of `shape`.
    public let count: Int
    /// The elements, or nil for a declared tensor.
    public let storage: TensorStorage?
    /// For a declared tensor whose elements are all one known value, that value; else nil.
    public let fill: Float?

    /// A tensor over `storage`, whose element count must equal the product of `shape`.
    public init(shape: [Int], storage: TensorStorage?) throws(ZooError) {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ZooError(.invalidGraph, "Tensor dimensions must not be negative. Received: shape \(shape).")
        }
        let count = try Checked.product(shape, "the element count of tensor shape \(shape)")
        if let storage, storage.buffer.count != count {
            throw ZooError(
                .malformedFile,
                "A tensor must hold exactly the product of its dimensions in elements. Received: shape \(shape) (\(count) elements), \(storage.buffer.count) elements.")
        }
        self.shape = shape
        self.count = count
        self.storage = storage
        self.fill = nil
    }

    private init(declared shape: [Int], count: Int, fill: Float?) {
        self.shape = shape
        self.count = count
        self.storage = nil
        self.fill = fill
    }

    /// A tensor owning a copy of `values`.
    public init(shape: [Int], values: [Float]) throws(ZooError) {
        try self.init(shape: shape, storage: TensorStorage(values))
    }

    /// A declared tensor: a shape without elements, whose elements all equal `fill` when given.
    public static func declared(shape: [Int], fill: Float? = nil) throws(ZooError) -> Tensor {
        let shapeOnly = try Tensor(shape: shape, storage: nil)
        return Tensor(declared: shape, count: shapeOnly.count, fill: fill)
    }

    /// The same elements in `shape` (of the same element count): the storage is shared, a
    /// declared tensor stays declared with its fill.
    public func reshaped(_ shape: [Int]) throws(ZooError) -> Tensor {
        guard storage == nil else { return try Tensor(shape: shape, storage: storage) }
        let target = try Tensor.declared(shape: shape, fill: fill)
        guard target.count == count else {
            throw ZooError(.invalidGraph, "A reshape keeps the element count. Received: \(self.shape) to \(shape).")
        }
        return target
    }

    /// A declared tensor with a ``fill`` written out into new storage; nil for any other tensor.
    /// Callers check memory first (see ``Graph/checkDeclaredWeightsFit(what:)``).
    public func filledOut() throws(ZooError) -> Tensor? {
        guard storage == nil, let fill else { return nil }
        return try Tensor(shape: shape, storage: TensorStorage(count: count) { $0.initialize(repeating: fill) })
    }

    /// Whether the tensor holds elements.
    public var isMaterialized: Bool { storage != nil }

    /// The elements as an array (a copy), or nil for a declared tensor.
    public var values: [Float]? { storage.map { Array($0.buffer) } }

    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        switch (lhs.storage, rhs.storage) {
        case (nil, nil): return lhs.fill?.bitPattern == rhs.fill?.bitPattern
        case (let a?, let b?):
            if a === b { return true }
            return zip(a.buffer, b.buffer).allSatisfy { $0.bitPattern == $1.bitPattern }
        default: return false
        }
    }

    public var description: String {
        "Tensor(\(shape)\(isMaterialized ? "" : fill.map { ", filled with \($0)" } ?? ", declared"))"
    }
}
