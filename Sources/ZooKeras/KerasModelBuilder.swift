import Foundation
import ZooCore

/// An IR graph rewritten as a Keras Functional model: the layers' configurations, inbound
/// tensors and weights, channels-last (see ``KerasWriter``).
struct KerasModelBuilder {
    struct KerasLayer {
        let className: String
        let name: String
        var config: [String: Any]
        let inputs: [Symbolic]
        let weights: [(name: String, tensor: ZooCore.Tensor)]
        /// The module Keras registers the class in (`keras.layers`, or keras.applications' own
        /// for `LayerScale`).
        var module = Self.layersModule

        static let layersModule = "keras.layers"
    }

    /// A Keras tensor: the layer making it, its Keras shape (batch nil), and whether it holds an
    /// IR value of rank >= 3 channels-last (the IR's axis 1 last).
    struct Symbolic {
        let layer: String
        let shape: [Int?]
        let channelsLast: Bool
    }

    private(set) var layers: [KerasLayer] = []
    private(set) var inputNames: [String] = []
    private(set) var outputNames: [String] = []
    let name: String
    private var values: [String: Symbolic] = [:]
    private var used = Set<String>()
    /// IR values known to hold no negative element (after a ReLU, a sigmoid, ...): zero padding
    /// before a max pool of one of them is exact.
    private var nonNegative = Set<String>()
    private let shapes: [String: Shape]

    init(_ model: Model) throws {
        name = Self.kerasName(model.name)
        shapes = try ShapeInference.infer(model.graph)
        for input in model.graph.inputs {
            let layerName = unique(input.name)
            let shape = input.shape.dims.map(\.value)
            layers.append(KerasLayer(
                className: "InputLayer", name: layerName,
                config: ["batch_shape": [nil] + shape.dropFirst().map { $0 as Any }, "dtype": "float32", "sparse": false, "name": layerName],
                inputs: [], weights: []))
            inputNames.append(layerName)
            values[input.name] = Symbolic(layer: layerName, shape: [nil] + Array(shape.dropFirst()), channelsLast: false)
        }
        var readers: [String: Int] = [:]
        for layer in model.graph.layers { for input in Set(layer.inputs) { readers[input, default: 0] += 1 } }
        let outputs = Set(model.graph.outputs.map(\.name))
        var standardized = Set<String>()
        for (index, layer) in model.graph.layers.enumerated() {
            if standardized.contains(layer.name) { continue }
            if index + 1 < model.graph.layers.count, readers[layer.name] == 1, !outputs.contains(layer.name),
                let norm = Self.standardization(layer, then: model.graph.layers[index + 1]), let input = values[layer.inputs[0]],
                let output = shapes[model.graph.layers[index + 1].name]
            {
                let next = model.graph.layers[index + 1]
                do {
                    values[next.name] = try normalization(norm, layer: next, input: input, output: output)
                } catch let error as ZooError {
                    throw error.at(layer: next.name)
                }
                standardized.insert(next.name)
                continue
            }
            do {
                values[layer.name] = try convert(layer)
                if Self.keepsNonNegative(layer.op, inputs: layer.inputs.map { nonNegative.contains($0) }) { nonNegative.insert(layer.name) }
            } catch let error as ZooError {
                throw error.at(layer: layer.name)
            }
        }
        for output in model.graph.outputs {
            guard let value = values[output.name] else {
                throw ZooError(.invalidGraph, "Every graph output needs a value. Received: none for '\(output.name)'.", layer: output.name)
            }
            outputNames.append(try sameOrder(value, for: output.name).layer)
        }
    }

    /// `sub` by a constant `c` read only by `next`, a `div` by a constant `d > 0` of the same
    /// shape (how zoo's ONNX writer spells Keras's Normalization): Normalization with mean `c`
    /// and variance `d^2`, which Keras computes as `(x - c) / max(sqrt(d^2), 1e-7)`, exactly
    /// `(x - c) / d` when `sqrt(d^2) = d` in float32 (checked per element) and `d >= 1e-7`.
    static func standardization(_ layer: Layer, then next: Layer) -> Normalization? {
        guard case .sub(let sub) = layer.op, let centre = sub.constant, !centre.isFirst, case .div(let div) = next.op,
            let scale = div.constant, !scale.isFirst, next.inputs == [layer.name], centre.tensor.shape == scale.tensor.shape,
            let c = centre.tensor.values, let d = scale.tensor.values,
            d.allSatisfy({ $0.isFinite && $0 >= Normalization.kerasEpsilon && ($0 * $0).squareRoot() == $0 }),
            c.allSatisfy(\.isFinite),
            let variance = try? Tensor(shape: scale.tensor.shape, values: d.map { $0 * $0 })
        else { return nil }
        return Normalization(mean: centre.tensor, variance: variance, isStored: true)
    }

    // MARK: Layers

    private mutating func convert(_ layer: Layer) throws -> Symbolic {
        let inputs = try layer.inputs.map { name -> Symbolic in
            guard let value = values[name] else {
                throw ZooError(.invalidGraph, "A layer's inputs must come first. Received: '\(name)' for '\(layer.name)'.", layer: layer.name)
            }
            return value
        }
        let output = shapes[layer.name] ?? Shape([Dim]())
        switch layer.op {
        case .conv(let conv): return try convolution(conv, layer: layer, input: inputs[0])
        case .convTranspose(let op): return try transposedConvolution(op, layer: layer, input: inputs[0])
        case .dense(let dense):
            let x = try sameOrder(inputs[0], for: layer.name)
            var weights = [(name: "kernel", tensor: try KerasLayout.denseKernelToKeras(dense))]
            if let bias = dense.bias { weights.append(("bias", bias)) }
            return try add("Dense", layer.name, ["units": dense.units, "activation": "linear", "use_bias": dense.bias != nil], [x], weights, output, channelsLast: false)
        case .batchNorm(let norm):
            let x = output.rank >= 3 ? try channelsLastOrder(inputs[0], for: layer.name) : inputs[0]
            var weights: [(name: String, tensor: ZooCore.Tensor)] = []
            if let gamma = norm.gamma { weights.append(("gamma", gamma)) }
            if let beta = norm.beta { weights.append(("beta", beta)) }
            weights += [("moving_mean", norm.mean), ("moving_variance", norm.variance)]
            let config: [String: Any] = [
                "axis": -1, "momentum": 0.99, "epsilon": Double(norm.epsilon), "center": norm.beta != nil, "scale": norm.gamma != nil,
            ]
            return try add("BatchNormalization", layer.name, config, [x], weights, output, channelsLast: x.channelsLast)
        case .normalization(let norm): return try normalization(norm, layer: layer, input: inputs[0], output: output)
        case .relu: return try add("ReLU", layer.name, [:], inputs, [], output, channelsLast: inputs[0].channelsLast)
        case .clip(let clip):
            guard clip.min == 0 else { throw refusal("clip with a lower bound other than 0", layer) }
            let config: [String: Any] = clip.max.map { ["max_value": Double($0)] } ?? [:]
            return try add("ReLU", layer.name, config, inputs, [], output, channelsLast: inputs[0].channelsLast)
        case .sigmoid: return try activation("sigmoid", layer, inputs[0], output)
        case .tanh: return try activation("tanh", layer, inputs[0], output)
        case .silu: return try activation("silu", layer, inputs[0], output)
        case .hardSwish: return try activation("hard_silu", layer, inputs[0], output)
        case .exp: return try activation("exponential", layer, inputs[0], output)
        case .elu(let op):
            if op.alpha == 1 { return try activation("elu", layer, inputs[0], output) }
            return try add("ELU", layer.name, ["alpha": Double(op.alpha)], inputs, [], output, channelsLast: inputs[0].channelsLast)
        case .selu(let op):
            guard op.alpha == Selu.defaultAlpha, op.gamma == Selu.defaultGamma else {
                throw refusal("selu with alpha \(op.alpha), gamma \(op.gamma) (Keras's selu has the default constants only)", layer)
            }
            return try activation("selu", layer, inputs[0], output)
        case .softplus: return try activation("softplus", layer, inputs[0], output)
        case .gelu(let op):
            guard op.approximate == .exact else {
                throw refusal("gelu with the tanh approximation (Keras's gelu activation is the exact function)", layer)
            }
            return try activation("gelu", layer, inputs[0], output)
        case .neg:
            // -x as x * -1 + 0: the same values (a zero comes out +0 rather than -0).
            return try add("Rescaling", layer.name, ["scale": -1.0, "offset": 0.0], inputs, [], output, channelsLast: inputs[0].channelsLast)
        case .pow, .sqrt, .log, .abs, .reciprocal, .erf:
            throw refusal("\(layer.op.name) (Keras has no such activation or layer)", layer)
        case .hardSigmoid(let op):
            // max(0, min(1, alpha x + beta)) exactly: Rescaling(alpha, beta), then ReLU(max_value 1)
            // (Keras 2's and Keras 3's `hard_sigmoid` differ, and neither takes parameters).
            let scaled = try add(
                "Rescaling", layer.name + "_affine", ["scale": Double(op.alpha), "offset": Double(op.beta)], inputs, [], output,
                channelsLast: inputs[0].channelsLast)
            return try add("ReLU", layer.name, ["max_value": 1.0], [scaled], [], output, channelsLast: inputs[0].channelsLast)
        case .leakyRelu(let op):
            return try add("LeakyReLU", layer.name, ["negative_slope": Double(op.alpha)], inputs, [], output, channelsLast: inputs[0].channelsLast)
        case .prelu(let op): return try prelu(op, layer: layer, input: inputs[0], output: output)
        case .softmax(let op):
            let axis = kerasAxis(op.axis, rank: output.rank, channelsLast: inputs[0].channelsLast)
            return try add("Softmax", layer.name, ["axis": axis], inputs, [], output, channelsLast: inputs[0].channelsLast)
        case .maxPool(let pool): return try pooling("MaxPooling", pool.window, countIncludePad: false, layer: layer, input: inputs[0], output: output)
        case .averagePool(let pool): return try pooling("AveragePooling", pool.window, countIncludePad: pool.countIncludePad, layer: layer, input: inputs[0], output: output)
        case .globalAveragePool, .globalMaxPool:
            let x = try channelsLastOrder(inputs[0], for: layer.name)
            let spatial = output.rank - 2
            guard (1...2).contains(spatial) else { throw refusal("a global pool over \(spatial) spatial axes", layer) }
            let className = (layer.op.name == "globalavgpool" ? "GlobalAveragePooling" : "GlobalMaxPooling") + "\(spatial)D"
            return try add(className, layer.name, ["keepdims": true], [x], [], output, channelsLast: true)
        case .add(let op): return try merge("Add", op.constant, layer: layer, inputs: inputs, output: output)
        case .sub(let op):
            guard op.constant != nil || inputs.count == 2 else { throw refusal("a subtraction of \(inputs.count) inputs", layer) }
            return try merge("Subtract", op.constant, layer: layer, inputs: inputs, output: output)
        case .mul(let op): return try merge("Multiply", op.constant, layer: layer, inputs: inputs, output: output)
        case .div: throw refusal("division (Keras has no Divide layer, and x * (1/c) rounds differently)", layer)
        case .concat(let op):
            let aligned = try align(inputs, for: layer.name)
            let axis = kerasAxis(op.axis, rank: output.rank, channelsLast: aligned[0].channelsLast)
            return try add("Concatenate", layer.name, ["axis": axis], aligned, [], output, channelsLast: aligned[0].channelsLast)
        case .flatten(let op):
            guard op.axis == 1 else { throw refusal("flatten at axis \(op.axis) (Keras flattens after the batch)", layer) }
            let x = try sameOrder(inputs[0], for: layer.name)
            return try add("Flatten", layer.name, [:], [x], [], output, channelsLast: false)
        case .reshape:
            let x = try sameOrder(inputs[0], for: layer.name)
            guard let target = output.concrete.map({ Array($0.dropFirst()) }) ?? (output.dims.dropFirst().allSatisfy { $0.value != nil } ? output.dims.dropFirst().compactMap(\.value) : nil) else {
                throw refusal("a reshape whose shape depends on more than the batch", layer)
            }
            if let input = shapes[layer.inputs[0]], input.rank > 0, output.rank > 0, input[0] != output[0] {
                throw refusal("a reshape that changes the batch axis (\(input[0]) to \(output[0]); Keras's target_shape leaves it out)", layer)
            }
            return try add("Reshape", layer.name, ["target_shape": target], [x], [], output, channelsLast: false)
        case .transpose(let op):
            let rank = output.rank
            let permutation = op.permutation ?? Array((0..<rank).reversed())
            let x = inputs[0]
            if !x.channelsLast, rank >= 3, permutation == KerasLayout.toChannelsFirst(rank: rank) {
                // An NHWC tensor transposed to NCHW: Keras keeps the NHWC tensor, which holds it channels-last.
                return Symbolic(layer: x.layer, shape: x.shape, channelsLast: true)
            }
            if x.channelsLast, permutation == KerasLayout.toChannelsLast(rank: rank) {
                return Symbolic(layer: x.layer, shape: x.shape, channelsLast: false)
            }
            guard permutation.first == 0 else { throw refusal("a transpose that moves the batch axis", layer) }
            let same = try sameOrder(x, for: layer.name)
            return try add("Permute", layer.name, ["dims": Array(permutation.dropFirst())], [same], [], output, channelsLast: false)
        case .pad(let pad):
            let rank = output.rank
            guard pad.mode == .constant, pad.value == 0, rank >= 3, rank <= 4, pad.pads[0] == 0, pad.pads[1] == 0, pad.pads[rank] == 0, pad.pads[rank + 1] == 0
            else { throw refusal("padding other than zeros on the spatial axes (\(pad.mode.rawValue), value \(pad.value))", layer) }
            let x = try channelsLastOrder(inputs[0], for: layer.name)
            let begin = Array(pad.pads[2..<rank]), end = Array(pad.pads[(rank + 2)...])
            return try add(
                rank == 4 ? "ZeroPadding2D" : "ZeroPadding1D", layer.name,
                ["padding": rank == 4 ? [[begin[0], end[0]], [begin[1], end[1]]] : [begin[0], end[0]] as [Any]], [x], [], output, channelsLast: true)
        case .dropout(let op): return try add("Dropout", layer.name, ["rate": Double(op.ratio)], inputs, [], output, channelsLast: inputs[0].channelsLast)
        case .identity: return inputs[0]
        case .lrn: throw refusal("local response normalization (Keras has no LRN layer)", layer)
        case .matMul: throw refusal("a matrix product of two runtime tensors", layer)
        case .slice(let slice): return try cropping(slice, layer: layer, input: inputs[0], output: output)
        case .resize(let op):
            // The batch and channels may stay symbolic (the taps depend on the spatial sizes only).
            let dims = shapes[layer.inputs[0]]?.dims ?? []
            let spatial = dims.count == 4 ? Shape(Array(dims[2...])).concrete : nil
            guard let spatial, let (className, config) = try KerasResizing.layer(for: op, input: [1, 1] + spatial) else {
                throw refusal("a resize that neither UpSampling2D nor Resizing computes (\(op.interpolation.rawValue), \(op.coordinateMode.rawValue) coordinates)", layer)
            }
            let x = try channelsLastOrder(inputs[0], for: layer.name)
            return try add(className, layer.name, config, [x], [], output, channelsLast: true)
        case .gather: throw refusal("a gather by indices (Keras has no such layer)", layer)
        case .expand: throw refusal("a broadcast to a shape (Keras has no such layer)", layer)
        case .reduceMean, .reduceSum, .reduceMax, .reduceMin: throw refusal("\(layer.op.name) (Keras has no reduce layer)", layer)
        case .mean(let op): return try variadicMerge("Average", op.constant, layer: layer, inputs: inputs, output: output)
        case .maximum(let op): return try variadicMerge("Maximum", op.constant, layer: layer, inputs: inputs, output: output)
        case .minimum(let op): return try variadicMerge("Minimum", op.constant, layer: layer, inputs: inputs, output: output)
        case .layerNorm(let op):
            // In Keras's order over the last axis; over several (axes `axis...`), a Reshape merges
            // them into one first and another restores them (Keras 3's legacy .h5 reload
            // rebuilds a list of axes with the last axis's gamma shape), gamma and beta flattened.
            var x = try sameOrder(inputs[0], for: layer.name)
            let rank = output.rank, first = op.axis < 0 ? op.axis + rank : op.axis
            guard first > 0 else { throw refusal("a layer norm over the batch axis", layer) }
            guard let sizes = Shape(Array(output.dims.dropFirst())).concrete else {
                throw refusal("a layer norm over several axes whose sizes are not all concrete", layer)
            }
            let merged = sizes[(first - 1)...].reduce(1, *)
            let several = first < rank - 1
            var weights: [(name: String, tensor: ZooCore.Tensor)] = []
            if let scale = op.scale { weights.append(("gamma", several ? try scale.reshaped([merged]) : scale)) }
            if let bias = op.bias { weights.append(("beta", several ? try bias.reshaped([merged]) : bias)) }
            let config: [String: Any] = ["axis": -1, "epsilon": Double(op.epsilon), "center": op.bias != nil, "scale": op.scale != nil]
            guard several else { return try add("LayerNormalization", layer.name, config, [x], weights, output, channelsLast: false) }
            let flatShape = Shape([output.dims[0]] + sizes[..<(first - 1)].map(Dim.fixed) + [.fixed(merged)])
            x = try add("Reshape", layer.name + "_merged", ["target_shape": Array(sizes[..<(first - 1)]) + [merged]], [x], [], flatShape, channelsLast: false)
            let normalized = try add("LayerNormalization", layer.name + "_normalized", config, [x], weights, flatShape, channelsLast: false)
            return try add("Reshape", layer.name, ["target_shape": sizes], [normalized], [], output, channelsLast: false)
        case .groupNorm(let op):
            let channels = try output.size(ofAxis: 1, for: GroupNorm.info.name)
            func perChannel(_ tensor: ZooCore.Tensor?) throws -> ZooCore.Tensor? {
                guard let tensor, op.isPerGroup(tensor, channels: channels), let values = tensor.values else { return tensor }
                return try ZooCore.Tensor(shape: [channels], values: (0..<channels).map { values[$0 / (channels / op.groups)] })
            }
            return try groupNormalization(
                op.groups, epsilon: op.epsilon, scale: try perChannel(op.scale), bias: try perChannel(op.bias), layer: layer, input: inputs[0],
                output: output)
        case .instanceNorm(let op):
            // One group per channel: Keras's GroupNormalization(groups = C) is instance normalization.
            return try groupNormalization(
                try output.size(ofAxis: 1, for: InstanceNorm.info.name), epsilon: op.epsilon, scale: op.scale, bias: op.bias, layer: layer,
                input: inputs[0], output: output)
        case .logSoftmax: throw refusal("logsoftmax (Keras has no LogSoftmax layer; its log_softmax activation is not read)", layer)
        }
    }

    /// A slice that crops the spatial axes of a rank-3 or rank-4 tensor (step 1, the batch and
    /// channels whole) as Cropping1D or Cropping2D, channels-last; any other slice is refused.
    private mutating func cropping(_ slice: Slice, layer: Layer, input: Symbolic, output: Shape) throws -> Symbolic {
        let rank = output.rank
        guard let inputShape = shapes[layer.inputs[0]], rank == 3 || rank == 4 else {
            throw refusal("a slice other than a crop of the spatial axes of a rank-3 or rank-4 tensor", layer)
        }
        var begin = Array(repeating: 0, count: rank - 2), end = begin
        for axis in try slice.resolve(inputShape) {
            let size = try inputShape.size(ofAxis: axis.axis, for: layer.op.name)
            let whole = axis.start == 0 && axis.step == 1 && axis.count == size
            guard axis.axis >= 2 || whole, axis.step == 1 || whole else {
                throw refusal("a slice other than a crop of the spatial axes (step 1, batch and channels whole): axis \(axis.axis) from \(axis.start) by \(axis.step)", layer)
            }
            guard axis.axis >= 2 else { continue }
            begin[axis.axis - 2] = axis.start
            end[axis.axis - 2] = size - axis.start - axis.count
        }
        let x = try channelsLastOrder(input, for: layer.name)
        let cropping: [Any] = rank == 4 ? [[begin[0], end[0]], [begin[1], end[1]]] : [begin[0], end[0]]
        return try add(rank == 4 ? "Cropping2D" : "Cropping1D", layer.name, ["cropping": cropping], [x], [], output, channelsLast: true)
    }

    /// PReLU with the slope as Keras's alpha: over the axes after the batch (leading 1s added),
    /// channels-last when Keras holds the input so (``KerasLayout/preluAlphaToKeras(_:)``), each
    /// axis where it is 1 and the input is not a shared axis.
    private mutating func prelu(_ op: PRelu, layer: Layer, input: Symbolic, output: Shape) throws -> Symbolic {
        let rank = output.rank, shape = op.slope.shape
        guard shape.count < rank || shape.first == 1 else {
            throw refusal("a prelu slope \(shape) over the batch axis (Keras's alpha has none)", layer)
        }
        let axes = Array(repeating: 1, count: max(0, rank - 1 - shape.count)) + shape.suffix(rank - 1)
        var alpha = try op.slope.reshaped(axes)
        if input.channelsLast, rank >= 3 { alpha = try KerasLayout.preluAlphaToKeras(alpha) }
        let kerasDims = Array(input.shape.dropFirst())
        let shared = alpha.shape.indices.filter { alpha.shape[$0] == 1 && kerasDims[$0] != 1 }.map { $0 + 1 }
        let config: [String: Any] = ["shared_axes": shared.isEmpty ? NSNull() : shared]
        return try add("PReLU", layer.name, config, [input], [("alpha", alpha)], output, channelsLast: input.channelsLast)
    }

    /// Keras `Normalization` over the axes where the statistics are not 1 (in Keras's order): an
    /// adapted layer's mean, variance and count as its weights, constants as `mean=`/`variance=`.
    private mutating func normalization(_ norm: Normalization, layer: Layer, input: Symbolic, output: Shape) throws -> Symbolic {
        guard norm.epsilon == Normalization.kerasEpsilon else {
            throw refusal("a normalization with epsilon \(norm.epsilon) (Keras's Normalization uses backend.epsilon(), 1e-7)", layer)
        }
        let rank = output.rank, shape = norm.mean.shape
        guard shape.count < rank || shape.first == 1 else { throw refusal("normalization statistics \(shape) over the batch axis", layer) }
        func kerasOrdered(_ statistic: Tensor) throws -> Tensor {
            guard !statistic.shape.isEmpty else { return statistic }
            var tensor = try statistic.reshaped(Array(repeating: 1, count: max(0, rank - 1 - shape.count)) + shape.suffix(rank - 1))
            if input.channelsLast, rank >= 3 { tensor = try KerasLayout.preluAlphaToKeras(tensor) }
            return tensor
        }
        let mean = try kerasOrdered(norm.mean), variance = try kerasOrdered(norm.variance)
        let kept = mean.shape.indices.filter { mean.shape[$0] != 1 }
        let keptSizes = kept.map { mean.shape[$0] }
        let axis: Any = mean.shape.isEmpty || kept.isEmpty ? NSNull() : kept.map { $0 + 1 }
        if !mean.shape.isEmpty, kept.isEmpty { throw refusal("a normalization by one statistic held as a tensor \(shape)", layer) }
        var config: [String: Any] = ["axis": axis, "invert": false]
        var weights: [(name: String, tensor: ZooCore.Tensor)] = []
        if norm.isStored {
            config["mean"] = NSNull()
            config["variance"] = NSNull()
            weights = [
                ("mean", try mean.reshaped(keptSizes)), ("variance", try variance.reshaped(keptSizes)),
                ("count", try norm.count ?? Tensor(shape: [], values: [0])),
            ]
        } else {
            config["mean"] = try Self.nestedList(mean.reshaped(keptSizes))
            config["variance"] = try Self.nestedList(variance.reshaped(keptSizes))
        }
        return try add("Normalization", layer.name, config, [input], weights, output, channelsLast: input.channelsLast)
    }

    /// A tensor's values as nested lists of doubles (a scalar as a number).
    static func nestedList(_ tensor: ZooCore.Tensor) throws -> Any {
        guard let values = tensor.values else {
            throw ZooError(.missingWeight, "Writing Keras needs every constant's values. Received: a tensor \(tensor.shape) declared without values.")
        }
        func nest(_ axis: Int, _ start: Int) -> Any {
            guard axis < tensor.shape.count else { return Double(values[start]) }
            let stride = tensor.shape[(axis + 1)...].reduce(1, *)
            return (0..<tensor.shape[axis]).map { nest(axis + 1, start + $0 * stride) }
        }
        return nest(0, 0)
    }

    private mutating func convolution(_ conv: Conv, layer: Layer, input: Symbolic) throws -> Symbolic {
        guard let inputShape = shapes[layer.inputs[0]], let output = shapes[layer.name] else {
            throw ZooError(.invalidGraph, "A conv needs inferred shapes. Received: none for '\(layer.name)'.", layer: layer.name)
        }
        var x = try channelsLastOrder(input, for: layer.name)
        let spatial = conv.kernelSize.count
        let resolved = try conv.window.resolve(input: inputShape, op: Conv.info.name)
        let padding = try kerasPadding(conv.window, resolved: resolved, layer: layer, x: &x, inputShape: inputShape)
        let channels = try inputShape.size(ofAxis: 1, for: Conv.info.name)
        var config: [String: Any] = [
            "kernel_size": conv.kernelSize, "strides": conv.stride, "padding": padding, "data_format": "channels_last",
            "dilation_rate": conv.dilation, "activation": "linear", "use_bias": conv.bias != nil,
        ]
        var weights: [(name: String, tensor: ZooCore.Tensor)] = []
        let className: String
        if conv.groups == channels, conv.groups > 1, spatial == 2 {
            // (C M, 1, kh, kw) -> (kh, kw, C, M), output channel c M + m.
            className = "DepthwiseConv2D"
            weights.append(("kernel", try KerasLayout.depthwiseKernelToKeras(conv.kernel, channels: channels)))
            config["depth_multiplier"] = conv.filters / channels
        } else {
            className = spatial == 2 ? "Conv2D" : "Conv1D"
            weights.append(("kernel", try KerasLayout.convKernelToKeras(conv.kernel)))
            config["filters"] = conv.filters
            config["groups"] = conv.groups
        }
        if let bias = conv.bias { weights.append(("bias", bias)) }
        return try add(className, layer.name, config, [x], weights, output, channelsLast: true)
    }

    /// Conv2DTranspose or Conv1DTranspose (no groups; a stride above 1 and a dilation above 1 not
    /// together, as Keras requires) whose `padding` and `output_padding`, by Keras's rule
    /// (``KerasLayout/transposedPadding(same:outputPadding:kernel:stride:dilation:)``), cover the
    /// same output elements: the same begin crop and the same end. `output_padding` is left out
    /// when `valid` or `same` alone fit, else given per axis below the stride; anything else is
    /// refused.
    private mutating func transposedConvolution(_ op: ConvTranspose, layer: Layer, input: Symbolic) throws -> Symbolic {
        guard let inputShape = shapes[layer.inputs[0]], let output = shapes[layer.name] else {
            throw ZooError(.invalidGraph, "A transposed conv needs inferred shapes. Received: none for '\(layer.name)'.", layer: layer.name)
        }
        guard op.groups == 1 else { throw refusal("a grouped transposed convolution (groups \(op.groups); Keras's have none)", layer) }
        if op.stride.contains(where: { $0 > 1 }), op.dilation.contains(where: { $0 > 1 }) {
            throw refusal("a transposed convolution with both a stride and a dilation above 1 (Keras refuses the pair)", layer)
        }
        let resolved = try op.resolve(input: inputShape)
        let spatial = op.kernelSize.count
        // Whether Keras's rule for (same, p) covers the IR's output elements on `axis`: the
        // same begin crop, and the same end s (in - 1) + output_padding + k' - p_end.
        func fits(same: Bool, _ p: Int?, axis: Int) throws -> Bool {
            let rule = try KerasLayout.transposedPadding(
                same: same, outputPadding: p, kernel: op.kernelSize[axis], stride: op.stride[axis], dilation: op.dilation[axis])
            let scattered = resolved.full[axis] - op.outputPadding[axis]
            return rule.begin == resolved.padBegin[axis] && scattered + rule.outputPadding - rule.end == resolved.full[axis] - resolved.padEnd[axis]
        }
        var choice: (same: Bool, outputPadding: [Int]?)?
        for same in [false, true] where choice == nil {
            if try (0..<spatial).allSatisfy({ try fits(same: same, nil, axis: $0) }) { choice = (same, nil) }
        }
        for same in [false, true] where choice == nil {
            var paddings: [Int] = []
            for axis in 0..<spatial {
                guard let p = try (0..<op.stride[axis]).first(where: { try fits(same: same, $0, axis: axis) }) else { break }
                paddings.append(p)
            }
            if paddings.count == spatial { choice = (same, paddings) }
        }
        guard let choice else {
            throw refusal(
                "transposed-conv crops \(resolved.padBegin + resolved.padEnd) with output padding \(op.outputPadding) (Keras's valid and same crop otherwise)", layer)
        }
        let x = try channelsLastOrder(input, for: layer.name)
        var config: [String: Any] = [
            "filters": op.filters, "kernel_size": op.kernelSize, "strides": op.stride, "padding": choice.same ? "same" : "valid",
            "data_format": "channels_last", "dilation_rate": op.dilation, "activation": "linear", "use_bias": op.bias != nil,
        ]
        if let paddings = choice.outputPadding { config["output_padding"] = paddings }
        var weights = [(name: "kernel", tensor: try KerasLayout.convTransposeKernelToKeras(op.kernel))]
        if let bias = op.bias { weights.append(("bias", bias)) }
        return try add(spatial == 2 ? "Conv2DTranspose" : "Conv1DTranspose", layer.name, config, [x], weights, output, channelsLast: true)
    }

    /// `valid` or `same` when the resolved padding is one of them; otherwise a ZeroPadding layer
    /// before `x` and `valid`.
    private mutating func kerasPadding(
        _ window: SpatialWindow, resolved: SpatialWindow.Resolved, layer: Layer, x: inout Symbolic, inputShape: Shape
    ) throws -> String {
        if resolved.padBegin.allSatisfy({ $0 == 0 }), resolved.padEnd.allSatisfy({ $0 == 0 }) { return "valid" }
        let same = try SpatialWindow(kernel: window.kernel, stride: window.stride, dilation: window.dilation, padding: .same(extra: .end))
            .resolve(input: inputShape, op: layer.op.name)
        if same.padBegin == resolved.padBegin, same.padEnd == resolved.padEnd { return "same" }
        let rank = inputShape.rank
        var padded = inputShape.dims
        for axis in 0..<(rank - 2) { padded[axis + 2] = .fixed(resolved.input[axis] + resolved.padBegin[axis] + resolved.padEnd[axis]) }
        let pads: [Any] = rank == 4
            ? [[resolved.padBegin[0], resolved.padEnd[0]], [resolved.padBegin[1], resolved.padEnd[1]]] : [resolved.padBegin[0], resolved.padEnd[0]]
        x = try add(rank == 4 ? "ZeroPadding2D" : "ZeroPadding1D", layer.name + "_pad", ["padding": pads], [x], [], Shape(padded), channelsLast: true)
        return "valid"
    }

    /// Whether `op`'s output has no negative element, given which inputs have none.
    static func keepsNonNegative(_ op: Op, inputs: [Bool]) -> Bool {
        switch op {
        case .relu, .sigmoid, .hardSigmoid, .softmax, .exp, .abs, .sqrt, .softplus: return true
        case .clip(let clip): return (clip.min ?? -1) >= 0
        case .maxPool, .averagePool, .globalAveragePool, .globalMaxPool, .dropout, .identity, .flatten, .reshape, .transpose, .concat, .slice, .gather,
            .expand:
            return !inputs.isEmpty && inputs.allSatisfy { $0 }
        case .pad(let pad): return pad.mode != .constant || pad.value >= 0 ? inputs.allSatisfy { $0 } : false
        default: return false
        }
    }

    private mutating func pooling(
        _ kind: String, _ window: SpatialWindow, countIncludePad: Bool, layer: Layer, input: Symbolic, output: Shape
    ) throws -> Symbolic {
        guard let inputShape = shapes[layer.inputs[0]] else {
            throw ZooError(.invalidGraph, "A pool needs inferred shapes. Received: none for '\(layer.name)'.", layer: layer.name)
        }
        guard window.dilation.allSatisfy({ $0 == 1 }) else { throw refusal("a dilated pool", layer) }
        let resolved = try window.resolve(input: inputShape, op: layer.op.name)
        // Ceil mode's extra window reads past the end padding: that much more padding, in floor mode.
        var extra = [Int]()
        for axis in 0..<window.kernel.count {
            let reach = (resolved.output[axis] - 1) * window.stride[axis] + window.kernel[axis]
            extra.append(max(0, reach - (resolved.input[axis] + resolved.padBegin[axis] + resolved.padEnd[axis])))
        }
        let padEnd = zip(resolved.padEnd, extra).map(+)
        let unpadded = resolved.padBegin.allSatisfy { $0 == 0 } && padEnd.allSatisfy { $0 == 0 }
        let same = try SpatialWindow(kernel: window.kernel, stride: window.stride, padding: .same(extra: .end)).resolve(input: inputShape, op: layer.op.name)
        var x = input
        let padding: String
        if unpadded {
            padding = "valid"
        } else if same.padBegin == resolved.padBegin, same.padEnd == padEnd, same.output == resolved.output, !countIncludePad {
            padding = "same"
        } else if kind == "MaxPooling" ? nonNegative.contains(layer.inputs[0]) : countIncludePad && extra.allSatisfy({ $0 == 0 }) {
            // Zero padding is exact here: a max over non-negative values, or an average whose
            // divisor counts the padding.
            x = try channelsLastOrder(input, for: layer.name)
            var padded = inputShape.dims
            for axis in 0..<window.kernel.count { padded[axis + 2] = .fixed(resolved.input[axis] + resolved.padBegin[axis] + padEnd[axis]) }
            let pads: [Any] = window.kernel.count == 2
                ? [[resolved.padBegin[0], padEnd[0]], [resolved.padBegin[1], padEnd[1]]] : [resolved.padBegin[0], padEnd[0]]
            x = try add(window.kernel.count == 2 ? "ZeroPadding2D" : "ZeroPadding1D", layer.name + "_pad", ["padding": pads], [x], [], Shape(padded), channelsLast: true)
            padding = "valid"
        } else {
            throw refusal(
                "a pool with padding other than valid or TensorFlow's same (begin \(resolved.padBegin), end \(padEnd)) on an input that may be negative", layer)
        }
        x = try channelsLastOrder(x, for: layer.name)
        let spatial = window.kernel.count
        return try add(
            "\(kind)\(spatial)D", layer.name, ["pool_size": window.kernel, "strides": window.stride, "padding": padding, "data_format": "channels_last"],
            [x], [], output, channelsLast: true)
    }

    private mutating func activation(_ function: String, _ layer: Layer, _ input: Symbolic, _ output: Shape) throws -> Symbolic {
        try add("Activation", layer.name, ["activation": function], [input], [], output, channelsLast: input.channelsLast)
    }

    /// Keras GroupNormalization over the channels (axis -1 of the channels-last tensor), gamma
    /// and beta per channel.
    private mutating func groupNormalization(
        _ groups: Int, epsilon: Float, scale: ZooCore.Tensor?, bias: ZooCore.Tensor?, layer: Layer, input: Symbolic, output: Shape
    ) throws -> Symbolic {
        let x = output.rank >= 3 ? try channelsLastOrder(input, for: layer.name) : try sameOrder(input, for: layer.name)
        var weights: [(name: String, tensor: ZooCore.Tensor)] = []
        if let scale { weights.append(("gamma", scale)) }
        if let bias { weights.append(("beta", bias)) }
        let config: [String: Any] = ["groups": groups, "axis": -1, "epsilon": Double(epsilon), "center": bias != nil, "scale": scale != nil]
        return try add("GroupNormalization", layer.name, config, [x], weights, output, channelsLast: x.channelsLast)
    }

    /// Average, Maximum, Minimum of runtime tensors; a constant operand is refused (Rescaling
    /// cannot state it).
    private mutating func variadicMerge(_ className: String, _ constant: ConstantOperand?, layer: Layer, inputs: [Symbolic], output: Shape) throws -> Symbolic {
        guard constant == nil else { throw refusal("\(layer.op.name) with a constant operand (Keras's \(className) merges tensors only)", layer) }
        let aligned = try align(inputs, for: layer.name)
        return try add(className, layer.name, [:], aligned, [], output, channelsLast: aligned[0].channelsLast)
    }

    /// Add, Subtract, Multiply of runtime tensors; a scalar constant operand becomes Rescaling.
    private mutating func merge(_ className: String, _ constant: ConstantOperand?, layer: Layer, inputs: [Symbolic], output: Shape) throws -> Symbolic {
        guard let constant else {
            let aligned = try align(inputs, for: layer.name)
            return try add(className, layer.name, [:], aligned, [], output, channelsLast: aligned[0].channelsLast)
        }
        if constant.tensor.count > 1, let channels = try perChannel(constant, input: inputs[0], rank: output.rank) {
            if className == "Multiply", constant.isStored {
                // ConvNeXt's LayerScale computes x * gamma over the last axis: exact.
                return try add(
                    "LayerScale", layer.name, ["init_values": 1.0, "projection_dim": channels.count], inputs, [("gamma", channels)], output,
                    channelsLast: inputs[0].channelsLast, module: Self.layerScaleModule)
            }
            if !constant.isStored, let values = channels.values {
                // Rescaling by per-channel lists: x * scale + offset with one of them the identity, exact.
                let ones = [Double](repeating: 1, count: values.count), zeros = [Double](repeating: 0, count: values.count)
                let list = values.map(Double.init)
                let (scale, offset): ([Double], [Double]) = switch className {
                case "Add": (ones, list)
                case "Multiply": (list, zeros)
                default: constant.isFirst ? (ones.map { -$0 }, list) : (ones, list.map { -$0 })
                }
                return try add("Rescaling", layer.name, ["scale": scale, "offset": offset], inputs, [], output, channelsLast: inputs[0].channelsLast)
            }
        }
        guard constant.tensor.count == 1, let value = constant.tensor.values?.first else {
            throw refusal("a constant operand of shape \(constant.tensor.shape) (Keras rescales by scalars only)", layer)
        }
        let (scale, offset): (Double, Double) = switch className {
        case "Add": (1, Double(value))
        case "Multiply": (Double(value), 0)
        default: constant.isFirst ? (-1, Double(value)) : (1, -Double(value))
        }
        return try add("Rescaling", layer.name, ["scale": scale, "offset": offset], inputs, [], output, channelsLast: inputs[0].channelsLast)
    }

    static let layerScaleModule = "keras.src.applications.convnext"

    /// A constant that is one value per channel (Keras's last axis) of `input`, as a vector
    /// `(C,)` (LayerScale's gamma, Rescaling's lists); nil for any other shape.
    private func perChannel(_ constant: ConstantOperand, input: Symbolic, rank: Int) throws -> ZooCore.Tensor? {
        let shape = constant.tensor.shape
        guard rank >= 2, shape.count <= rank - 1, !shape.isEmpty, let channels = input.shape.last ?? nil else { return nil }
        var tensor = try constant.tensor.reshaped(Array(repeating: 1, count: rank - 1 - shape.count) + shape)
        if input.channelsLast, rank >= 3 { tensor = try KerasLayout.preluAlphaToKeras(tensor) }
        guard tensor.shape.last == channels, tensor.shape.dropLast().allSatisfy({ $0 == 1 }) else { return nil }
        return try tensor.reshaped([channels])
    }

    // MARK: Layouts

    private mutating func channelsLastOrder(_ value: Symbolic, for layer: String) throws -> Symbolic {
        guard !value.channelsLast, value.shape.count >= 3 else { return value }
        let rank = value.shape.count
        let dims = Array(2..<rank) + [1]
        let shape = [nil] + dims.map { value.shape[$0] }
        return try add("Permute", layer + "_channels_last", ["dims": dims], [value], [], nil, keras: shape, channelsLast: true)
    }

    private mutating func sameOrder(_ value: Symbolic, for layer: String) throws -> Symbolic {
        guard value.channelsLast else { return value }
        let rank = value.shape.count
        let dims = [rank - 1] + Array(1..<(rank - 1))
        let shape = [nil] + dims.map { value.shape[$0] }
        return try add("Permute", layer + "_channels_first", ["dims": dims], [value], [], nil, keras: shape, channelsLast: false)
    }

    private mutating func align(_ inputs: [Symbolic], for layer: String) throws -> [Symbolic] {
        guard inputs.contains(where: \.channelsLast) else { return inputs }
        return try inputs.map { try channelsLastOrder($0, for: layer) }
    }

    /// The Keras axis of IR axis `axis` for a tensor of `rank` held channels-last or not.
    private func kerasAxis(_ axis: Int, rank: Int, channelsLast: Bool) -> Int {
        let positive = axis < 0 ? axis + rank : axis
        guard channelsLast, rank >= 3, positive > 0 else { return positive }
        return positive == 1 ? rank - 1 : positive - 1
    }

    // MARK: Bookkeeping

    /// Appends a layer; its Keras output shape is `output` (IR), permuted when `channelsLast`,
    /// or `keras` as given.
    @discardableResult
    private mutating func add(
        _ className: String, _ baseName: String, _ config: [String: Any], _ inputs: [Symbolic], _ weights: [(name: String, tensor: ZooCore.Tensor)],
        _ output: Shape?, keras: [Int?]? = nil, channelsLast: Bool, module: String = KerasLayer.layersModule
    ) throws -> Symbolic {
        let name = unique(baseName)
        var shape: [Int?] = keras ?? []
        if keras == nil, let output {
            var dims = output.dims.map(\.value)
            if channelsLast, dims.count >= 3 { dims = [dims[0]] + Array(dims[2...]) + [dims[1]] }
            shape = [nil] + Array(dims.dropFirst())
        }
        var full = config
        full["name"] = name
        full["trainable"] = true
        full["dtype"] = "float32"
        layers.append(KerasLayer(className: className, name: name, config: full, inputs: inputs, weights: weights, module: module))
        return Symbolic(layer: name, shape: shape, channelsLast: channelsLast)
    }

    /// A Keras layer name from `base`: `/` is not allowed, and names must be unique.
    private mutating func unique(_ base: String) -> String {
        let cleaned = Self.kerasName(base)
        var name = cleaned, index = 1
        while used.contains(name) {
            name = "\(cleaned)_\(index)"
            index += 1
        }
        used.insert(name)
        return name
    }

    static func kerasName(_ text: String) -> String {
        let mapped = String(text.map { $0 == "/" || $0 == ":" || $0 == " " ? "_" : $0 })
        return mapped.isEmpty ? "layer" : mapped
    }

    private func refusal(_ what: String, _ layer: Layer) -> ZooError {
        ZooError(.unsupported, "Keras cannot express \(what) exactly, and zoo does not approximate. Received: \(layer.op.name) layer '\(layer.name)'.", layer: layer.name)
    }

    /// The layers in the order Keras's Functional model lists them (`keras.src.ops.function.map_graph`):
    /// by decreasing depth from the outputs (an output's layer has depth 0, a layer's inputs are
    /// at least one deeper), ties in the order a depth-first walk from the outputs, inputs in
    /// order, first meets them. `.keras` weight paths are numbered in this order.
    func kerasOrder() -> [KerasLayer] {
        let byName = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, $0) })
        var discovery: [String: Int] = [:]
        var finished = Set<String>()
        var postOrder: [String] = []
        func walk(_ name: String) {
            guard !finished.contains(name), let layer = byName[name] else { return }
            if discovery[name] == nil { discovery[name] = discovery.count }
            for input in layer.inputs { walk(input.layer) }
            finished.insert(name)
            postOrder.append(name)
        }
        for output in outputNames { walk(output) }
        var depth: [String: Int] = [:]
        for name in postOrder.reversed() {
            let current = depth[name, default: 0]
            for input in byName[name]?.inputs ?? [] { depth[input.layer] = max(depth[input.layer, default: 0], current + 1) }
        }
        return layers.filter { discovery[$0.name] != nil }.sorted {
            let (a, b) = (depth[$0.name, default: 0], depth[$1.name, default: 0])
            return a != b ? a > b : discovery[$0.name, default: 0] < discovery[$1.name, default: 0]
        }
    }

    // MARK: JSON

    /// The Functional model configuration, as Keras 3 writes `model_config`.
    func configJSON(withModules: Bool = false) throws -> String {
        let entries: [[String: Any]] = layers.map { layer in
            var entry: [String: Any] = ["class_name": layer.className, "config": layer.config, "name": layer.name]
            entry["inbound_nodes"] = layer.inputs.isEmpty ? [] : [[
                "args": layer.inputs.count == 1 && !Self.mergeClasses.contains(layer.className)
                    ? [Self.kerasTensor(layer.inputs[0])] : [layer.inputs.map(Self.kerasTensor)],
                "kwargs": [String: Any](),
            ]]
            if withModules {
                entry["module"] = layer.module
                entry["registered_name"] = layer.module == KerasLayer.layersModule ? NSNull() : layer.className
            }
            return entry
        }
        var root: [String: Any] = [
            "class_name": "Functional",
            "config": [
                "name": name, "trainable": true, "layers": entries,
                "input_layers": inputNames.map { [$0, 0, 0] }, "output_layers": outputNames.map { [$0, 0, 0] },
            ] as [String: Any],
        ]
        if withModules {
            root["module"] = "keras.src.models.functional"
            root["registered_name"] = "Functional"
        }
        let data = try JSONSerialization.data(withJSONObject: Self.nullify(root), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static let mergeClasses: Set<String> = ["Add", "Subtract", "Multiply", "Concatenate"]

    static func kerasTensor(_ tensor: Symbolic) -> [String: Any] {
        [
            "class_name": "__keras_tensor__",
            "config": ["shape": tensor.shape.map { $0 as Any }, "dtype": "float32", "keras_history": [tensor.layer, 0, 0]] as [String: Any],
        ]
    }

    /// `nil` entries (Swift optionals in `Any`) as JSON null.
    static func nullify(_ value: Any) -> Any {
        if let dictionary = value as? [String: Any] { return dictionary.mapValues(nullify) }
        if let array = value as? [Any] { return array.map(nullify) }
        if case Optional<Any>.none = value as Any? { return NSNull() }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional { return mirror.children.first.map { nullify($0.value) } ?? NSNull() }
        return value
    }
}
