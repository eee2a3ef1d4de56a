/// A float32 constant of any rank: a weight, a bias, a constant operand.
///
/// A tensor of a spec analysed without weights is *declared*: it has a shape and no storage.
/// ``RandomWeights`` materializes declared tensors; readers of weight files produce
/// materialized ones. Two tensors are equal when their shapes are and their elements are
/// bit-identical (or both are declared).
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    /// Dimensions, outermost first (row-major storage).
    public let shape: [Int]
    /// The product of `shape`.
    public let count: Int
    /// The elements, or nil for a declared tensor.
    public let storage: TensorStorage?

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
    }

    /// A tensor owning a copy of `values`.
    public init(shape: [Int], values: [Float]) throws(ZooError) {
        try self.init(shape: shape, storage: TensorStorage(values))
    }

    /// A declared tensor: a shape without elements.
    public static func declared(shape: [Int]) throws(ZooError) -> Tensor {
        try Tensor(shape: shape, storage: nil)
    }

    /// Whether the tensor holds elements.
    public var isMaterialized: Bool { storage != nil }

    /// The elements as an array (a copy), or nil for a declared tensor.
    public var values: [Float]? { storage.map { Array($0.buffer) } }

    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        switch (lhs.storage, rhs.storage) {
        case (nil, nil): return true
        case (let a?, let b?):
            if a === b { return true }
            return zip(a.buffer, b.buffer).allSatisfy { $0.bitPattern == $1.bitPattern }
        default: return false
        }
    }

    public var description: String {
        "Tensor(\(shape)\(isMaterialized ? "" : ", declared"))"
    }
}
