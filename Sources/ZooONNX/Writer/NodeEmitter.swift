import ZooCore

/// IR layers -> ONNX nodes at a target opset (11 to 25). Ops with a standard equivalent map
/// one to one; others are decomposed where that is exact (SiLU -> x * Sigmoid(x); HardSwish
/// before opset 14 -> x * HardSigmoid(x; 1/6, 1/2); Gelu before opset 20 -> the function body
/// ONNX defines it with) and refused by name otherwise — never approximated.
struct NodeEmitter {
    let opset: Int
    let shapes: [String: Shape]
    private(set) var spec: ONNXGraphSpec
    private var usedNames: Set<String>

    init(graph: Graph, name: String, opset: Int) throws {
        self.opset = opset
        shapes = try ShapeInference.infer(graph)
        spec = ONNXGraphSpec(name: name)
        usedNames = Set(graph.inputs.map(\.name) + graph.layers.map(\.name))
    }

    /// A name no value or initializer has yet, derived from `base`.
    private mutating func unique(_ base: String) -> String {
        var candidate = base
        var counter = 0
        while usedNames.contains(candidate) {
            counter += 1
            candidate = "\(base)_\(counter)"
        }
        usedNames.insert(candidate)
        return candidate
    }

    private mutating func floats(_ name: String, _ tensor: Tensor, layer: String) throws -> String {
        guard tensor.isMaterialized else {
            throw ZooError(
                .missingWeight,
                "Writing ONNX needs every weight's values; instantiate a spec with --seed. Received: '\(name)' of layer '\(layer)' declared without values.",
                layer: layer)
        }
        let unique = unique("\(layer).\(name)")
        spec.initializers.append(.init(name: unique, dims: tensor.shape, data: .floats(tensor), external: nil))
        return unique
    }

    private mutating func scalar(_ name: String, _ value: Float, layer: String) throws -> String {
        try floats(name, try Tensor(shape: [], values: [value]), layer: layer)
    }

    private mutating func int64s(_ name: String, _ values: [Int], layer: String, dims: [Int]? = nil) -> String {
        let unique = unique("\(layer).\(name)")
        spec.initializers.append(.init(name: unique, dims: dims ?? [values.count], data: .int64s(values.map { Int64($0) }), external: nil))
        return unique
    }

    private mutating func node(_ opType: String, _ inputs: [String], _ output: String, _ attributes: [ONNXGraphSpec.Attribute] = []) {
        spec.nodes.append(.init(opType: opType, name: output, inputs: inputs, outputs: [output], attributes: attributes))
    }

    private func refuse(_ layer: Layer, _ reason: String) -> ZooError {
        ZooError(.unsupported, "\(layer.op.name) cannot be written to ONNX opset \(opset): \(reason). Received: layer '\(layer.name)'.", layer: layer.name)
    }

    /// The window attributes: kernel_shape, strides, dilations, and auto_pad or pads.
    private func windowAttributes(_ window: SpatialWindow, kernel: Bool = true) -> [ONNXGraphSpec.Attribute] {
        var attributes: [ONNXGraphSpec.Attribute] = []
        if kernel { attributes.append(.ints("kernel_shape", window.kernel)) }
        attributes.append(.ints("strides", window.stride))
        if window.dilation.contains(where: { $0 != 1 }) { attributes.append(.ints("dilations", window.dilation)) }
        switch window.padding {
        case .valid: attributes.append(.string("auto_pad", "VALID"))
        case .same(let extra): attributes.append(.string("auto_pad", extra == .end ? "SAME_UPPER" : "SAME_LOWER"))
        case .explicit(let begin, let end): attributes.append(.ints("pads", begin + end))
        }
        return attributes
    }

    /// A transposed conv's attributes with its padding resolved: explicit `pads` and
    /// `output_padding`. A negative end crop (an output reaching past the full output, from
    /// `output_shape` or `same`) becomes more output padding. The output padding must stay below
    /// the stride: ONNX's text also allows it below the dilation, but onnxruntime checks the
    /// output against a conv of that stride and refuses more. A negative begin crop has no ONNX
    /// spelling but `output_shape`, which runtimes split differently, so it is refused.
    private func convTransposeAttributes(_ op: ConvTranspose, layer: Layer) throws -> [ONNXGraphSpec.Attribute] {
        guard let input = shapes[layer.inputs[0]], let resolved = try? op.resolve(input: input) else {
            throw refuse(layer, "its padding cannot be resolved without concrete input sizes")
        }
        var outputPadding = op.outputPadding, ends = resolved.padEnd
        for axis in ends.indices {
            if ends[axis] < 0 {
                outputPadding[axis] -= ends[axis]
                ends[axis] = 0
            }
            guard outputPadding[axis] < op.stride[axis] else {
                throw refuse(
                    layer,
                    "its output reaches \(outputPadding[axis]) elements past the scattered kernels on spatial axis \(axis), and output_padding must stay below the stride \(op.stride[axis]) (onnxruntime checks the output against a stride-\(op.stride[axis]) conv)")
            }
        }
        guard resolved.padBegin.allSatisfy({ $0 >= 0 }) else {
            throw refuse(layer, "its output starts before the full output (begin crops \(resolved.padBegin)), which ONNX pads cannot state")
        }
        var attributes: [ONNXGraphSpec.Attribute] = [.ints("kernel_shape", op.kernelSize), .ints("strides", op.stride)]
        if op.dilation.contains(where: { $0 != 1 }) { attributes.append(.ints("dilations", op.dilation)) }
        attributes.append(.ints("pads", resolved.padBegin + ends))
        if outputPadding.contains(where: { $0 != 0 }) { attributes.append(.ints("output_padding", outputPadding)) }
        return attributes + [.int("group", op.groups)]
    }

    mutating func emit(_ layer: Layer) throws {
        let x = layer.inputs
        let y = layer.name
        switch layer.op {
        case .conv(let conv):
            var inputs = [x[0], try floats("weight", conv.kernel, layer: y)]
            if let bias = conv.bias { inputs.append(try floats("bias", bias, layer: y)) }
            node("Conv", inputs, y, windowAttributes(conv.window) + [.int("group", conv.groups)])
        case .convTranspose(let op):
            var inputs = [x[0], try floats("weight", op.kernel, layer: y)]
            if let bias = op.bias { inputs.append(try floats("bias", bias, layer: y)) }
            node("ConvTranspose", inputs, y, try convTransposeAttributes(op, layer: layer))
        case .maxPool(let pool):
            node("MaxPool", x, y, windowAttributes(pool.window) + [.int("ceil_mode", pool.window.ceilMode ? 1 : 0)])
        case .averagePool(let pool):
            if pool.window.dilation.contains(where: { $0 != 1 }), opset < 19 { throw refuse(layer, "AveragePool takes dilations from opset 19") }
            node(
                "AveragePool", x, y,
                windowAttributes(pool.window) + [.int("ceil_mode", pool.window.ceilMode ? 1 : 0), .int("count_include_pad", pool.countIncludePad ? 1 : 0)])
        case .globalAveragePool: node("GlobalAveragePool", x, y)
        case .globalMaxPool: node("GlobalMaxPool", x, y)
        case .dense(let dense):
            let rank = shapes[x[0]]?.rank ?? 2
            if rank == 2 {
                var inputs = [x[0], try floats("weight", dense.weight, layer: y)]
                if let bias = dense.bias { inputs.append(try floats("bias", bias, layer: y)) }
                node("Gemm", inputs, y, [.int("transB", dense.weightOrder == .outIn ? 1 : 0)])
            } else {
                // MatMul takes B as [in, out] (a weight [out, in] is transposed), then the bias is added.
                let weight = dense.weightOrder == .inOut
                    ? try floats("weight", dense.weight, layer: y) : try floats("weight_t", try transposedWeight(dense.weight, layer: y), layer: y)
                let product = dense.bias == nil ? y : unique("\(y)/matmul")
                node("MatMul", [x[0], weight], product)
                if let bias = dense.bias { node("Add", [product, try floats("bias", bias, layer: y)], y) }
            }
        case .matMul: node("MatMul", x, y)
        case .batchNorm(let norm):
            let channels = norm.mean.shape
            let gamma = try norm.gamma ?? Tensor(shape: channels, values: Array(repeating: 1, count: norm.mean.count))
            let beta = try norm.beta ?? Tensor(shape: channels, values: Array(repeating: 0, count: norm.mean.count))
            node(
                "BatchNormalization",
                [x[0], try floats("weight", gamma, layer: y), try floats("bias", beta, layer: y),
                 try floats("running_mean", norm.mean, layer: y), try floats("running_var", norm.variance, layer: y)],
                y, [.float("epsilon", norm.epsilon)])
        case .normalization(let norm):
            // The denominator max(sqrt(variance), epsilon) is computed once, in float32 as Keras does: Sub then Div are exact.
            let centred = unique("\(y)/centred")
            node("Sub", [x[0], try floats("mean", norm.mean, layer: y)], centred)
            node("Div", [centred, try floats("denominator", try norm.denominator(), layer: y)], y)
        case .relu: node("Relu", x, y)
        case .clip(let clip):
            let low = try clip.min.map { try scalar("min", $0, layer: y) } ?? ""
            let high = try clip.max.map { try scalar("max", $0, layer: y) } ?? ""
            node("Clip", high.isEmpty ? (low.isEmpty ? x : x + [low]) : x + [low, high], y)
        case .sigmoid: node("Sigmoid", x, y)
        case .tanh: node("Tanh", x, y)
        case .softmax(let softmax):
            guard let rank = shapes[x[0]]?.rank else { throw refuse(layer, "its input's rank is unknown") }
            let axis = softmax.axis < 0 ? softmax.axis + rank : softmax.axis
            if opset < 13, axis != rank - 1 {
                throw refuse(layer, "before opset 13 Softmax flattens from its axis, so only the last axis is exact")
            }
            node("Softmax", x, y, [.int("axis", opset < 13 ? axis : softmax.axis)])
        case .leakyRelu(let op): node("LeakyRelu", x, y, [.float("alpha", op.alpha)])
        case .prelu(let op): node("PRelu", [x[0], try floats("slope", op.slope, layer: y)], y)
        case .hardSigmoid(let op): node("HardSigmoid", x, y, [.float("alpha", op.alpha), .float("beta", op.beta)])
        case .hardSwish:
            if opset >= 14 {
                node("HardSwish", x, y)
            } else {
                let gate = unique("\(y)/hardsigmoid")
                node("HardSigmoid", x, gate, [.float("alpha", 1.0 / 6.0), .float("beta", 0.5)])
                node("Mul", [x[0], gate], y)
            }
        case .silu:
            let gate = unique("\(y)/sigmoid")
            node("Sigmoid", x, gate)
            node("Mul", [x[0], gate], y)
        case .elu(let op): node("Elu", x, y, [.float("alpha", op.alpha)])
        case .selu(let op): node("Selu", x, y, [.float("alpha", op.alpha), .float("gamma", op.gamma)])
        case .softplus: node("Softplus", x, y)
        case .gelu(let op): try emitGelu(op, layer)
        case .lrn(let lrn):
            node("LRN", x, y, [.int("size", lrn.size), .float("alpha", lrn.alpha), .float("beta", lrn.beta), .float("bias", lrn.bias)])
        case .add(let op): try emitBinary("Add", op.constant, layer)
        case .sub(let op): try emitBinary("Sub", op.constant, layer)
        case .mul(let op): try emitBinary("Mul", op.constant, layer)
        case .div(let op): try emitBinary("Div", op.constant, layer)
        case .pow(let op):
            switch op.exponent {
            case .scalar(let value): node("Pow", [x[0], try scalar("exponent", value, layer: y)], y)
            case .tensor(let tensor): node("Pow", [x[0], try floats("exponent", tensor, layer: y)], y)
            }
        case .sqrt: node("Sqrt", x, y)
        case .exp: node("Exp", x, y)
        case .log: node("Log", x, y)
        case .neg: node("Neg", x, y)
        case .abs: node("Abs", x, y)
        case .reciprocal: node("Reciprocal", x, y)
        case .erf: node("Erf", x, y)
        case .concat(let concat): node("Concat", x, y, [.int("axis", concat.axis)])
        case .flatten(let flatten): node("Flatten", x, y, [.int("axis", flatten.axis)])
        case .reshape(let reshape):
            if reshape.allowZero, opset < 14 { throw refuse(layer, "Reshape takes allowzero from opset 14") }
            node("Reshape", [x[0], int64s("shape", reshape.target, layer: y)], y, reshape.allowZero ? [.int("allowzero", 1)] : [])
        case .transpose(let transpose):
            let rank = shapes[x[0]]?.rank ?? 0
            node("Transpose", x, y, [.ints("perm", try transpose.resolvedPermutation(rank: rank))])
        case .pad(let pad):
            switch pad.mode {
            case .symmetric:
                throw refuse(layer, "ONNX Pad has no symmetric mode (the lecture's mirror including the edge)")
            case .wrap where opset < 19:
                throw refuse(layer, "Pad takes wrap mode from opset 19")
            default:
                break
            }
            var inputs = [x[0], int64s("pads", pad.pads, layer: y)]
            if pad.mode == .constant, pad.value != 0 { inputs.append(try scalar("value", pad.value, layer: y)) }
            node("Pad", inputs, y, [.string("mode", pad.mode.rawValue)])
        case .resize(let op): try emitResize(op, layer)
        case .dropout(let dropout):
            if opset < 12 {
                node("Dropout", x, y, [.float("ratio", dropout.ratio)])
            } else {
                node("Dropout", [x[0], try scalar("ratio", dropout.ratio, layer: y)], y)
            }
        case .identity: node("Identity", x, y)
        case .slice(let slice):
            let bounds = [int64s("starts", slice.starts, layer: y), int64s("ends", slice.ends, layer: y)]
            node("Slice", [x[0]] + bounds + [int64s("axes", slice.axes, layer: y), int64s("steps", slice.steps, layer: y)], y)
        case .gather(let gather):
            node("Gather", [x[0], int64s("indices", gather.indices, layer: y, dims: gather.indicesShape)], y, [.int("axis", gather.axis)])
        case .expand(let expand): node("Expand", [x[0], int64s("shape", expand.shape, layer: y)], y)
        case .reduceMean(let op): try emitReduction("ReduceMean", op, layer)
        case .reduceSum(let op): try emitReduction("ReduceSum", op, layer)
        case .reduceMax(let op): try emitReduction("ReduceMax", op, layer)
        case .reduceMin(let op): try emitReduction("ReduceMin", op, layer)
        case .mean(let op): try emitBinary("Mean", op.constant, layer)
        case .maximum(let op): try emitBinary("Max", op.constant, layer)
        case .minimum(let op): try emitBinary("Min", op.constant, layer)
        case .layerNorm(let op): try emitLayerNorm(op, layer)
        case .instanceNorm(let op):
            node(
                "InstanceNormalization", [x[0], try floats("scale", op.scale, layer: y), try floats("bias", op.bias, layer: y)], y,
                [.float("epsilon", op.epsilon)])
        case .groupNorm(let op): try emitGroupNorm(op, layer)
        case .logSoftmax(let op):
            guard let rank = shapes[x[0]]?.rank else { throw refuse(layer, "its input's rank is unknown") }
            let axis = op.axis < 0 ? op.axis + rank : op.axis
            if opset < 13, axis != rank - 1 {
                throw refuse(layer, "before opset 13 LogSoftmax flattens from its axis, so only the last axis is exact")
            }
            node("LogSoftmax", x, y, [.int("axis", opset < 13 ? axis : op.axis)])
        }
    }

    /// A reduction: `axes` an attribute before the opset where it became an input (ReduceSum-13,
    /// the others -18), an int64 initializer from then on; no axes (every axis) writes none.
    /// Resize at the writer's opset: every axis listed (scale 1 or the input's size for the
    /// unlisted ones); sizes beside a symbolic unlisted axis (the batch) through `axes` from 18,
    /// computed from the input's shape before; a keep-aspect-ratio policy from 18 only; roi and the unused one of scales and sizes as empty initializers at 11-12,
    /// absent names from 13. `tf_half_pixel_for_nn` is written at 11-12; later as `half_pixel`
    /// with the nearest rounding that computes the same (floor -> round_prefer_ceil,
    /// round_prefer_floor -> ceil), or refused; rounded tap fractions (Keras's bicubic) are
    /// written only where the rounding changes no weight.
    private mutating func emitResize(_ op: Resize, _ layer: Layer) throws {
        let x = layer.inputs[0], y = layer.name
        guard let input = shapes[x] else { throw refuse(layer, "the input's shape is unknown") }
        var coordinates = op.coordinateMode, rounding = op.nearestRounding
        if coordinates == .halfPixelSymmetric, opset < 19 { throw refuse(layer, "half_pixel_symmetric coordinates come with Resize-19") }
        if op.antialias, opset < 18 { throw refuse(layer, "antialias comes with Resize-18") }
        if op.fractionSteps != nil {
            var exact = op
            exact.fractionSteps = nil
            for axis in try op.resolve(input) where op.taps(axis) != exact.taps(axis) {
                throw refuse(layer, "its tap fractions are rounded to 1/\(op.fractionSteps ?? 0) (TensorFlow's bicubic table), which changes the weights on axis \(axis.axis) and which ONNX Resize does not state")
            }
        }
        if coordinates == .tfHalfPixelForNN, opset >= 13 {
            switch (op.interpolation, rounding) {
            case (.nearest, .floor): rounding = .roundPreferCeil
            case (.nearest, .roundPreferFloor): rounding = .ceil
            default:
                throw refuse(layer, "tf_half_pixel_for_nn is Resize-11's; from 13 only its nearest floor and round_prefer_floor have a half_pixel equal")
            }
            coordinates = .halfPixel
        }
        let listed = try op.listedAxes(rank: input.rank)
        var policy = Resize.AspectRatioPolicy.stretch
        var scales: [Float]?, sizes: String?, axes: [Int]?
        switch op.target {
        case .scales(let given):
            var full = [Float](repeating: 1, count: input.rank)
            for (index, axis) in listed.enumerated() { full[axis] = given[index] }
            scales = full
        case .sizes(let given, let keep):
            policy = keep
            var full = input.dims.map(\.value)
            for (index, axis) in listed.enumerated() { full[axis] = given[index] }
            if keep == .stretch, full.allSatisfy({ $0 != nil }) {
                sizes = int64s("sizes", full.compactMap { $0 }, layer: y)
            } else if opset >= 18 {
                sizes = int64s("sizes", given, layer: y)
                axes = listed
            } else if keep == .stretch {
                sizes = runtimeSizes(full, of: x, layer: y)
            } else {
                throw refuse(layer, "a keep_aspect_ratio_policy comes with Resize-18")
            }
        }
        var attributes: [ONNXGraphSpec.Attribute] = [
            .string("mode", op.interpolation.rawValue), .string("coordinate_transformation_mode", coordinates.rawValue),
        ]
        if op.interpolation == .nearest { attributes.append(.string("nearest_mode", rounding.rawValue)) }
        if op.interpolation == .cubic { attributes.append(.float("cubic_coeff_a", op.cubicCoefficient)) }
        if op.excludeOutside { attributes.append(.int("exclude_outside", 1)) }
        if op.antialias { attributes.append(.int("antialias", 1)) }
        if coordinates == .tfCropAndResize { attributes.append(.float("extrapolation_value", op.extrapolationValue)) }
        if let axes { attributes.append(.ints("axes", axes)) }
        if policy != .stretch { attributes.append(.string("keep_aspect_ratio_policy", policy.rawValue)) }
        let empty = try Tensor(shape: [0], values: [])
        var roi = opset < 13 ? try floats("roi", empty, layer: y) : ""
        if coordinates == .tfCropAndResize, let values = op.roi {
            // The region per listed axis; ONNX's roi without axes covers every axis (starts, then ends).
            var starts = [Float](repeating: 0, count: input.rank), ends = [Float](repeating: 1, count: input.rank)
            for (index, axis) in listed.enumerated() {
                starts[axis] = values[index]
                ends[axis] = values[listed.count + index]
            }
            let region = axes == nil ? starts + ends : values
            roi = try floats("roi", try Tensor(shape: [region.count], values: region), layer: y)
        }
        var inputs = [x, roi]
        if let scales {
            inputs.append(try floats("scales", try Tensor(shape: [scales.count], values: scales), layer: y))
        } else if let sizes {
            inputs.append(opset < 13 ? try floats("scales", empty, layer: y) : "")
            inputs.append(sizes)
        }
        node("Resize", inputs, y, attributes)
    }

    /// Resize sizes that keep the symbolic axes of `x` (the batch): `Concat` of `Shape(x)[a]`
    /// (a Gather) for each symbolic axis and the constant sizes, as torch writes
    /// `F.interpolate(x, size=...)`.
    private mutating func runtimeSizes(_ sizes: [Int?], of x: String, layer y: String) -> String {
        let shape = unique("\(y).input_shape")
        node("Shape", [x], shape)
        let pieces = sizes.enumerated().map { axis, size -> String in
            if let size { return int64s("size\(axis)", [size], layer: y) }
            let piece = unique("\(y).size\(axis)")
            node("Gather", [shape, int64s("axis\(axis)", [axis], layer: y)], piece, [.int("axis", 0)])
            return piece
        }
        let vector = unique("\(y).sizes")
        node("Concat", pieces, vector, [.int("axis", 0)])
        return vector
    }

    private mutating func emitReduction<R: Reduction>(_ opType: String, _ op: R, _ layer: Layer) throws {
        let y = layer.name
        let keepDims = ONNXGraphSpec.Attribute.int("keepdims", op.keepDims ? 1 : 0)
        if op.axes.isEmpty {
            node(opType, layer.inputs, y, [keepDims])
        } else if opset >= (opType == "ReduceSum" ? 13 : 18) {
            node(opType, [layer.inputs[0], int64s("axes", op.axes, layer: y)], y, [keepDims])
        } else {
            node(opType, layer.inputs, y, [.ints("axes", op.axes), keepDims])
        }
    }

    /// LayerNormalization from opset 17 (an absent scale written as ones); before, the function
    /// body ONNX defines it with: `D = X - ReduceMean(X)`, `Y = D / Sqrt(ReduceMean(D * D) + epsilon)
    /// * scale + bias`, over the axes from `axis` on.
    private mutating func emitLayerNorm(_ op: LayerNorm, _ layer: Layer) throws {
        let x = layer.inputs[0], y = layer.name
        guard let input = shapes[x], let axes = try? op.normalizedAxes(input), let normalized = Shape(Array(input.dims[axes])).concrete else {
            throw refuse(layer, "its normalized axes need concrete sizes")
        }
        if opset >= 17 {
            let scale = try op.scale ?? Tensor(shape: normalized, values: Array(repeating: 1, count: normalized.reduce(1, *)))
            var inputs = [x, try floats("scale", scale, layer: y)]
            if let bias = op.bias { inputs.append(try floats("bias", bias, layer: y)) }
            node("LayerNormalization", inputs, y, [.int("axis", op.axis), .float("epsilon", op.epsilon)])
            return
        }
        let axesAttribute = ONNXGraphSpec.Attribute.ints("axes", Array(axes))
        let mean = unique("\(y)/mean"), deviation = unique("\(y)/deviation"), square = unique("\(y)/square")
        let variance = unique("\(y)/variance"), shifted = unique("\(y)/variance_epsilon"), deviationScale = unique("\(y)/stddev")
        node("ReduceMean", [x], mean, [axesAttribute, .int("keepdims", 1)])
        node("Sub", [x, mean], deviation)
        node("Mul", [deviation, deviation], square)
        node("ReduceMean", [square], variance, [axesAttribute, .int("keepdims", 1)])
        node("Add", [variance, try scalar("epsilon", op.epsilon, layer: y)], shifted)
        node("Sqrt", [shifted], deviationScale)
        var steps: [(String, String)] = []
        if let scale = op.scale { steps.append(("Mul", try floats("scale", scale, layer: y))) }
        if let bias = op.bias { steps.append(("Add", try floats("bias", bias, layer: y))) }
        var current = steps.isEmpty ? y : unique("\(y)/normalized")
        node("Div", [deviation, deviationScale], current)
        for (index, (opType, operand)) in steps.enumerated() {
            let output = index == steps.count - 1 ? y : unique("\(y)/scaled")
            node(opType, [current, operand], output)
            current = output
        }
    }

    /// GroupNormalization-21 (scale and bias per channel, a per-group one repeated over its
    /// channels; absent ones written as ones and zeros) from opset 21. Before (onnx deprecated
    /// GroupNormalization-18, which onnx.checker refuses), the exact spelling exporters used:
    /// Reshape to `[N, groups, -1]`, InstanceNormalization with unit scale and zero bias (each
    /// group of each sample normalized over its channels and spatial elements), Reshape back,
    /// then Mul by the scale and Add the bias as `[C, 1, ...]` initializers.
    private mutating func emitGroupNorm(_ op: GroupNorm, _ layer: Layer) throws {
        let x = layer.inputs[0], y = layer.name
        guard let input = shapes[x], input.rank >= 2, let channels = input[1].value,
            let rest = Shape(Array(input.dims.dropFirst())).concrete
        else {
            throw refuse(layer, "its sizes after the batch must be concrete")
        }
        let perGroup = channels / op.groups
        func perChannel(_ tensor: Tensor?) throws -> Tensor? {
            guard let tensor, op.isPerGroup(tensor, channels: channels) else { return tensor }
            guard let values = tensor.values else { return tensor }
            return try Tensor(shape: [channels], values: (0..<channels).map { values[$0 / perGroup] })
        }
        let scale = try perChannel(op.scale), bias = try perChannel(op.bias)
        if opset >= 21 {
            let ones = try Tensor(shape: [channels], values: Array(repeating: 1, count: channels))
            let zeros = try Tensor(shape: [channels], values: Array(repeating: 0, count: channels))
            node(
                "GroupNormalization", [x, try floats("scale", scale ?? ones, layer: y), try floats("bias", bias ?? zeros, layer: y)], y,
                [.int("num_groups", op.groups), .float("epsilon", op.epsilon)])
            return
        }
        let grouped = unique("\(y)/grouped"), normalized = unique("\(y)/normalized")
        node("Reshape", [x, int64s("grouped_shape", [0, op.groups, -1], layer: y)], grouped)
        node(
            "InstanceNormalization",
            [grouped, try floats("unit_scale", try Tensor(shape: [op.groups], values: Array(repeating: 1, count: op.groups)), layer: y),
             try floats("zero_bias", try Tensor(shape: [op.groups], values: Array(repeating: 0, count: op.groups)), layer: y)],
            normalized, [.float("epsilon", op.epsilon)])
        var steps: [(String, Tensor)] = []
        let channelShape = [channels] + Array(repeating: 1, count: input.rank - 2)
        if let scale { steps.append(("Mul", try scale.reshaped(channelShape))) }
        if let bias { steps.append(("Add", try bias.reshaped(channelShape))) }
        var current = steps.isEmpty ? y : unique("\(y)/restored")
        node("Reshape", [normalized, int64s("shape", [0] + rest, layer: y)], current)
        for (index, (opType, operand)) in steps.enumerated() {
            let output = index == steps.count - 1 ? y : unique("\(y)/scaled")
            node(opType, [current, try floats(opType == "Mul" ? "scale" : "bias", operand, layer: y)], output)
            current = output
        }
    }

    /// Gelu-20 from opset 20; before, the function body ONNX defines Gelu with:
    /// `0.5 x (1 + Erf(x / sqrt 2))`, or for `tanh` `0.5 x (1 + Tanh(sqrt(2/pi) (x + 0.044715 x^3)))`
    /// with the cube as `x * x * x`.
    private mutating func emitGelu(_ gelu: Gelu, _ layer: Layer) throws {
        let x = layer.inputs[0], y = layer.name
        guard opset < 20 else {
            node("Gelu", [x], y, [.string("approximate", gelu.approximate.rawValue)])
            return
        }
        let phi: String
        switch gelu.approximate {
        case .exact:
            let scaled = unique("\(y)/div"), erf = unique("\(y)/erf")
            node("Div", [x, try scalar("sqrt2", Float(2.0.squareRoot()), layer: y)], scaled)
            node("Erf", [scaled], erf)
            phi = unique("\(y)/phi")
            node("Add", [erf, try scalar("one", 1, layer: y)], phi)
        case .tanh:
            let square = unique("\(y)/square"), cube = unique("\(y)/cube"), scaledCube = unique("\(y)/cube_scaled")
            let sum = unique("\(y)/sum"), inner = unique("\(y)/tanh_input"), tanh = unique("\(y)/tanh")
            node("Mul", [x, x], square)
            node("Mul", [square, x], cube)
            node("Mul", [cube, try scalar("c0", 0.044715, layer: y)], scaledCube)
            node("Add", [x, scaledCube], sum)
            node("Mul", [sum, try scalar("sqrt_2_over_pi", Float((2 / Double.pi).squareRoot()), layer: y)], inner)
            node("Tanh", [inner], tanh)
            phi = unique("\(y)/phi")
            node("Add", [tanh, try scalar("one", 1, layer: y)], phi)
        }
        let half = unique("\(y)/half_x")
        node("Mul", [x, try scalar("half", 0.5, layer: y)], half)
        node("Mul", [half, phi], y)
    }

    /// Add/Sub/Mul/Div/Mean/Max/Min: a stored constant becomes an initializer at its position;
    /// three or more runtime operands become Sum (Add), one variadic Mean/Max/Min, or a chain (Mul).
    private mutating func emitBinary(_ opType: String, _ constant: ConstantOperand?, _ layer: Layer) throws {
        let y = layer.name
        if let constant {
            let value = try floats("constant", constant.tensor, layer: y)
            node(opType, constant.isFirst ? [value, layer.inputs[0]] : [layer.inputs[0], value], y)
            return
        }
        if layer.inputs.count <= 2 || ["Mean", "Max", "Min"].contains(opType) {
            node(opType, layer.inputs, y)
        } else if opType == "Add" {
            node("Sum", layer.inputs, y)
        } else {
            var accumulated = layer.inputs[0]
            for (index, operand) in layer.inputs.dropFirst().enumerated() {
                let output = index == layer.inputs.count - 2 ? y : unique("\(y)/\(opType.lowercased())\(index)")
                node(opType, [accumulated, operand], output)
                accumulated = output
            }
        }
    }

    private func transposedWeight(_ weight: Tensor, layer: String) throws -> Tensor {
        guard weight.isMaterialized, weight.shape.count == 2 else {
            throw ZooError(.missingWeight, "Writing ONNX needs every weight's values. Received: layer '\(layer)' weight declared without values.", layer: layer)
        }
        return try weight.permuted([1, 0])
    }
}
