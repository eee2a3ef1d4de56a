import ZooCore

/// Group normalization: the `C / groups` channels of each group of each sample are normalized
/// together by their mean and variance, then scaled and shifted per channel
/// (``RowNormalization`` with the affine index `(r % groups) (C / groups) + i / spatial`); a
/// per-group scale and bias (GroupNormalization-18) are repeated over each group's channels first.
struct GroupNormKernel: Kernel {
    private let normalization: RowNormalization

    init(_ norm: GroupNorm, input: [Int]) {
        let channels = input[1], spatial = input.dropFirst(2).reduce(1, *)
        let channelsPerGroup = channels / norm.groups
        func perChannel(_ tensor: Tensor?) -> [Float]? {
            guard let tensor, let values = tensor.values else { return nil }
            guard norm.isPerGroup(tensor, channels: channels) else { return values }
            return (0..<channels).map { values[$0 / channelsPerGroup] }
        }
        normalization = RowNormalization(
            shape: input, rows: input[0] * norm.groups, length: channelsPerGroup * spatial, epsilon: Double(norm.epsilon),
            scale: perChannel(norm.scale), shift: perChannel(norm.bias), period: norm.groups, perRow: channelsPerGroup,
            perIndex: spatial)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor { try normalization.run(inputs[0], context: context) }
}
