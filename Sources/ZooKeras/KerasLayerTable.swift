import ZooCore

/// How each Keras layer class becomes IR layers. A layer's `activation=` becomes its own IR layer
/// named `<layer>/<activation>`; the Keras tensor is then that layer's output.
extension KerasImporter {
    /// Classes that carry code; zoo never runs code from a model file (a `TFOpLambda` names a
    /// TensorFlow function, read by that name when ``KerasOpTable/tensorFlowFunctions`` lists it).
    static let codeClasses: Set<String> = ["Lambda", "SlicingOpLambda"]

    /// Imports one call of `layer` on `inputs`; returns its output.
    func importLayer(_ layer: KerasLayerConfig, inputs: [KerasValue]) throws -> KerasValue {
        let config = layer.config, name = layer.name
        func single() throws -> KerasValue {
            guard inputs.count == 1 else {
                throw ZooError(.invalidGraph, "Keras \(layer.className) takes one input. Received: \(inputs.count) for '\(name)'.", layer: name)
            }
            return inputs[0]
        }
        switch layer.className {
        case "Conv2D", "Conv1D":
            let x = try spatialInput(try single(), config: config, layer: name, rank: layer.className == "Conv2D" ? 4 : 3)
            let weights = try self.weights(name)
            let useBias = try config["use_bias"].bool(default: true)
            try expectWeights(weights, count: useBias ? 2 : 1, layer: name)
            let kernel = try KerasLayout.convKernel(weights[0])
            explain(name, "kernel \(weights[0].shape) HWIO -> OIHW \(kernel.shape)")
            let spatial = x.rank - 2
            let dilation = try config["dilation_rate"].ints(count: spatial)
            let conv = Conv(
                kernel: kernel, bias: useBias ? weights[1] : nil, stride: try config["strides"].ints(count: spatial), dilation: dilation,
                padding: try padding(config, kernel: Array(kernel.shape.dropFirst(2)), dilation: dilation, layer: name),
                groups: config["groups"].isNull ? 1 : try config["groups"].int())
            let output = try append(name, .conv(conv), inputs: [x], rank: x.rank, channelsFirst: true)
            return try activation(config, after: output, layer: name)
        case "Conv2DTranspose", "Conv1DTranspose":
            let rank = layer.className == "Conv2DTranspose" ? 4 : 3
            let x = try spatialInput(try single(), config: config, layer: name, rank: rank)
            let weights = try self.weights(name)
            let useBias = try config["use_bias"].bool(default: true)
            try expectWeights(weights, count: useBias ? 2 : 1, layer: name)
            let kernel = try KerasLayout.convTransposeKernel(weights[0])
            explain(name, "kernel \(weights[0].shape) (k..., C_out, C_in) -> (C_in, C_out, k...) \(kernel.shape)")
            let spatial = rank - 2
            let stride = try config["strides"].ints(count: spatial), dilation = try config["dilation_rate"].ints(count: spatial)
            let kerasOutputPadding = config["output_padding"].isNull ? nil : try config["output_padding"].ints(count: spatial)
            let same: Bool
            switch config["padding"].optionalString ?? "valid" {
            case "valid": same = false
            case "same": same = true
            case let other:
                throw ZooError(.unsupported, "Keras transposed-conv padding must be valid or same. Received: '\(other)' in '\(name)'.", layer: name)
            }
            var begin: [Int] = [], end: [Int] = [], outputPadding: [Int] = []
            for axis in 0..<spatial {
                let rule = try KerasLayout.transposedPadding(
                    same: same, outputPadding: kerasOutputPadding?[axis], kernel: kernel.shape[axis + 2], stride: stride[axis], dilation: dilation[axis])
                begin.append(rule.begin)
                end.append(rule.end)
                outputPadding.append(rule.outputPadding)
            }
            explain(name, "padding '\(same ? "same" : "valid")', output_padding \(kerasOutputPadding.map { "\($0)" } ?? "None") -> crops \(begin + end), output padding \(outputPadding)")
            let op = ConvTranspose(
                kernel: kernel, bias: useBias ? weights[1] : nil, stride: stride, dilation: dilation,
                padding: .explicit(begin: begin, end: end), outputPadding: outputPadding)
            let output = try append(name, .convTranspose(op), inputs: [x], rank: x.rank, channelsFirst: true)
            return try activation(config, after: output, layer: name)
        case "DepthwiseConv2D":
            let x = try spatialInput(try single(), config: config, layer: name, rank: 4)
            let weights = try self.weights(name)
            let useBias = try config["use_bias"].bool(default: true)
            try expectWeights(weights, count: useBias ? 2 : 1, layer: name)
            let kernel = try KerasLayout.depthwiseKernel(weights[0])
            explain(name, "depthwise kernel \(weights[0].shape) (k_h, k_w, C, M) -> \(kernel.shape) with groups = \(weights[0].shape[2])")
            let dilation = try config["dilation_rate"].ints(count: 2)
            let conv = Conv(
                kernel: kernel, bias: useBias ? weights[1] : nil, stride: try config["strides"].ints(count: 2), dilation: dilation,
                padding: try padding(config, kernel: Array(kernel.shape.dropFirst(2)), dilation: dilation, layer: name),
                groups: weights[0].shape[2])
            let output = try append(name, .conv(conv), inputs: [x], rank: 4, channelsFirst: true)
            return try activation(config, after: output, layer: name)
        case "SeparableConv2D":
            let x = try spatialInput(try single(), config: config, layer: name, rank: 4)
            let weights = try self.weights(name)
            let useBias = try config["use_bias"].bool(default: true)
            try expectWeights(weights, count: useBias ? 3 : 2, layer: name)
            let depthwise = try KerasLayout.depthwiseKernel(weights[0])
            let pointwise = try KerasLayout.convKernel(weights[1])
            explain(name, "depthwise kernel \(weights[0].shape) -> \(depthwise.shape) with groups = \(weights[0].shape[2]); pointwise \(weights[1].shape) -> \(pointwise.shape)")
            let dilation = try config["dilation_rate"].ints(count: 2)
            let first = Conv(
                kernel: depthwise, bias: nil, stride: try config["strides"].ints(count: 2), dilation: dilation,
                padding: try padding(config, kernel: Array(depthwise.shape.dropFirst(2)), dilation: dilation, layer: name), groups: weights[0].shape[2])
            let middle = try append(freshName(name + "/depthwise"), .conv(first), inputs: [x], rank: 4, channelsFirst: true)
            let output = try append(name, .conv(Conv(kernel: pointwise, bias: useBias ? weights[2] : nil)), inputs: [middle], rank: 4, channelsFirst: true)
            return try activation(config, after: output, layer: name)
        case "Dense":
            var x = try single()
            if x.rank > 2 { x = try kerasOrder(x, for: name) }
            let weights = try self.weights(name)
            let useBias = try config["use_bias"].bool(default: true)
            try expectWeights(weights, count: useBias ? 2 : 1, layer: name)
            let kernel = try KerasLayout.denseKernel(weights[0])
            explain(name, KerasLayout.denseKernelRule(kernel))
            let dense = Dense(weight: kernel, bias: useBias ? weights[1] : nil, weightOrder: KerasLayout.denseWeightOrder)
            let output = try append(name, .dense(dense), inputs: [x], rank: x.rank, channelsFirst: false)
            return try activation(config, after: output, layer: name)
        case "BatchNormalization":
            var x = try single()
            if x.rank >= 3 { x = try channelsFirst(x, for: name) }
            let axisList = config["axis"].optionalArray
            let axis = try axisList.map { list -> Int in
                guard list.count == 1 else { throw config["axis"].mistyped("one axis") }
                return try list[0].int()
            } ?? config["axis"].int()
            let irAxis = x.channelsFirst ? KerasLayout.irAxis(axis, rank: x.rank) : (axis < 0 ? axis + x.rank : axis)
            guard irAxis == 1 else {
                throw ZooError(.unsupported, "BatchNormalization imports over the channel axis only. Received: axis \(axis) of a rank-\(x.rank) tensor in '\(name)'.", layer: name)
            }
            let scale = try config["scale"].bool(default: true), center = try config["center"].bool(default: true)
            let weights = try self.weights(name)
            try expectWeights(weights, count: 2 + (scale ? 1 : 0) + (center ? 1 : 0), layer: name)
            var next = 0
            func take() -> Tensor {
                defer { next += 1 }
                return weights[next]
            }
            let gamma = scale ? take() : nil, beta = center ? take() : nil
            let norm = BatchNorm(gamma: gamma, beta: beta, mean: take(), variance: take(), epsilon: Float(try config["epsilon"].double()))
            return try append(name, .batchNorm(norm), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        case "LayerNormalization":
            // Keras's axes (default -1) must be the last ones, so that the IR layer norm over
            // `axis...` of the tensor in Keras's order computes them; rms_scaling is refused.
            let x = try kerasOrder(try single(), for: name)
            if try config["rms_scaling"].bool(default: false) {
                throw ZooError(.unsupported, "LayerNormalization imports without rms_scaling. Received: rms_scaling true in '\(name)'.", layer: name)
            }
            let listed = try config["axis"].optionalArray?.map { try $0.int() } ?? [config["axis"].isNull ? -1 : try config["axis"].int()]
            let axes = Set(listed.map { $0 < 0 ? $0 + x.rank : $0 }).sorted()
            guard let first = axes.first, first > 0, first < x.rank, axes == Array(first..<x.rank) else {
                throw ZooError(
                    .unsupported,
                    "LayerNormalization imports over the last axes (a run ending at the last, after the batch). Received: axis \(listed) of a rank-\(x.rank) tensor in '\(name)'.",
                    layer: name)
            }
            let scale = try config["scale"].bool(default: true), center = try config["center"].bool(default: true)
            let weights = try self.weights(name)
            try expectWeights(weights, count: (scale ? 1 : 0) + (center ? 1 : 0), layer: name)
            let epsilon = config["epsilon"].isNull ? 1e-3 : Float(try config["epsilon"].double())
            let norm = LayerNorm(axis: first, epsilon: epsilon, scale: scale ? weights[0] : nil, bias: center ? weights[scale ? 1 : 0] : nil)
            return try append(name, .layerNorm(norm), inputs: [x], rank: x.rank, channelsFirst: false)
        case "GroupNormalization":
            var x = try single()
            if x.rank >= 3 { x = try channelsFirst(x, for: name) }
            let axis = config["axis"].isNull ? -1 : try config["axis"].int()
            let irAxis = x.channelsFirst ? KerasLayout.irAxis(axis, rank: x.rank) : (axis < 0 ? axis + x.rank : axis)
            guard irAxis == 1 else {
                throw ZooError(.unsupported, "GroupNormalization imports over the channel axis only. Received: axis \(axis) of a rank-\(x.rank) tensor in '\(name)'.", layer: name)
            }
            let scale = try config["scale"].bool(default: true), center = try config["center"].bool(default: true)
            let weights = try self.weights(name)
            try expectWeights(weights, count: (scale ? 1 : 0) + (center ? 1 : 0), layer: name)
            let epsilon = config["epsilon"].isNull ? 1e-3 : Float(try config["epsilon"].double())
            let norm = GroupNorm(
                groups: try config["groups"].int(), epsilon: epsilon, scale: scale ? weights[0] : nil, bias: center ? weights[scale ? 1 : 0] : nil)
            return try append(name, .groupNorm(norm), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        case "Activation":
            let x = try single()
            let function = try config["activation"].string()
            guard let op = try activationOp(function, layer: name) else {
                return try append(name, .identity(Identity()), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
            }
            return try append(name, op, inputs: [try softmaxReady(x, op: op, layer: name)], rank: x.rank, channelsFirst: softmaxKeeps(x, op: op))
        case "ReLU":
            let x = try single()
            let maxValue = config["max_value"].isNull ? nil : try config["max_value"].double()
            let slope = config["negative_slope"].isNull ? 0 : try config["negative_slope"].double()
            let threshold = config["threshold"].isNull ? 0 : try config["threshold"].double()
            guard threshold == 0 else {
                throw ZooError(.unsupported, "ReLU imports with threshold 0 only (no IR op shifts the threshold). Received: threshold \(threshold) in '\(name)'.", layer: name)
            }
            let op: Op
            switch (maxValue, slope) {
            case (nil, 0): op = .relu(Relu())
            case (let high?, 0): op = .clip(Clip(min: 0, max: Float(high)))
            case (nil, let alpha): op = .leakyRelu(LeakyRelu(alpha: Float(alpha)))
            default:
                throw ZooError(.unsupported, "ReLU with both max_value and negative_slope has no IR op. Received: '\(name)'.", layer: name)
            }
            return try append(name, op, inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        case "LeakyReLU":
            let x = try single()
            // Keras 2 calls the slope `alpha`, Keras 3 `negative_slope`; both default to 0.3.
            let slope = config["negative_slope"].isNull ? (config["alpha"].isNull ? 0.3 : try config["alpha"].double()) : try config["negative_slope"].double()
            return try append(name, .leakyRelu(LeakyRelu(alpha: Float(slope))), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        case "ELU":
            let x = try single()
            // keras.layers.ELU(alpha=1.0) in Keras 2 and 3; Keras 3 records alpha through its automatic config.
            let alpha = config["alpha"].isNull ? 1 : try config["alpha"].double()
            return try append(name, .elu(Elu(alpha: Float(alpha))), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        case "PReLU":
            let x = try single()
            let weights = try self.weights(name)
            try expectWeights(weights, count: 1, layer: name)
            // alpha has the input's Keras shape without the batch, its shared axes 1.
            guard weights[0].shape.count == x.rank - 1 else {
                throw ZooError(
                    .shapeMismatch,
                    "A Keras PReLU alpha has the input's shape without the batch (shared axes 1). Received: alpha \(weights[0].shape) for a rank-\(x.rank) input in '\(name)'.",
                    layer: name)
            }
            let slope = x.channelsFirst ? try KerasLayout.preluAlpha(weights[0]) : weights[0]
            if x.channelsFirst { explain(name, "alpha \(weights[0].shape) channels-last -> slope \(slope.shape) channels-first") }
            return try append(name, .prelu(PRelu(slope: slope)), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        case "Softmax":
            let x = try single()
            let axis = config["axis"].isNull ? -1 : try (config["axis"].optionalArray?.first ?? config["axis"]).int()
            let irAxis = x.channelsFirst ? KerasLayout.irAxis(axis, rank: x.rank) : axis
            return try append(name, .softmax(Softmax(axis: irAxis)), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        case "MaxPooling2D", "MaxPooling1D", "AveragePooling2D", "AveragePooling1D":
            let rank = layer.className.hasSuffix("2D") ? 4 : 3
            let x = try spatialInput(try single(), config: config, layer: name, rank: rank)
            let spatial = rank - 2
            let size = try config["pool_size"].ints(count: spatial)
            let strides = config["strides"].isNull ? size : try config["strides"].ints(count: spatial)
            let window = SpatialWindow(
                kernel: size, stride: strides, padding: try padding(config, kernel: size, dilation: Array(repeating: 1, count: spatial), layer: name))
            let op: Op = layer.className.hasPrefix("Max") ? .maxPool(MaxPool(window: window)) : .averagePool(AveragePool(window: window, countIncludePad: false))
            return try append(name, op, inputs: [x], rank: rank, channelsFirst: true)
        case "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D":
            let rank = layer.className.hasSuffix("2D") ? 4 : 3
            let x = try spatialInput(try single(), config: config, layer: name, rank: rank)
            let op: Op = layer.className.hasPrefix("GlobalAverage") ? .globalAveragePool(GlobalAveragePool()) : .globalMaxPool(GlobalMaxPool())
            if try config["keepdims"].bool(default: false) {
                return try append(name, op, inputs: [x], rank: rank, channelsFirst: true)
            }
            let pooled = try append(freshName(name + "/pool"), op, inputs: [x], rank: rank, channelsFirst: true)
            return try append(name, .flatten(Flatten(axis: 1)), inputs: [pooled], rank: 2, channelsFirst: false)
        case "ZeroPadding2D", "ZeroPadding1D":
            let rank = layer.className == "ZeroPadding2D" ? 4 : 3
            let x = try spatialInput(try single(), config: config, layer: name, rank: rank)
            let (begin, end) = try zeroPadding(config["padding"], spatial: rank - 2, layer: name)
            let pad = Pad(pads: [0, 0] + begin + [0, 0] + end)
            return try append(name, .pad(pad), inputs: [x], rank: rank, channelsFirst: true)
        case "UpSampling2D":
            let x = try spatialInput(try single(), config: config, layer: name, rank: 4)
            let resize = try KerasResizing.upSampling(
                factors: try config["size"].ints(count: 2), interpolation: config["interpolation"].optionalString ?? "nearest", layer: name)
            return try append(name, .resize(resize), inputs: [x], rank: 4, channelsFirst: true)
        case "Resizing":
            for flag in ["crop_to_aspect_ratio", "pad_to_aspect_ratio"] where try config[flag].bool(default: false) {
                throw ZooError(.unsupported, "Resizing imports without \(flag) (a crop or pad before the resize). Received: \(flag) true in '\(name)'.", layer: name)
            }
            let x = try spatialInput(try single(), config: config, layer: name, rank: 4)
            let resize = try KerasResizing.resizing(
                height: try config["height"].int(), width: try config["width"].int(),
                interpolation: config["interpolation"].optionalString ?? "bilinear", antialias: try config["antialias"].bool(default: false), layer: name)
            return try append(name, .resize(resize), inputs: [x], rank: 4, channelsFirst: true)
        case "Cropping2D", "Cropping1D":
            // Cropping's `cropping` has ZeroPadding's forms; a crop of 0 at the end keeps the axis to its end.
            // channels_first: the Keras tensor is already channels-first, and so is the crop's output in Keras's order.
            let rank = layer.className == "Cropping2D" ? 4 : 3
            let kerasChannelsFirst = config["data_format"].optionalString == "channels_first"
            let input = try single()
            guard input.rank == rank else {
                throw ZooError(.shapeMismatch, "Keras layer '\(name)' needs a rank-\(rank) input. Received: rank \(input.rank).", layer: name)
            }
            let x = kerasChannelsFirst ? try kerasOrder(input, for: name) : try channelsFirst(input, for: name)
            let (begin, end) = try zeroPadding(config["cropping"], spatial: rank - 2, layer: name)
            guard (begin + end).allSatisfy({ $0 >= 0 }) else {
                throw ZooError(.invalidGraph, "\(layer.className) cropping must not be negative. Received: \(begin) before, \(end) after in '\(name)'.", layer: name)
            }
            let slice = Slice(starts: begin, ends: end.map { $0 == 0 ? Int.max : -$0 }, axes: Array(2..<rank))
            return try append(name, .slice(slice), inputs: [x], rank: rank, channelsFirst: !kerasChannelsFirst)
        case "Flatten":
            let x = try kerasOrder(try single(), for: name)
            if x.rank > 2 { explain(name, "flattens in Keras's (h, w, c) order, so the Dense weights after it keep Keras's row order") }
            return try append(name, .flatten(Flatten(axis: 1)), inputs: [x], rank: 2, channelsFirst: false)
        case "Reshape":
            let x = try kerasOrder(try single(), for: name)
            let target = try config["target_shape"].array().map { try $0.int() }
            return try append(name, .reshape(Reshape(target: [0] + target)), inputs: [x], rank: target.count + 1, channelsFirst: false)
        case "Permute":
            let x = try kerasOrder(try single(), for: name)
            let dims = try config["dims"].array().map { try $0.int() }
            guard Set(dims) == Set(1...max(dims.count, 1)), dims.count == x.rank - 1 else {
                throw ZooError(.invalidGraph, "Permute dims must order the axes after the batch. Received: \(dims) for a rank-\(x.rank) tensor in '\(name)'.", layer: name)
            }
            return try append(name, .transpose(Transpose(permutation: [0] + dims)), inputs: [x], rank: x.rank, channelsFirst: false)
        case "Dropout", "SpatialDropout2D":
            let x = try single()
            let rate = config["rate"].isNull ? 0.5 : try config["rate"].double()
            return try append(name, .dropout(Dropout(ratio: Float(rate))), inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
        case "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum":
            let aligned = try alignLayouts(inputs, layer: name)
            let op: Op = switch layer.className {
            case "Add": .add(Add())
            case "Subtract": .sub(Sub())
            case "Average": .mean(Mean())
            case "Maximum": .maximum(Maximum())
            case "Minimum": .minimum(Minimum())
            default: .mul(Mul())
            }
            return try append(name, op, inputs: aligned, rank: aligned.map(\.rank).max() ?? 0, channelsFirst: aligned.first?.channelsFirst ?? false)
        case "Concatenate":
            let aligned = try alignLayouts(inputs, layer: name)
            let axis = config["axis"].isNull ? -1 : try config["axis"].int()
            guard let first = aligned.first else {
                throw ZooError(.invalidGraph, "Concatenate needs inputs. Received: none for '\(name)'.", layer: name)
            }
            let irAxis = first.channelsFirst ? KerasLayout.irAxis(axis, rank: first.rank) : (axis < 0 ? axis + first.rank : axis)
            if first.channelsFirst { explain(name, "axis \(axis) of the channels-last tensors is IR axis \(irAxis)") }
            return try append(name, .concat(Concat(axis: irAxis)), inputs: aligned, rank: first.rank, channelsFirst: first.channelsFirst)
        case "Normalization": return try importNormalization(layer, input: try single())
        case "LayerScale": return try importLayerScale(layer, input: try single())
        case "CustomScaleLayer": return try importCustomScale(layer, inputs: inputs)
        case "Rescaling":
            // x * scale + offset; a list broadcasts NumPy-style against Keras's axes (per channel for a flat list).
            let x = try single()
            let keptAxes = Array(1..<max(x.rank, 1))
            let scale = try broadcastStatistic(try Self.constant(config["scale"]), kept: keptAxes, value: x, layer: name)
            let offset = config["offset"].isNull ? try Tensor(shape: [], values: [0]) : try broadcastStatistic(try Self.constant(config["offset"]), kept: keptAxes, value: x, layer: name)
            let noOffset = offset.values?.allSatisfy { $0 == 0 } ?? false
            let scaled = try append(
                noOffset ? name : freshName(name + "/scale"), .mul(Mul(constant: ConstantOperand(scale, isStored: false))),
                inputs: [x], rank: x.rank, channelsFirst: x.channelsFirst)
            guard !noOffset else { return scaled }
            return try append(name, .add(Add(constant: ConstantOperand(offset, isStored: false))), inputs: [scaled], rank: x.rank, channelsFirst: x.channelsFirst)
        default:
            throw ZooError(.unsupported, "zoo imports the Keras layers `zoo ops` lists. Received: class \(layer.className) ('\(name)').", layer: name)
        }
    }

    /// The weight shapes `layer`'s configuration declares, in Keras's order: `nil` for a size the
    /// configuration does not say (input channels), and a `nil` shape for a weight whose rank it
    /// does not say either (a PReLU's alpha has its input's shape without the batch).
    static func declaredWeights(_ layer: KerasLayerConfig) throws -> [[Int?]?] {
        if layer.className == "PReLU" { return [nil] }
        return try declaredShapes(layer).map { Optional($0) }
    }

    /// ``declaredWeights(_:)`` for the layers whose weights' ranks the configuration states.
    private static func declaredShapes(_ layer: KerasLayerConfig) throws -> [[Int?]] {
        let config = layer.config
        let useBias = try config["use_bias"].bool(default: true)
        switch layer.className {
        case "Conv2D", "Conv1D":
            let spatial = layer.className == "Conv2D" ? 2 : 1
            let kernel = try config["kernel_size"].ints(count: spatial), filters = try config["filters"].int()
            return [kernel.map { $0 as Int? } + [nil, filters]] + (useBias ? [[filters]] : [])
        case "Conv2DTranspose", "Conv1DTranspose":
            let spatial = layer.className == "Conv2DTranspose" ? 2 : 1
            let kernel = try config["kernel_size"].ints(count: spatial), filters = try config["filters"].int()
            return [kernel.map { $0 as Int? } + [filters, nil]] + (useBias ? [[filters]] : [])
        case "DepthwiseConv2D":
            let kernel = try config["kernel_size"].ints(count: 2)
            let multiplier = config["depth_multiplier"].isNull ? 1 : try config["depth_multiplier"].int()
            return [kernel.map { $0 as Int? } + [nil, multiplier]] + (useBias ? [[nil]] : [])
        case "SeparableConv2D":
            let kernel = try config["kernel_size"].ints(count: 2), filters = try config["filters"].int()
            let multiplier = config["depth_multiplier"].isNull ? 1 : try config["depth_multiplier"].int()
            return [kernel.map { $0 as Int? } + [nil, multiplier], [1, 1, nil, filters]] + (useBias ? [[filters]] : [])
        case "Dense":
            let units = try config["units"].int()
            return [[nil, units]] + (useBias ? [[units]] : [])
        case "Normalization":
            guard config["mean"].isNull else { return [] }
            let axes = config["axis"].isNull ? 0 : (config["axis"].optionalArray?.count ?? 1)
            let statistic = [Int?](repeating: nil, count: axes)
            return [statistic, statistic, []]
        case "LayerScale":
            return [[try config["projection_dim"].int()]]
        case "BatchNormalization":
            let count = 2 + (try config["scale"].bool(default: true) ? 1 : 0) + (try config["center"].bool(default: true) ? 1 : 0)
            return Array(repeating: [nil], count: count)
        case "LayerNormalization", "GroupNormalization":
            let count = (try config["scale"].bool(default: true) ? 1 : 0) + (try config["center"].bool(default: true) ? 1 : 0)
            let axes = layer.className == "LayerNormalization" ? (config["axis"].optionalArray?.count ?? 1) : 1
            return Array(repeating: Array(repeating: nil, count: axes), count: count)
        default:
            return []
        }
    }

    // MARK: Pieces

    /// `value` made ready for a spatial layer: of the expected rank, and channels-first (a
    /// channels-first layer's input is already so).
    private func spatialInput(_ value: KerasValue, config: KerasJSON, layer: String, rank: Int) throws -> KerasValue {
        guard value.rank == rank else {
            throw ZooError(.shapeMismatch, "Keras layer '\(layer)' needs a rank-\(rank) input. Received: rank \(value.rank).", layer: layer)
        }
        if config["data_format"].optionalString == "channels_first" {
            guard !value.channelsFirst else {
                throw ZooError(.unsupported, "A channels_first layer after channels_last ones is not imported. Received: '\(layer)'.", layer: layer)
            }
            return KerasValue(name: value.name, rank: value.rank, channelsFirst: true)
        }
        return try channelsFirst(value, for: layer)
    }

    /// Keras's `padding`: `valid`, `same` (TensorFlow's: the odd element at the end) or `causal`
    /// (Conv1D: `(k - 1) d` before).
    private func padding(_ config: KerasJSON, kernel: [Int], dilation: [Int], layer: String) throws -> Padding {
        switch config["padding"].optionalString ?? "valid" {
        case "valid": return .valid
        case "same": return .same(extra: .end)
        case "causal":
            guard kernel.count == 1 else { throw ZooError(.invalidGraph, "causal padding is for Conv1D. Received: '\(layer)'.", layer: layer) }
            return .explicit(begin: [try WindowAxis.extent(kernel: kernel[0], dilation: dilation[0]) - 1], end: [0])
        case let other:
            throw ZooError(.unsupported, "Keras padding must be valid, same or causal. Received: '\(other)' in '\(layer)'.", layer: layer)
        }
    }

    /// ZeroPadding's `padding`: `p`, `(a, b)` per axis symmetric, or `((top, bottom), (left, right))`.
    private func zeroPadding(_ json: KerasJSON, spatial: Int, layer: String) throws -> ([Int], [Int]) {
        if let single = try? json.int() { return (Array(repeating: single, count: spatial), Array(repeating: single, count: spatial)) }
        let list = try json.array()
        if spatial == 1, list.count == 2, let a = try? list[0].int(), let b = try? list[1].int() { return ([a], [b]) }
        guard list.count == spatial else { throw json.mistyped("\(spatial) paddings") }
        var begin: [Int] = [], end: [Int] = []
        for axis in list {
            if let both = try? axis.int() {
                begin.append(both)
                end.append(both)
            } else {
                let pair = try axis.array().map { try $0.int() }
                guard pair.count == 2 else { throw axis.mistyped("[before, after]") }
                begin.append(pair[0])
                end.append(pair[1])
            }
        }
        return (begin, end)
    }

    /// A layer's fused `activation=` as its own IR layer after `output`.
    private func activation(_ config: KerasJSON, after output: KerasValue, layer: String) throws -> KerasValue {
        let function = config["activation"].optionalString ?? "linear"
        guard let op = try activationOp(function, layer: layer) else { return output }
        return try append(freshName("\(layer)/\(function)"), op, inputs: [try softmaxReady(output, op: op, layer: layer)], rank: output.rank,
                          channelsFirst: softmaxKeeps(output, op: op))
    }

    /// The IR op of a Keras activation name, nil for `linear`.
    func activationOp(_ function: String, layer: String) throws -> Op? {
        switch function {
        case "linear": return nil
        case "relu": return .relu(Relu())
        case "relu6": return .clip(Clip.relu6)
        case "sigmoid": return .sigmoid(Sigmoid())
        case "tanh": return .tanh(Tanh())
        case "softmax": return .softmax(Softmax(axis: -1))
        case "swish", "silu": return .silu(SiLU())
        case "hard_swish", "hard_silu": return .hardSwish(HardSwish())
        case "exponential": return .exp(Exp())
        case "elu": return .elu(Elu(alpha: 1))
        // Keras 2 and 3 compute selu with Klambauer et al.'s two constants, in float32 ONNX's defaults.
        case "selu": return .selu(Selu(alpha: Selu.defaultAlpha, gamma: Selu.defaultGamma))
        case "softplus": return .softplus(Softplus())
        // keras.activations.gelu(x, approximate=False) in Keras 2 (tf-keras) and Keras 3: the exact function.
        case "gelu": return .gelu(Gelu(approximate: .exact))
        case "leaky_relu": return .leakyRelu(LeakyRelu(alpha: 0.2))
        case "hard_sigmoid":
            // Keras 2: clip(0.2 x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6.
            return kerasMajorVersion >= 3 ? .hardSigmoid(HardSigmoid(alpha: 1.0 / 6, beta: 0.5)) : .hardSigmoid(HardSigmoid(alpha: 0.2, beta: 0.5))
        default:
            throw ZooError(
                .unsupported, "zoo imports the Keras activations \(KerasOpTable.activations.joined(separator: ", ")). Received: '\(function)' in '\(layer)'.",
                layer: layer)
        }
    }

    /// Softmax over Keras's last axis needs the tensor in Keras's order when it is held
    /// channels-first (the IR softmax runs over its own last axis).
    private func softmaxReady(_ value: KerasValue, op: Op, layer: String) throws -> KerasValue {
        guard case .softmax = op, value.channelsFirst else { return value }
        return try kerasOrder(value, for: layer)
    }

    private func softmaxKeeps(_ value: KerasValue, op: Op) -> Bool {
        if case .softmax = op { return false }
        return value.channelsFirst
    }

    /// The inputs of a merge layer in one layout (channels-first when any is).
    func alignLayouts(_ inputs: [KerasValue], layer: String) throws -> [KerasValue] {
        guard inputs.count >= 2 else {
            throw ZooError(.invalidGraph, "A Keras merge layer needs two or more inputs. Received: \(inputs.count) for '\(layer)'.", layer: layer)
        }
        if inputs.contains(where: \.channelsFirst) {
            return try inputs.map { try channelsFirst($0, for: layer) }
        }
        return inputs
    }

    private func expectWeights(_ weights: [Tensor], count: Int, layer: String) throws {
        guard weights.count == count else {
            throw ZooError(
                .missingWeight,
                "A Keras layer needs the weights its configuration declares. Received: \(weights.count) weights for '\(layer)', \(count) expected (shapes \(weights.map(\.shape))).",
                layer: layer)
        }
    }
}
