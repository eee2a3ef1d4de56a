import ZooCore

/// Keras layers that scale or standardize by constants (and `Rescaling`'s per-channel lists, in
/// KerasLayerTable): `Normalization` (Keras 3's
/// preprocessing layer), ConvNeXt's `LayerScale` and Inception-ResNet-v2's `CustomScaleLayer`
/// (registered by `keras.applications`, read by module and name, never by code).
extension KerasImporter {
    /// `Normalization`: `(x - mean) / max(sqrt(variance), 1e-7)` over the kept `axis` (an int, a
    /// list, or None for one mean of everything). An adapted layer stores mean, variance (the
    /// kept axes' sizes) and count as non-trainable weights; `mean=`/`variance=` in the
    /// configuration are constants aligned right to left to the kept axes, as Keras builds them.
    /// `invert=True` is refused.
    func importNormalization(_ layer: KerasLayerConfig, input x: KerasValue) throws -> KerasValue {
        let config = layer.config, name = layer.name
        if try config["invert"].bool(default: false) {
            throw ZooError(.unsupported, "Keras Normalization imports with invert false only. Received: invert true in '\(name)'.", layer: name)
        }
        let kept = try Self.normalizationAxes(config, rank: x.rank, layer: name)
        let mean: Tensor, variance: Tensor, count: Tensor?
        if config["mean"].isNull {
            let weights = try self.weights(name)
            guard weights.count == 3 else {
                throw ZooError(
                    .missingWeight, "An adapted Keras Normalization stores mean, variance and count. Received: \(weights.count) weights for '\(name)'.",
                    layer: name)
            }
            mean = try broadcastStatistic(weights[0], kept: kept, value: x, layer: name)
            variance = try broadcastStatistic(weights[1], kept: kept, value: x, layer: name)
            count = weights[2]
        } else {
            mean = try broadcastStatistic(try Self.constant(config["mean"]), kept: kept, value: x, layer: name)
            variance = try broadcastStatistic(try Self.constant(config["variance"]), kept: kept, value: x, layer: name)
            count = nil
        }
        explain(name, "mean and variance over Keras axes \(kept) -> shape \(mean.shape)")
        let norm = Normalization(mean: mean, variance: variance, count: count, isStored: count != nil)
        return try append(name, .normalization(norm), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
    }

    /// `LayerScale`: `x * gamma`, gamma `(projection_dim,)` a trainable weight over the last
    /// (channels) axis.
    func importLayerScale(_ layer: KerasLayerConfig, input x: KerasValue) throws -> KerasValue {
        let name = layer.name
        let weights = try self.weights(name)
        guard weights.count == 1, weights[0].shape.count == 1 else {
            throw ZooError(
                .missingWeight, "A Keras LayerScale stores one gamma (projection_dim,). Received: weights \(weights.map(\.shape)) for '\(name)'.", layer: name)
        }
        let gamma = try broadcastStatistic(weights[0], kept: [x.rank - 1], value: x, layer: name)
        let mul = Mul(constant: ConstantOperand(gamma, isStored: true))
        return try append(name, .mul(mul), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
    }

    /// `CustomScaleLayer` called on `[x, y]`: `x + y * scale`.
    func importCustomScale(_ layer: KerasLayerConfig, inputs: [KerasValue]) throws -> KerasValue {
        let name = layer.name
        guard inputs.count == 2 else {
            throw ZooError(.invalidGraph, "Keras CustomScaleLayer is called on [x, y]. Received: \(inputs.count) inputs for '\(name)'.", layer: name)
        }
        let scale = Float(try layer.config["scale"].double())
        let aligned = inputs[0].rank == inputs[1].rank ? try alignLayouts(inputs, layer: name) : try inputs.map { try kerasOrder($0, for: name) }
        let scaled = try append(
            freshName(name + "/scale"), .mul(Mul(constant: ConstantOperand(try Tensor(shape: [], values: [scale]), isStored: false))),
            inputs: [aligned[1]], rank: aligned[1].rank, channelsFirst: aligned[1].channelsFirst)
        return try append(
            name, .add(Add()), inputs: [aligned[0], scaled], rank: max(aligned[0].rank, scaled.rank),
            channelsFirst: aligned[0].channelsFirst && scaled.channelsFirst)
    }

    /// Normalization's kept axes, positive and sorted: `axis` an int, a list, or None (none kept).
    static func normalizationAxes(_ config: KerasJSON, rank: Int, layer: String) throws -> [Int] {
        let json = config["axis"]
        let listed: [Int] = json.isNull ? [] : try (json.optionalArray.map { try $0.map { try $0.int() } } ?? [try json.int()])
        let kept = try listed.map { axis -> Int in
            guard axis >= -rank, axis < rank else {
                throw ZooError(.invalidGraph, "Keras Normalization axes must lie in [-rank, rank). Received: axis \(listed) for a rank-\(rank) input in '\(layer)'.", layer: layer)
            }
            return axis < 0 ? axis + rank : axis
        }
        guard !kept.contains(0) else {
            throw ZooError(.unsupported, "Keras Normalization imports statistics over the axes after the batch. Received: axis \(listed) in '\(layer)'.", layer: layer)
        }
        return Array(Set(kept)).sorted()
    }

    /// A number or nested list of numbers from the configuration, as a tensor.
    static func constant(_ json: KerasJSON) throws -> Tensor {
        if let number = try? json.double() { return try Tensor(shape: [], values: [Float(number)]) }
        var shape: [Int] = [], values: [Float] = []
        func walk(_ node: KerasJSON, depth: Int) throws {
            if let number = try? node.double() {
                guard depth == shape.count else { throw json.mistyped("a number or a rectangular list of numbers") }
                values.append(Float(number))
                return
            }
            let list = try node.array()
            if depth == shape.count { shape.append(list.count) } else if depth > shape.count || shape[depth] != list.count {
                throw json.mistyped("a number or a rectangular list of numbers")
            }
            for element in list { try walk(element, depth: depth + 1) }
        }
        try walk(json, depth: 0)
        guard try Checked.product(shape, "a Keras constant's size") == values.count else { throw json.mistyped("a rectangular list of numbers") }
        return try Tensor(shape: shape, values: values)
    }

    /// A statistic over the kept Keras axes `kept` (its axes aligned right to left to them; a
    /// scalar broadcasts everywhere) as an IR operand broadcast to `value`: the Keras shape
    /// after the batch with 1 on the other axes, moved channels-first when `value` is held so.
    func broadcastStatistic(_ statistic: Tensor, kept: [Int], value: KerasValue, layer: String) throws -> Tensor {
        guard !statistic.shape.isEmpty else { return statistic }
        guard statistic.shape.count <= kept.count else {
            throw ZooError(
                .shapeMismatch, "A Keras statistic has at most one axis per kept axis. Received: shape \(statistic.shape) for axes \(kept) in '\(layer)'.",
                layer: layer)
        }
        var shape = Array(repeating: 1, count: value.rank - 1)
        for (offset, size) in statistic.shape.reversed().enumerated() { shape[kept[kept.count - 1 - offset] - 1] = size }
        let kerasShaped = try Tensor(shape: shape, storage: statistic.storage)
        return value.channelsFirst ? try KerasLayout.preluAlpha(kerasShaped) : kerasShaped
    }
}
