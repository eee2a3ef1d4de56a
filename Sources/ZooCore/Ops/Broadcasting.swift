/// NumPy (multidirectional) broadcasting of shapes, as ONNX Add, Sub, Mul, Div and MatMul use it.
///
/// Shapes are aligned at their last axis; a missing axis counts as 1; on each axis the sizes
/// must be equal or one of them 1, and the output takes the other. A symbolic dimension
/// broadcasts with 1 and with itself.
public enum Broadcasting {
    /// The broadcast shape of `shapes`, or a `shapeMismatch` error naming the axis and the shapes.
    public static func shape(_ shapes: [Shape], op: String) throws -> Shape {
        let rank = shapes.map(\.rank).max() ?? 0
        var dims: [Dim] = []
        dims.reserveCapacity(rank)
        for axis in 0..<rank {
            var result: Dim = .fixed(1)
            for shape in shapes {
                let offset = axis - (rank - shape.rank)
                guard offset >= 0 else { continue }
                let dim = shape[offset]
                if dim == result || dim == .fixed(1) { continue }
                if result == .fixed(1) {
                    result = dim
                    continue
                }
                throw ZooError(
                    .shapeMismatch,
                    "\(op) inputs must broadcast: on every axis (aligned from the last) the sizes must be equal or 1. Received: \(shapes.map(\.description).joined(separator: " and ")), which differ on axis \(axis - rank) (\(result) vs \(dim)).")
            }
            dims.append(result)
        }
        return Shape(dims)
    }
}
