extension Tensor {
    /// The tensor with its axes permuted: output axis `k` is input axis `order[k]`
    /// (`Y[i_0, ..., i_{r-1}] = X[j]` with `j[order[k]] = i_k`), in new storage; a declared
    /// tensor gives a declared one. Layout conversions of weights (HWIO -> OIHW, a dense weight
    /// transposed for another format) go through here.
    ///
    /// - Throws: `invalidGraph` when `order` is not a permutation of the tensor's axes.
    public func permuted(_ order: [Int]) throws(ZooError) -> Tensor {
        guard order.sorted() == Array(shape.indices) else {
            throw ZooError(.invalidGraph, "A permutation must name every axis once. Received: \(order) for shape \(shape).")
        }
        let permutedShape = order.map { shape[$0] }
        // Without elements there is nothing to move (and strides of the other axes may not fit in an Int).
        guard let source = storage?.buffer, count > 0 else { return try reshaped(permutedShape) }
        var inputStrides = Array(repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { inputStrides[axis] = inputStrides[axis + 1] * shape[axis + 1] }
        let strides = order.map { inputStrides[$0] }
        let rank = permutedShape.count
        let inner = rank > 0 ? permutedShape[rank - 1] : 1, innerStride = rank > 0 ? strides[rank - 1] : 0
        let rows = inner > 0 ? count / inner : 0
        let result = try TensorStorage(count: count) { output in
            // One output row (the last output axis) at a time, its source walked by the stride
            // of the axis it comes from.
            var index = Array(repeating: 0, count: max(rank - 1, 0))
            var offset = 0
            for row in 0..<rows {
                let base = row * inner
                for k in 0..<inner { output[base + k] = source[offset + k * innerStride] }
                var axis = rank - 2
                while axis >= 0 {
                    index[axis] += 1
                    offset += strides[axis]
                    if index[axis] < permutedShape[axis] { break }
                    offset -= strides[axis] * permutedShape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return try Tensor(shape: permutedShape, storage: result)
    }
}
