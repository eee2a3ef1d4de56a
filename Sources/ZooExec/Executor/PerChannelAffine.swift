import ZooCore

/// The composition of per-channel affine layers, `y <- a[o] y + c[o]`, that follow a conv, a
/// dense or a batch norm, for ``Fusion`` to fold into that layer's weights (in double precision,
/// rounded once). Batch norm is `a = gamma / sqrt(variance + epsilon)`, `c = beta - a mean`;
/// Mul/Div by a constant scale `a` and `c`, Add/Sub shift `c` (and `c - y` negates `a`).
struct PerChannelAffine {
    /// Output channels (conv filters, dense units, batch-norm channels).
    let channels: Int
    /// The rank of the output, and the axis its channels are on (1, or the last for dense).
    let rank: Int
    let channelAxis: Int
    private(set) var scale: [Double]
    private(set) var shift: [Double]

    init(channels: Int, rank: Int, channelAxis: Int) {
        self.channels = channels
        self.rank = rank
        self.channelAxis = channelAxis
        scale = Array(repeating: 1, count: channels)
        shift = Array(repeating: 0, count: channels)
    }

    /// Composes `op` after the layers so far when it is per-channel affine on this output (a
    /// batch norm over axis 1 of a channels-first output, or an element-wise op whose constant
    /// holds one value per channel, or one for all, without broadcasting the output to another
    /// shape); returns false, changing nothing, otherwise.
    mutating func compose(_ op: Op) -> Bool {
        switch op {
        case .batchNorm(let norm):
            guard channelAxis == 1, rank >= 2, let mean = Fusion.perFilter(norm.mean, channels),
                let variance = Fusion.perFilter(norm.variance, channels), let gamma = Fusion.optionalPerFilter(norm.gamma, channels),
                let beta = Fusion.optionalPerFilter(norm.beta, channels)
            else { return false }
            for o in 0..<channels {
                let a = Double(gamma.map { $0[o] } ?? 1) / (Double(variance[o]) + Double(norm.epsilon)).squareRoot()
                apply(o, a: a, c: Double(beta.map { $0[o] } ?? 0) - a * Double(mean[o]))
            }
            return true
        case .mul(let mul):
            guard let c = perChannel(mul.constant) else { return false }
            for o in 0..<channels { apply(o, a: c(o), c: 0) }
            return true
        case .div(let div):
            guard let constant = div.constant, !constant.isFirst, let c = perChannel(constant) else { return false }
            guard (0..<channels).allSatisfy({ c($0) != 0 }) else { return false }
            for o in 0..<channels { apply(o, a: 1 / c(o), c: 0) }
            return true
        case .add(let add):
            guard let c = perChannel(add.constant) else { return false }
            for o in 0..<channels { apply(o, a: 1, c: c(o)) }
            return true
        case .sub(let sub):
            guard let constant = sub.constant, let c = perChannel(constant) else { return false }
            for o in 0..<channels { constant.isFirst ? apply(o, a: -1, c: c(o)) : apply(o, a: 1, c: -c(o)) }
            return true
        default:
            return false
        }
    }

    /// `y <- a y + c` on channel `o`, after what is there.
    private mutating func apply(_ o: Int, a: Double, c: Double) {
        scale[o] *= a
        shift[o] = a * shift[o] + c
    }

    /// The constant's value per channel, when it has one value per channel along the channel
    /// axis (or one in all) and broadcasting it leaves the output's shape as it is.
    private func perChannel(_ constant: ConstantOperand?) -> ((Int) -> Double)? {
        guard let constant, let values = constant.tensor.storage?.buffer else { return nil }
        let shape = constant.tensor.shape
        guard shape.count <= rank else { return nil }
        if values.count == 1 { return { _ in Double(values[0]) } }
        // Aligned from the right: constant axis i is output axis rank - shape.count + i.
        let axis = (channelAxis < 0 ? rank + channelAxis : channelAxis) - (rank - shape.count)
        guard axis >= 0, shape[axis] == channels, values.count == channels else { return nil }
        return { Double(values[$0]) }
    }

    /// `conv` with the composition folded into its kernel and bias, or nil when a tensor is
    /// not materialized or storage cannot be had.
    func fold(into conv: Conv) -> Conv? {
        guard let kernel = conv.kernel.storage?.buffer, kernel.count % max(channels, 1) == 0,
            let bias = Fusion.optionalPerFilter(conv.bias, channels)
        else { return nil }
        let length = channels > 0 ? kernel.count / channels : 0
        var folded = conv
        do {
            folded.kernel = try scaled(conv.kernel, kernel) { $0 / max(length, 1) }
            folded.bias = try self.bias(bias)
        } catch {
            return nil
        }
        return folded
    }

    /// `dense` with the composition folded into its weight (row or column per unit, as the
    /// weight is stored) and bias.
    func fold(into dense: Dense) -> Dense? {
        guard let weight = dense.weight.storage?.buffer, let bias = Fusion.optionalPerFilter(dense.bias, channels) else { return nil }
        let features = dense.features
        var folded = dense
        do {
            folded.weight = try scaled(dense.weight, weight) { index in
                dense.weightOrder == .outIn ? index / max(features, 1) : index % max(channels, 1)
            }
            folded.bias = try self.bias(bias)
        } catch {
            return nil
        }
        return folded
    }

    /// `norm` with the composition folded into its gamma and beta.
    func fold(into norm: BatchNorm) -> BatchNorm? {
        guard let gamma = Fusion.optionalPerFilter(norm.gamma, channels), let beta = Fusion.optionalPerFilter(norm.beta, channels) else {
            return nil
        }
        var folded = norm
        do {
            folded.gamma = try Tensor(shape: [channels], storage: TensorStorage(count: channels) { values in
                for o in 0..<channels { values[o] = Float(scale[o] * Double(gamma.map { $0[o] } ?? 1)) }
            })
            folded.beta = try Tensor(shape: [channels], storage: TensorStorage(count: channels) { values in
                for o in 0..<channels { values[o] = Float(scale[o] * Double(beta.map { $0[o] } ?? 0) + shift[o]) }
            })
        } catch {
            return nil
        }
        return folded
    }

    /// `tensor` with element `index` scaled by the scale of channel `channel(index)`; the
    /// tensor itself when every scale is 1 (only shifts were composed).
    private func scaled(_ tensor: Tensor, _ values: UnsafeBufferPointer<Float>, channel: (Int) -> Int) throws -> Tensor {
        guard scale.contains(where: { $0 != 1 }) else { return tensor }
        return try Tensor(shape: tensor.shape, storage: TensorStorage(count: values.count) { output in
            for index in 0..<values.count { output[index] = Float(Double(values[index]) * scale[channel(index)]) }
        })
    }

    /// The bias `a b + c` (with `b` 0 when absent).
    private func bias(_ bias: UnsafeBufferPointer<Float>?) throws -> Tensor {
        try Tensor(shape: [channels], storage: TensorStorage(count: channels) { values in
            for o in 0..<channels { values[o] = Float(scale[o] * Double(bias.map { $0[o] } ?? 0) + shift[o]) }
        })
    }
}
