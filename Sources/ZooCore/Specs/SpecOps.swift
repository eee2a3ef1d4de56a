/// The arguments of one op entry of a spec, typed on demand; errors point at the argument's line.
struct SpecArguments {
    let op: String
    let values: [String: SpecNode]

    func node(_ key: String) -> SpecNode? { values[key] }

    func int(_ key: String, default value: Int) throws -> Int {
        try values[key]?.int("\(op) \(key)") ?? value
    }

    func float(_ key: String, default value: Float) throws -> Float {
        try values[key]?.float("\(op) \(key)") ?? value
    }

    func optionalFloat(_ key: String) throws -> Float? {
        try values[key]?.float("\(op) \(key)")
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        try values[key]?.bool("\(op) \(key)") ?? value
    }

    func ints(_ key: String, count: Int, default value: [Int]) throws -> [Int] {
        try values[key]?.ints("\(op) \(key)", count: count) ?? value
    }

    func intList(_ key: String) throws -> [Int] {
        guard let node = values[key] else { return [] }
        return try node.sequence("\(op) \(key)").map { try $0.int("\(op) \(key)") }
    }

    /// Per-side padding of `spatialRank` axes: `p` (every side), `[p_h, p_w]` (both sides of each
    /// axis), `[top, left, bottom, right]` (every begin, then every end, as ONNX orders pads),
    /// or `valid`, `same` (= `same_upper`, the extra element at the end, as Keras and TensorFlow
    /// pad) or `same_lower`.
    func padding(_ key: String, spatialRank: Int) throws -> Padding {
        guard let node = values[key] else { return .valid }
        if case .scalar = node.node, node.node.int == nil {
            switch try node.string("\(op) \(key)") {
            case "valid": return .valid
            case "same", "same_upper": return .same(extra: .end)
            case "same_lower": return .same(extra: .beginning)
            default:
                throw node.failure(.invalidGraph, "\(op) \(key) must be an integer, a list, or one of valid, same, same_upper, same_lower. Received: \(node.text).")
            }
        }
        if case .sequence = node.node {
            let values = try node.sequence("\(op) \(key)").map { try $0.int("\(op) \(key)") }
            if values.count == spatialRank { return .explicit(begin: values, end: values) }
            if values.count == 2 * spatialRank {
                return .explicit(begin: Array(values.prefix(spatialRank)), end: Array(values.suffix(spatialRank)))
            }
            throw node.failure(
                .invalidGraph,
                "\(op) \(key) needs 1, \(spatialRank) (per axis) or \(2 * spatialRank) (every begin, then every end) values for \(spatialRank) spatial axes. Received: \(node.text).")
        }
        return .symmetric(try node.int("\(op) \(key)"), axes: spatialRank)
    }

    /// A constant operand written as a number or nested lists of numbers.
    func constant(_ key: String) throws -> Tensor? {
        guard let node = values[key] else { return nil }
        var shape: [Int] = []
        var flat: [Float] = []
        func walk(_ node: SpecNode, depth: Int) throws {
            if case .sequence = node.node {
                let elements = try node.sequence("\(op) \(key)")
                if depth == shape.count { shape.append(elements.count) }
                guard depth < shape.count, shape[depth] == elements.count else {
                    throw node.failure(.invalidGraph, "\(op) \(key) must be a rectangular nested list of numbers. Received: \(node.text).")
                }
                for element in elements { try walk(element, depth: depth + 1) }
            } else {
                guard depth == shape.count else {
                    throw node.failure(.invalidGraph, "\(op) \(key) must be a rectangular nested list of numbers. Received: \(node.text).")
                }
                flat.append(try node.float("\(op) \(key)"))
            }
        }
        try walk(node, depth: 0)
        return try Tensor(shape: shape, values: flat)
    }
}

/// One op a spec can name: its arguments and how it becomes an IR ``Op``.
struct SpecOpDefinition: Sendable {
    let name: String
    /// Every argument it accepts besides `name` and `inputs`.
    let arguments: [String]
    let required: [String]
    /// Whether it may be a merge of `branches` (add, sub, mul, div, concat).
    let merges: Bool
    let build: @Sendable (SpecArguments, [Shape]) throws -> Op

    init(_ name: String, arguments: [String] = [], required: [String] = [], merges: Bool = false,
         build: @escaping @Sendable (SpecArguments, [Shape]) throws -> Op) {
        self.name = name
        self.arguments = arguments
        self.required = required
        self.merges = merges
        self.build = build
    }
}

/// The ops a spec can use, by spec name.
enum SpecOps {
    /// The activations a `conv` or `dense` may fuse with `activation:`; each becomes its own
    /// layer named `<layer>/<activation>`.
    static let activations = ["relu", "relu6", "sigmoid", "tanh", "softmax", "silu", "hardswish", "hardsigmoid", "leakyrelu"]

    static let table: [String: SpecOpDefinition] = Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })

    /// The spatial rank of an `[N, C, spatial...]` input, or an error naming the op.
    static func spatialRank(_ input: Shape, _ op: String) throws -> Int {
        guard input.rank == 3 || input.rank == 4 else {
            throw ZooError(.shapeMismatch, "\(op) needs an input [N, C, W] or [N, C, H, W]. Received: input \(input).")
        }
        return input.rank - 2
    }

    static func window(_ args: SpecArguments, _ input: Shape, strideDefaultsToKernel: Bool, ceil: Bool) throws -> SpatialWindow {
        let rank = try spatialRank(input, args.op)
        let kernel = try args.ints("kernel", count: rank, default: [])
        let window = SpatialWindow(
            kernel: kernel,
            stride: try args.ints("stride", count: rank, default: strideDefaultsToKernel ? kernel : Array(repeating: 1, count: rank)),
            dilation: try args.ints("dilation", count: rank, default: Array(repeating: 1, count: rank)),
            padding: try args.padding("pad", spatialRank: rank),
            ceilMode: ceil ? try args.bool("ceil", default: false) : false)
        try window.validate(op: args.op)
        return window
    }

    static func conv(_ args: SpecArguments, _ input: Shape, filters: Int, groups: Int) throws -> Op {
        let window = try window(args, input, strideDefaultsToKernel: false, ceil: false)
        let channels = try input.size(ofAxis: 1, for: args.op)
        guard groups >= 1, channels % groups == 0 else {
            throw ZooError(.shapeMismatch, "\(args.op) groups must divide the input channels. Received: input \(input), groups \(groups).")
        }
        let kernel = try Tensor.declared(shape: [filters, channels / groups] + window.kernel)
        let bias = try args.bool("bias", default: true) ? try Tensor.declared(shape: [filters]) : nil
        return .conv(Conv(kernel: kernel, bias: bias, stride: window.stride, dilation: window.dilation, padding: window.padding, groups: groups))
    }

    /// A transposed conv: `pad` crops the full output (`same`: to `in x stride`, ONNX's
    /// SAME_UPPER; `same_lower`), `output_padding` adds elements at the end; the kernel is
    /// `[C, filters/groups, k...]`.
    static func convTranspose(_ args: SpecArguments, _ input: Shape) throws -> Op {
        let rank = try spatialRank(input, args.op)
        let channels = try input.size(ofAxis: 1, for: args.op)
        let filters = try args.int("filters", default: 0), groups = try args.int("groups", default: 1)
        guard groups >= 1, channels % groups == 0, filters % groups == 0 else {
            throw ZooError(
                .shapeMismatch,
                "\(args.op) groups must divide the input channels and the filters. Received: input \(input), filters \(filters), groups \(groups).")
        }
        let kernel = try args.ints("kernel", count: rank, default: [])
        let op = ConvTranspose(
            kernel: try Tensor.declared(shape: [channels, filters / groups] + kernel),
            bias: try args.bool("bias", default: true) ? try Tensor.declared(shape: [filters]) : nil,
            stride: try args.ints("stride", count: rank, default: Array(repeating: 1, count: rank)),
            dilation: try args.ints("dilation", count: rank, default: Array(repeating: 1, count: rank)),
            padding: try args.padding("pad", spatialRank: rank),
            outputPadding: try args.ints("output_padding", count: rank, default: Array(repeating: 0, count: rank)),
            groups: groups)
        try op.validate()
        return .convTranspose(op)
    }

    /// PyTorch's `nn.Upsample`: `scale` per spatial axis (2) or `size` (the output sizes), `mode`
    /// nearest (asymmetric coordinates rounding down, nn.Upsample's), linear or cubic (half-pixel
    /// coordinates, `align_corners=False`), or `align_corners: true` for linear and cubic.
    static func upsample(_ args: SpecArguments, _ input: Shape) throws -> Op {
        let rank = try spatialRank(input, args.op)
        let modeName = try args.node("mode")?.string("\(args.op) mode") ?? "nearest"
        guard let interpolation = Resize.Interpolation(rawValue: modeName) else {
            throw args.node("mode").map { $0.failure(.invalidGraph, "\(args.op) mode must be nearest, linear or cubic. Received: \(modeName).") }
                ?? ZooError(.invalidGraph, "\(args.op) mode must be nearest, linear or cubic. Received: \(modeName).")
        }
        let corners = try args.bool("align_corners", default: false)
        let coordinates: Resize.CoordinateMode = corners ? .alignCorners : interpolation == .nearest ? .asymmetric : .pytorchHalfPixel
        let target: Resize.Target = args.node("size") != nil
            ? .sizes(try args.ints("size", count: rank, default: []), policy: .stretch)
            : .scales(try args.ints("scale", count: rank, default: Array(repeating: 2, count: rank)).map(Float.init))
        let op = Resize(interpolation: interpolation, target: target, axes: Array(2..<(2 + rank)), coordinateMode: coordinates, nearestRounding: .floor)
        try op.validate()
        return .resize(op)
    }

    static func binary(_ args: SpecArguments) throws -> ConstantOperand? {
        try args.constant("constant").map { ConstantOperand($0, isFirst: try args.bool("constant_first", default: false)) }
    }

    static let definitions: [SpecOpDefinition] = [
        SpecOpDefinition("conv", arguments: ["filters", "kernel", "stride", "pad", "dilation", "groups", "bias", "activation"], required: ["filters", "kernel"]) { args, inputs in
            try conv(args, inputs[0], filters: try args.int("filters", default: 0), groups: try args.int("groups", default: 1))
        },
        SpecOpDefinition("depthwise_conv", arguments: ["kernel", "stride", "pad", "dilation", "multiplier", "bias", "activation"], required: ["kernel"]) { args, inputs in
            let channels = try inputs[0].size(ofAxis: 1, for: args.op)
            let multiplier = try args.int("multiplier", default: 1)
            return try conv(args, inputs[0], filters: try Checked.multiply(channels, multiplier), groups: channels)
        },
        SpecOpDefinition(
            "conv_transpose", arguments: ["filters", "kernel", "stride", "pad", "output_padding", "dilation", "groups", "bias", "activation"],
            required: ["filters", "kernel"]
        ) { args, inputs in
            try convTranspose(args, inputs[0])
        },
        SpecOpDefinition("upsample", arguments: ["scale", "size", "mode", "align_corners"]) { args, inputs in try upsample(args, inputs[0]) },
        SpecOpDefinition("maxpool", arguments: ["kernel", "stride", "pad", "dilation", "ceil"], required: ["kernel"]) { args, inputs in
            .maxPool(MaxPool(window: try window(args, inputs[0], strideDefaultsToKernel: true, ceil: true)))
        },
        SpecOpDefinition("avgpool", arguments: ["kernel", "stride", "pad", "dilation", "ceil", "count_include_pad"], required: ["kernel"]) { args, inputs in
            .averagePool(AveragePool(
                window: try window(args, inputs[0], strideDefaultsToKernel: true, ceil: true),
                countIncludePad: try args.bool("count_include_pad", default: false)))
        },
        SpecOpDefinition("globalavgpool") { _, _ in .globalAveragePool(GlobalAveragePool()) },
        SpecOpDefinition("globalmaxpool") { _, _ in .globalMaxPool(GlobalMaxPool()) },
        SpecOpDefinition("dense", arguments: ["units", "bias", "activation"], required: ["units"]) { args, inputs in
            let input = inputs[0]
            guard input.rank >= 1 else { throw ZooError(.shapeMismatch, "dense needs an input of rank 1 or more. Received: input \(input).") }
            let features = try input.size(ofAxis: input.rank - 1, for: "dense")
            let units = try args.int("units", default: 0)
            return .dense(Dense(
                weight: try Tensor.declared(shape: [units, features]),
                bias: try args.bool("bias", default: true) ? try Tensor.declared(shape: [units]) : nil))
        },
        SpecOpDefinition("matmul") { _, _ in .matMul(MatMul()) },
        SpecOpDefinition("batchnorm", arguments: ["epsilon", "scale", "center"]) { args, inputs in
            guard inputs[0].rank >= 2 else { throw ZooError(.shapeMismatch, "batchnorm needs an input [N, C, ...]. Received: input \(inputs[0]).") }
            let channels = [try inputs[0].size(ofAxis: 1, for: "batchnorm")]
            return .batchNorm(BatchNorm(
                gamma: try args.bool("scale", default: true) ? try Tensor.declared(shape: channels) : nil,
                beta: try args.bool("center", default: true) ? try Tensor.declared(shape: channels) : nil,
                mean: try Tensor.declared(shape: channels), variance: try Tensor.declared(shape: channels),
                epsilon: try args.float("epsilon", default: 1e-5)))
        },
        SpecOpDefinition("relu") { _, _ in .relu(Relu()) },
        SpecOpDefinition("relu6") { _, _ in .clip(Clip.relu6) },
        SpecOpDefinition("clip", arguments: ["min", "max"]) { args, _ in
            .clip(Clip(min: try args.optionalFloat("min"), max: try args.optionalFloat("max")))
        },
        SpecOpDefinition("sigmoid") { _, _ in .sigmoid(Sigmoid()) },
        SpecOpDefinition("tanh") { _, _ in .tanh(Tanh()) },
        SpecOpDefinition("softmax", arguments: ["axis"]) { args, _ in .softmax(Softmax(axis: try args.int("axis", default: -1))) },
        SpecOpDefinition("leakyrelu", arguments: ["alpha"]) { args, _ in .leakyRelu(LeakyRelu(alpha: try args.float("alpha", default: 0.01))) },
        SpecOpDefinition("hardsigmoid", arguments: ["alpha", "beta"]) { args, _ in
            .hardSigmoid(HardSigmoid(alpha: try args.float("alpha", default: 0.2), beta: try args.float("beta", default: 0.5)))
        },
        SpecOpDefinition("hardswish") { _, _ in .hardSwish(HardSwish()) },
        SpecOpDefinition("silu") { _, _ in .silu(SiLU()) },
        SpecOpDefinition("lrn", arguments: ["size", "alpha", "beta", "bias"], required: ["size"]) { args, _ in
            .lrn(LRN(
                size: try args.int("size", default: 1), alpha: try args.float("alpha", default: 1e-4),
                beta: try args.float("beta", default: 0.75), bias: try args.float("bias", default: 1)))
        },
        SpecOpDefinition("add", arguments: ["constant", "constant_first"], merges: true) { args, _ in .add(Add(constant: try binary(args))) },
        SpecOpDefinition("sub", arguments: ["constant", "constant_first"], merges: true) { args, _ in .sub(Sub(constant: try binary(args))) },
        SpecOpDefinition("mul", arguments: ["constant", "constant_first"], merges: true) { args, _ in .mul(Mul(constant: try binary(args))) },
        SpecOpDefinition("div", arguments: ["constant", "constant_first"], merges: true) { args, _ in .div(Div(constant: try binary(args))) },
        SpecOpDefinition("concat", arguments: ["axis"], merges: true) { args, _ in .concat(Concat(axis: try args.int("axis", default: 1))) },
        SpecOpDefinition("flatten", arguments: ["axis"]) { args, _ in .flatten(Flatten(axis: try args.int("axis", default: 1))) },
        SpecOpDefinition("reshape", arguments: ["shape"], required: ["shape"]) { args, _ in
            let shape = try args.intList("shape")
            guard shape.allSatisfy({ $0 >= 1 || $0 == -1 }) else {
                throw ZooError(.invalidGraph, "reshape shape (per sample, without the batch) takes positive sizes and one -1. Received: shape \(shape).")
            }
            return .reshape(Reshape(target: [0] + shape))
        },
        SpecOpDefinition("transpose", arguments: ["perm"], required: ["perm"]) { args, _ in .transpose(Transpose(permutation: try args.intList("perm"))) },
        SpecOpDefinition("pad", arguments: ["pad", "mode", "value"], required: ["pad"]) { args, inputs in
            let rank = inputs[0].rank
            guard case .explicit(let begin, let end) = try args.padding("pad", spatialRank: max(rank - 2, 1)) else {
                throw ZooError(.invalidGraph, "pad needs explicit sizes, not valid or same. Received: pad \(args.node("pad")?.text ?? "").")
            }
            let modeName = try args.node("mode")?.string("pad mode") ?? "constant"
            guard let mode = Pad.Mode(rawValue: modeName) else {
                throw ZooError(.invalidGraph, "pad mode must be one of \(Pad.Mode.allCases.map(\.rawValue).joined(separator: ", ")). Received: \(modeName).")
            }
            let lead = Array(repeating: 0, count: max(rank - begin.count, 0))
            return .pad(Pad(pads: lead + begin + lead + end, mode: mode, value: try args.float("value", default: 0)))
        },
        SpecOpDefinition("dropout", arguments: ["rate"]) { args, _ in .dropout(Dropout(ratio: try args.float("rate", default: 0.5))) },
        SpecOpDefinition("identity") { _, _ in .identity(Identity()) },
    ]
}
