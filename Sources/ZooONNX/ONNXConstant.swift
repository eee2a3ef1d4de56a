import ZooCore

/// A value known at import time: an initializer, a Constant node's value, or the result of
/// folding shape arithmetic. Floating-point data stays a float32 ``Tensor`` (borrowed from the
/// model where it can be); integer data is kept as Int64 for shape arithmetic.
struct ONNXConstant {
    enum Values {
        case floats(Tensor)
        case integers([Int64])
    }

    let shape: [Int]
    let values: Values

    init(shape: [Int], floats tensor: Tensor) {
        self.shape = shape
        self.values = .floats(tensor)
    }

    init(shape: [Int], integers: [Int64]) {
        self.shape = shape
        self.values = .integers(integers)
    }

    /// A 1-D integer constant.
    init(vector: [Int64]) {
        self.init(shape: [vector.count], integers: vector)
    }

    var count: Int {
        switch values {
        case .floats(let tensor): tensor.count
        case .integers(let integers): integers.count
        }
    }

    /// The values as a float32 tensor of this shape (integers converted).
    func floatTensor() throws -> Tensor {
        switch values {
        case .floats(let tensor): return tensor
        case .integers(let integers): return try Tensor(shape: shape, values: integers.map { Float($0) })
        }
    }

    /// The values as integers; floats must be integral and in range (shape arithmetic on
    /// float tensors, as some exporters write it).
    func integers(for what: String) throws -> [Int64] {
        switch values {
        case .integers(let integers): return integers
        case .floats(let tensor):
            return try Self.elements(of: tensor, for: what).map { value in
                guard value.isFinite, value == value.rounded(), let integer = Int64(exactly: value) else {
                    throw ZooError(.invalidGraph, "\(what) must hold integers. Received: \(value).")
                }
                return integer
            }
        }
    }

    /// The elements of a float constant read as shape arithmetic: its storage, or its fill
    /// written out for at most 2^20 elements (a ConstantOfShape weight is never a shape vector).
    static func elements(of tensor: Tensor, for what: String) throws -> [Float] {
        if let storage = tensor.storage { return Array(storage.buffer) }
        guard let fill = tensor.fill else { return [] }
        guard tensor.count <= 1 << 20 else {
            throw ZooError(.unsupported, "\(what) folds tensors of at most 1,048,576 elements. Received: shape \(tensor.shape).")
        }
        return Array(repeating: fill, count: tensor.count)
    }

    /// The values as Ints (sizes, axes), checked to fit.
    func ints(for what: String) throws -> [Int] {
        try integers(for: what).map { value in
            guard let integer = Int(exactly: value) else {
                throw ZooError(.invalidGraph, "\(what) must fit in an Int. Received: \(value).")
            }
            return integer
        }
    }

    /// The single value of a scalar or one-element constant.
    func scalarFloat(for what: String) throws -> Float {
        guard count == 1 else {
            throw ZooError(.invalidGraph, "\(what) must be a scalar. Received: a tensor of shape \(shape).")
        }
        switch values {
        case .floats(let tensor): return tensor.storage?.buffer.first ?? tensor.fill ?? 0
        case .integers(let integers): return Float(integers[0])
        }
    }
}
