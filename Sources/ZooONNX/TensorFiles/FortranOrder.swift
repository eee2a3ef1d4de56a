import ZooCore

/// Reordering a Fortran-order (column-major) array into the row-major order of a ``Tensor``.
///
/// A `.npy` file with `fortran_order: True` stores element `(i0, ..., i(n-1))` of shape
/// `(d0, ..., d(n-1))` at offset `i0 + d0 * (i1 + d1 * (i2 + ...))`: the first axis varies
/// fastest. zoo reads such files by transposing them into C order (the values and shape are
/// what `numpy.load` returns; only the memory order differs), as `np.ascontiguousarray` would.
enum FortranOrder {
    /// The C-order copy of `source`, which holds the elements of `shape` in Fortran order.
    /// `source.count` is the product of `shape`, checked by the caller.
    static func toCOrder(_ source: UnsafeBufferPointer<Float>, shape: [Int]) throws -> TensorStorage {
        let rank = shape.count
        let count = source.count
        return try TensorStorage(count: count) { out in
            guard count > 0 else { return }
            guard rank > 1 else {
                for index in 0..<count { out[index] = source[index] }
                return
            }
            // Fortran strides: the first axis is contiguous. Every partial product is at most
            // `count`, which fits.
            var strides = [Int](repeating: 1, count: rank)
            for axis in 1..<rank { strides[axis] = strides[axis - 1] * shape[axis - 1] }
            var index = [Int](repeating: 0, count: rank)
            var offset = 0
            for position in 0..<count {
                out[position] = source[offset]
                // Advance the C-order odometer (last axis fastest) and the Fortran offset with it.
                var axis = rank - 1
                index[axis] += 1
                offset += strides[axis]
                while axis > 0 && index[axis] == shape[axis] {
                    offset -= shape[axis] * strides[axis]
                    index[axis] = 0
                    axis -= 1
                    index[axis] += 1
                    offset += strides[axis]
                }
            }
        }
    }
}
