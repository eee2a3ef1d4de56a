import ZooCore

/// Layer normalization: each run of the axes from `axis` on is normalized by its own mean and
/// variance, then scaled and shifted element by element (``RowNormalization`` with the affine
/// index `i`).
struct LayerNormKernel: Kernel {
    private let normalization: RowNormalization

    init(_ norm: LayerNorm, input: [Int]) throws {
        let axis = try Shape(input).normalizedAxis(norm.axis, for: LayerNorm.info.name)
        normalization = RowNormalization(
            shape: input, rows: input[..<axis].reduce(1, *), length: input[axis...].reduce(1, *), epsilon: Double(norm.epsilon),
            scale: norm.scale?.values, shift: norm.bias?.values, period: 1, perRow: 0, perIndex: 1)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor { try normalization.run(inputs[0], context: context) }
}
