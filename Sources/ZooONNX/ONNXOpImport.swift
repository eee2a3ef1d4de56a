import ZooCore

/// ONNX operators -> IR ops, following the operator changelog for every supported op between
/// opsets 7 and 25: attributes that became inputs (Clip-11 min/max, Pad-11 pads and Pad-18
/// axes, Dropout-12 ratio, Squeeze/Unsqueeze-13 axes, Reshape-5 shape), semantic changes
/// (Softmax-13 axis, Reshape-14 allowzero, Pad-19 wrap), attributes that appeared
/// (MaxPool-10 ceil_mode and dilations, AveragePool-19 dilations), ConvTranspose-11's restated
/// padding rules, and ops that appeared (Erf-9, HardSwish-14, Gelu-20, Swish-24); the Elu and
/// Selu defaults are those of Elu-6 and Selu-6, unchanged since.
extension ONNXImporter {
    /// Why a node cannot be imported, judged by its domain, op type and the opset alone; nil
    /// when it may be (folded, or mapped to IR ops).
    static func unsupportedReason(_ node: ONNXNode, opset: Int) -> String? {
        guard ["", "ai.onnx"].contains(node.domain) else { return "domain \(node.domain)" }
        if foldable.contains(node.opType) || ONNXOpTable.readOpsets[node.opType]?.contains(opset) == true { return nil }
        return "no IR op"
    }

    /// Imports one runtime node as IR layers.
    func importNode(_ node: ONNXNode) throws {
        guard let output = node.outputs.first, !output.isEmpty else {
            throw node.error("Nodes need an output. Received: node '\(node.label)' without one.")
        }
        let extraOutputs = node.outputs.dropFirst().filter { !$0.isEmpty && readValues.contains($0) }
        switch node.opType {
        case "Conv": try append(output, try convOp(node), inputs: [try runtime(node, 0)], node: node)
        case "ConvTranspose": try append(output, try convTransposeOp(node), inputs: [try runtime(node, 0)], node: node)
        case "MaxPool":
            try rejectExtraOutputs(node, extraOutputs, "the argmax indices")
            try append(output, .maxPool(MaxPool(window: try window(node, pool: true))), inputs: [try runtime(node, 0)], node: node)
        case "AveragePool":
            let pool = AveragePool(window: try window(node, pool: true), countIncludePad: try node.int("count_include_pad", default: 0) != 0)
            try append(output, .averagePool(pool), inputs: [try runtime(node, 0)], node: node)
        case "GlobalAveragePool": try append(output, .globalAveragePool(GlobalAveragePool()), inputs: [try runtime(node, 0)], node: node)
        case "GlobalMaxPool": try append(output, .globalMaxPool(GlobalMaxPool()), inputs: [try runtime(node, 0)], node: node)
        case "Gemm": try importGemm(node, output: output)
        case "MatMul": try importMatMul(node, output: output)
        case "BatchNormalization":
            try rejectExtraOutputs(node, extraOutputs, "training statistics")
            try append(output, try batchNormOp(node), inputs: [try runtime(node, 0)], node: node)
        case "Relu": try append(output, .relu(Relu()), inputs: [try runtime(node, 0)], node: node)
        case "Sigmoid": try append(output, .sigmoid(Sigmoid()), inputs: [try runtime(node, 0)], node: node)
        case "Tanh": try append(output, .tanh(Tanh()), inputs: [try runtime(node, 0)], node: node)
        case "HardSwish": try append(output, .hardSwish(HardSwish()), inputs: [try runtime(node, 0)], node: node)
        case "Sqrt": try append(output, .sqrt(Sqrt()), inputs: [try runtime(node, 0)], node: node)
        case "Exp": try append(output, .exp(Exp()), inputs: [try runtime(node, 0)], node: node)
        case "Log": try append(output, .log(Log()), inputs: [try runtime(node, 0)], node: node)
        case "Neg": try append(output, .neg(Neg()), inputs: [try runtime(node, 0)], node: node)
        case "Abs": try append(output, .abs(Abs()), inputs: [try runtime(node, 0)], node: node)
        case "Reciprocal": try append(output, .reciprocal(Reciprocal()), inputs: [try runtime(node, 0)], node: node)
        case "Erf": try append(output, .erf(Erf()), inputs: [try runtime(node, 0)], node: node)
        case "Swish":
            let alpha = try node.float("alpha", default: 1)
            guard alpha == 1 else {
                throw node.error("Swish imports as SiLU, alpha 1 only. Received: alpha \(alpha) in node '\(node.label)'.", kind: .unsupported)
            }
            try append(output, .silu(SiLU()), inputs: [try runtime(node, 0)], node: node)
        case "Elu":
            try append(output, .elu(Elu(alpha: try node.float("alpha", default: 1))), inputs: [try runtime(node, 0)], node: node)
        case "Selu":
            let op = Selu(alpha: try node.float("alpha", default: Selu.defaultAlpha), gamma: try node.float("gamma", default: Selu.defaultGamma))
            try append(output, .selu(op), inputs: [try runtime(node, 0)], node: node)
        case "Softplus": try append(output, .softplus(Softplus()), inputs: [try runtime(node, 0)], node: node)
        case "Gelu":
            let name = try node.string("approximate", default: "none")
            guard let approximate = Gelu.Approximation(rawValue: name) else {
                throw node.error(
                    "Gelu approximate must be 'none' or 'tanh' (the modes zoo implements). Received: '\(name)' in node '\(node.label)'.",
                    kind: .unsupported)
            }
            try append(output, .gelu(Gelu(approximate: approximate)), inputs: [try runtime(node, 0)], node: node)
        case "LeakyRelu":
            try append(output, .leakyRelu(LeakyRelu(alpha: try node.float("alpha", default: 0.01))), inputs: [try runtime(node, 0)], node: node)
        case "PRelu":
            // PRelu-7 and later: the slope unidirectionally broadcastable to X (the shape rule
            // checks it); a runtime slope is refused by name (it must be a constant).
            let slope = try constant(node, 1).floatTensor()
            try append(output, .prelu(PRelu(slope: slope)), inputs: [try runtime(node, 0)], node: node)
        case "HardSigmoid":
            let op = HardSigmoid(alpha: try node.float("alpha", default: 0.2), beta: try node.float("beta", default: 0.5))
            try append(output, .hardSigmoid(op), inputs: [try runtime(node, 0)], node: node)
        case "Clip": try append(output, .clip(try clipOp(node)), inputs: [try runtime(node, 0)], node: node)
        case "Softmax": try importSoftmax(node, output: output) { .softmax(Softmax(axis: $0)) }
        case "LogSoftmax": try importSoftmax(node, output: output) { .logSoftmax(LogSoftmax(axis: $0)) }
        case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin": try importReduction(node, output: output)
        case "LayerNormalization":
            try rejectExtraOutputs(node, extraOutputs, "the Mean and InvStdDev outputs")
            try append(output, .layerNorm(try layerNormOp(node)), inputs: [try runtime(node, 0)], node: node)
        case "InstanceNormalization":
            let op = InstanceNorm(
                scale: try constant(node, 1).floatTensor(), bias: try constant(node, 2).floatTensor(),
                epsilon: try node.float("epsilon", default: 1e-5))
            try append(output, .instanceNorm(op), inputs: [try runtime(node, 0)], node: node)
        case "GroupNormalization": try append(output, .groupNorm(try groupNormOp(node)), inputs: [try runtime(node, 0)], node: node)
        case "LRN":
            guard let size = try node.int("size") else { throw node.error("LRN needs the attribute size. Received: none in node '\(node.label)'.") }
            let op = LRN(
                size: size, alpha: try node.float("alpha", default: 1e-4), beta: try node.float("beta", default: 0.75),
                bias: try node.float("bias", default: 1))
            try append(output, .lrn(op), inputs: [try runtime(node, 0)], node: node)
        case "Add", "Sub", "Mul", "Div", "Sum", "Mean", "Max", "Min": try importBinary(node, output: output)
        case "Pow": try importPow(node, output: output)
        case "Concat":
            let inputs = try node.inputs.indices.filter { node.input($0) != nil }.map { try runtime(node, $0) }
            guard let axis = try node.int("axis") else { throw node.error("Concat needs the attribute axis. Received: none in node '\(node.label)'.") }
            try append(output, .concat(Concat(axis: axis)), inputs: inputs, node: node)
        case "Flatten": try append(output, .flatten(Flatten(axis: try node.int("axis", default: 1))), inputs: [try runtime(node, 0)], node: node)
        case "Reshape": try importReshape(node, output: output)
        case "Squeeze", "Unsqueeze": try importSqueeze(node, output: output)
        case "Transpose":
            try append(output, .transpose(Transpose(permutation: try node.ints("perm"))), inputs: [try runtime(node, 0)], node: node)
        case "Pad": try append(output, .pad(try padOp(node)), inputs: [try runtime(node, 0)], node: node)
        case "Resize", "Upsample": try append(output, .resize(try resizeOp(node)), inputs: [try runtime(node, 0)], node: node)
        case "Dropout":
            try rejectExtraOutputs(node, extraOutputs, "the dropout mask")
            if opset >= 12, let training = try optionalConstant(node, 2), try training.scalarFloat(for: "Dropout training_mode") != 0 {
                throw node.error("Dropout imports at inference only. Received: training_mode true in node '\(node.label)'.", kind: .unsupported)
            }
            let ratio = opset >= 12 ? (try optionalConstant(node, 1)?.scalarFloat(for: "Dropout ratio") ?? 0.5) : try node.float("ratio", default: 0.5)
            try append(output, .dropout(Dropout(ratio: ratio)), inputs: [try runtime(node, 0)], node: node)
        case "Identity": try append(output, .identity(Identity()), inputs: [try runtime(node, 0)], node: node)
        case "Slice": try append(output, .slice(try sliceOp(node)), inputs: [try runtime(node, 0)], node: node)
        case "Split": try importSplit(node)
        case "Gather":
            let indices = try constant(node, 1)
            let gather = Gather(axis: try node.int("axis", default: 0), indices: try indices.ints(for: "Gather indices"), indicesShape: indices.shape)
            try append(output, .gather(gather), inputs: [try runtime(node, 0)], node: node)
        case "Expand": try importExpand(node, output: output)
        case "Tile": try importTile(node, output: output)
        case "Cast":
            // zoo computes in float32, so a cast between floating-point types changes nothing.
            let to = try node.int("to") ?? 0
            guard ONNXImporter.floatingPointTypes.contains(to) else {
                throw node.error(
                    "Cast imports at run time between floating-point types only (zoo computes in float32). Received: to \(to) in node '\(node.label)'.",
                    kind: .unsupported)
            }
            try append(output, .identity(Identity()), inputs: [try runtime(node, 0)], node: node)
        default:
            throw node.error("\(node.opType) has no IR op. Received: node '\(node.label)'.", kind: .unsupported)
        }
    }

    /// Refuses a node whose extra outputs (`extra`: those something reads) are used.
    private func rejectExtraOutputs(_ node: ONNXNode, _ extra: [String], _ what: String) throws {
        guard extra.isEmpty else {
            throw node.error(
                "\(node.opType) imports its first output only, not \(what), which is read. Received: \(extra.map { "'\($0)'" }.joined(separator: ", ")) of outputs \(node.outputs) in node '\(node.label)'.",
                kind: .unsupported)
        }
    }

    // MARK: Windows

    /// kernel_shape, strides, dilations, pads and auto_pad of a conv or pool.
    private func window(_ node: ONNXNode, pool: Bool, kernel fallback: [Int]? = nil) throws -> SpatialWindow {
        guard let kernel = try node.ints("kernel_shape") ?? fallback else {
            throw node.error("\(node.opType) needs kernel_shape. Received: none in node '\(node.label)'.")
        }
        let rank = kernel.count
        let padding: Padding
        switch try node.string("auto_pad", default: "NOTSET") {
        case "NOTSET":
            let pads = try node.ints("pads") ?? Array(repeating: 0, count: 2 * rank)
            guard pads.count == 2 * rank else {
                throw node.error("\(node.opType) pads need a begin and an end per spatial axis. Received: pads \(pads), kernel \(kernel) in node '\(node.label)'.")
            }
            padding = .explicit(begin: Array(pads.prefix(rank)), end: Array(pads.suffix(rank)))
        case "SAME_UPPER": padding = .same(extra: .end)
        case "SAME_LOWER": padding = .same(extra: .beginning)
        case "VALID": padding = .valid
        case let other:
            throw node.error("\(node.opType) auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID. Received: '\(other)' in node '\(node.label)'.")
        }
        let dilationsAllowed = !pool || node.opType == "MaxPool" && opset >= 10 || node.opType == "AveragePool" && opset >= 19
        let dilations = dilationsAllowed ? try node.ints("dilations") : nil
        let ceil = pool && (node.opType == "MaxPool" || node.opType == "AveragePool") && opset >= 10
            ? try node.int("ceil_mode", default: 0) != 0 : false
        return SpatialWindow(kernel: kernel, stride: try node.ints("strides"), dilation: dilations, padding: padding, ceilMode: ceil)
    }

    private func convOp(_ node: ONNXNode) throws -> Op {
        let weight = try constant(node, 1)
        let bias = try optionalConstant(node, 2)
        let kernelShape = Array(weight.shape.dropFirst(2))
        if let declared = try node.ints("kernel_shape"), declared != kernelShape {
            throw node.error("Conv kernel_shape must match the weight's spatial dims. Received: kernel_shape \(declared), weight \(weight.shape) in node '\(node.label)'.")
        }
        let window = try window(node, pool: false, kernel: kernelShape)
        return .conv(Conv(
            kernel: try weight.floatTensor(), bias: try bias?.floatTensor(), stride: window.stride, dilation: window.dilation,
            padding: window.padding, groups: try node.int("group", default: 1)))
    }

    /// ConvTranspose-1 (opsets 7-10) and -11 (11-25; -22 only widens the types). Both state
    /// the output size `s (in - 1) + output_padding + k' - p_begin - p_end`; `output_shape`, when
    /// present, decides the pads (`pads` are then ignored) from the total `full - output_shape`.
    /// From 11 an odd total leaves its extra element at the end under SAME_UPPER and at the
    /// beginning otherwise. ConvTranspose-1's formula splits it the other way round, while its
    /// auto_pad text and the runtimes split it as 11 does: zoo reads an even total (where the
    /// two agree) and refuses an odd one below 11. SAME_UPPER and SAME_LOWER without
    /// `output_shape` aim at `in x stride` from 11; ConvTranspose-1 says "the output spatial size
    /// match the input", which only a stride of 1 reads one way, so a larger stride is refused.
    private func convTransposeOp(_ node: ONNXNode) throws -> Op {
        let weight = try constant(node, 1)
        let bias = try optionalConstant(node, 2)
        let kernelShape = Array(weight.shape.dropFirst(2))
        if let declared = try node.ints("kernel_shape"), declared != kernelShape {
            throw node.error("ConvTranspose kernel_shape must match the weight's spatial dims. Received: kernel_shape \(declared), weight \(weight.shape) in node '\(node.label)'.")
        }
        var window = try window(node, pool: false, kernel: kernelShape)
        let autoPad = try node.string("auto_pad", default: "NOTSET")
        let outputShape = try node.ints("output_shape")
        if outputShape != nil {
            window.padding = .same(extra: autoPad == "SAME_UPPER" ? .end : .beginning)
        } else if opset < 11, case .same = window.padding, window.stride.contains(where: { $0 != 1 }) {
            throw node.error(
                "ConvTranspose before opset 11 states \(autoPad) as \"the output spatial size match the input\", which a stride above 1 leaves open (runtimes give in x stride, as opset 11 says); zoo reads it with stride 1 only. Received: strides \(window.stride) at opset \(opset) in node '\(node.label)'.",
                kind: .unsupported)
        }
        let op = ConvTranspose(
            kernel: try weight.floatTensor(), bias: try bias?.floatTensor(), stride: window.stride, dilation: window.dilation,
            padding: window.padding, outputPadding: try node.ints("output_padding"), outputShape: outputShape,
            groups: try node.int("group", default: 1))
        if opset < 11, let outputShape, let input = node.input(0).flatMap({ shape(of: $0) }) {
            let resolved = try op.resolve(input: input)
            let totals = zip(resolved.full, outputShape).map { $0 - $1 }
            if totals.contains(where: { $0 % 2 != 0 }) {
                throw node.error(
                    "ConvTranspose before opset 11 splits an odd total padding full - output_shape one way in its formula and the other in its auto_pad text (and in runtimes); zoo reads even totals only there. Received: totals \(totals) (full \(resolved.full), output_shape \(outputShape)) at opset \(opset) in node '\(node.label)'.",
                    kind: .unsupported)
            }
        }
        return .convTranspose(op)
    }

    // MARK: Dense and matmul

    /// `Y = alpha A' B' + beta C` with `A' = A^T` when `transA`, `B' = B^T` when `transB`: dense
    /// over `A'` with the weight `alpha B` in B's own order (`[out, in]` when `transB`, else
    /// `[in, out]`) and, when `C` is per output feature (or a scalar), the bias `beta C`; any
    /// other `C` becomes an add of the constant `beta C`. `transA` inserts a
    /// transpose of the runtime `A`.
    private func importGemm(_ node: ONNXNode, output: String) throws {
        var input = try runtime(node, 0)
        let b = try constant(node, 1)
        guard b.shape.count == 2 else { throw node.error("Gemm B must be a matrix. Received: B \(b.shape) in node '\(node.label)'.") }
        let transB = try node.int("transB", default: 0) != 0
        let alpha = try node.float("alpha", default: 1), beta = try node.float("beta", default: 1)
        let units = transB ? b.shape[0] : b.shape[1]
        let weight = try scaled(try b.floatTensor(), by: alpha)
        let order: Dense.WeightOrder = transB ? .outIn : .inOut
        if try node.int("transA", default: 0) != 0 {
            let transposed = freshName(output + "/transposed_a")
            try append(transposed, .transpose(Transpose(permutation: [1, 0])), inputs: [input], node: node)
            input = transposed
        }
        guard let c = try optionalConstant(node, 2) else {
            try append(output, .dense(Dense(weight: weight, bias: nil, weightOrder: order)), inputs: [input], node: node)
            return
        }
        let scaledC = try scaled(try c.floatTensor(), by: beta)
        // One value per output column ([N], [1, N]) or a scalar is a bias; anything else (a
        // per-row [M, 1] too, even when M = N) broadcasts over the rows as an add.
        if c.count == units && c.shape.last == units {
            let bias = try scaledC.reshaped([units])
            try append(output, .dense(Dense(weight: weight, bias: bias, weightOrder: order)), inputs: [input], node: node)
            return
        }
        if c.count == 1 {
            // One value for every unit: declared by that value, written out only when run.
            let bias = try Tensor.declared(shape: [units], fill: beta * (try c.scalarFloat(for: "Gemm C")))
            try append(output, .dense(Dense(weight: weight, bias: bias, weightOrder: order)), inputs: [input], node: node)
            return
        }
        let product = freshName(output + "/product")
        try append(product, .dense(Dense(weight: weight, bias: nil, weightOrder: order)), inputs: [input], node: node)
        try append(output, .add(Add(constant: ConstantOperand(scaledC))), inputs: [product], node: node)
    }

    /// `b` itself (borrowed, not copied) when `scale` is 1, else `scale b` in new storage (a
    /// declared `b` stays declared, its fill scaled).
    private func scaled(_ b: Tensor, by scale: Float) throws -> Tensor {
        guard scale != 1 else { return b }
        guard let source = b.storage?.buffer else { return try Tensor.declared(shape: b.shape, fill: b.fill.map { scale * $0 }) }
        return try Tensor(shape: b.shape, storage: TensorStorage(count: source.count) { out in
            for index in source.indices { out[index] = scale * source[index] }
        })
    }

    private func importMatMul(_ node: ONNXNode, output: String) throws {
        let a = try runtime(node, 0)
        if let b = node.input(1), isRuntime(b) {
            try append(output, .matMul(MatMul()), inputs: [a, b], node: node)
            return
        }
        let weight = try constant(node, 1)
        guard weight.shape.count == 2 else {
            throw node.error("MatMul by a constant imports as dense with a matrix weight. Received: weight \(weight.shape) in node '\(node.label)'.", kind: .unsupported)
        }
        let dense = Dense(weight: try weight.floatTensor(), bias: nil, weightOrder: .inOut)
        try append(output, .dense(dense), inputs: [a], node: node)
    }

    // MARK: Normalization and activations

    private func batchNormOp(_ node: ONNXNode) throws -> Op {
        if opset < 9, try node.int("spatial", default: 1) == 0 {
            throw node.error("BatchNormalization imports with spatial = 1 only. Received: spatial 0 in node '\(node.label)'.", kind: .unsupported)
        }
        if opset >= 14, try node.int("training_mode", default: 0) != 0 {
            throw node.error("BatchNormalization imports at inference only. Received: training_mode 1 in node '\(node.label)'.", kind: .unsupported)
        }
        return .batchNorm(BatchNorm(
            gamma: try constant(node, 1).floatTensor(), beta: try constant(node, 2).floatTensor(),
            mean: try constant(node, 3).floatTensor(), variance: try constant(node, 4).floatTensor(),
            epsilon: try node.float("epsilon", default: 1e-5)))
    }

    /// Clip: min/max attributes before opset 11, optional constant inputs from 11.
    private func clipOp(_ node: ONNXNode) throws -> Clip {
        if opset < 11 {
            let low = try node.float("min", default: -.greatestFiniteMagnitude), high = try node.float("max", default: .greatestFiniteMagnitude)
            return Clip(min: low == -.greatestFiniteMagnitude ? nil : low, max: high == .greatestFiniteMagnitude ? nil : high)
        }
        return Clip(
            min: try optionalConstant(node, 1)?.scalarFloat(for: "Clip min"),
            max: try optionalConstant(node, 2)?.scalarFloat(for: "Clip max"))
    }

    /// Softmax-13 and LogSoftmax-13 normalize along `axis` (default -1). Before 13 they
    /// flattened the input to 2-D at `axis` (default 1) and normalized the rows: the same when
    /// `axis` is the last one, otherwise imported as Flatten, the op over the last axis and
    /// Reshape back. `make` builds the op over an axis.
    private func importSoftmax(_ node: ONNXNode, output: String, _ make: (Int) -> Op) throws {
        let input = try runtime(node, 0)
        guard opset < 13 else {
            try append(output, make(try node.int("axis", default: -1)), inputs: [input], node: node)
            return
        }
        guard let shape = shape(of: input) else { return }
        let axis = try shape.normalizedAxis(try node.int("axis", default: 1), for: node.opType)
        if axis == shape.rank - 1 {
            try append(output, make(-1), inputs: [input], node: node)
            return
        }
        let flat = freshName("\(output)/flatten"), normalized = freshName("\(output)/\(node.opType.lowercased())")
        try append(flat, .flatten(Flatten(axis: axis)), inputs: [input], node: node)
        try append(normalized, make(-1), inputs: [flat], node: node)
        var target: [Int] = []
        for (index, dim) in shape.dims.enumerated() {
            if let size = dim.value {
                target.append(size)
            } else if index == 0 {
                target.append(0)
            } else {
                throw node.error("\(node.opType) before opset 13 needs concrete sizes after the batch. Received: \(shape) in node '\(node.label)'.", kind: .unsupported)
            }
        }
        try append(output, .reshape(Reshape(target: target)), inputs: [normalized], node: node)
    }

    /// LayerNormalization-17: Scale required, B optional, `axis` (default -1), `epsilon`
    /// (default 1e-5); `stash_type` 1 (float) only, the precision zoo computes the statistics at
    /// or above.
    private func layerNormOp(_ node: ONNXNode) throws -> LayerNorm {
        let stash = try node.int("stash_type", default: 1)
        guard stash == 1 else {
            throw node.error(
                "LayerNormalization imports with stash_type 1 (float32 statistics). Received: stash_type \(stash) in node '\(node.label)'.",
                kind: .unsupported)
        }
        return LayerNorm(
            axis: try node.int("axis", default: -1), epsilon: try node.float("epsilon", default: 1e-5),
            scale: try constant(node, 1).floatTensor(), bias: try optionalConstant(node, 2)?.floatTensor())
    }

    /// GroupNormalization-18 takes scale and bias per group ([num_groups]), -21 per channel
    /// ([C]); the IR op holds either (its shape rule checks which). From 21 `stash_type` must be
    /// 1 (float).
    private func groupNormOp(_ node: ONNXNode) throws -> GroupNorm {
        guard let groups = try node.int("num_groups") else {
            throw node.error("GroupNormalization needs the attribute num_groups. Received: none in node '\(node.label)'.")
        }
        if opset >= 21, case let stash = try node.int("stash_type", default: 1), stash != 1 {
            throw node.error(
                "GroupNormalization imports with stash_type 1 (float32 statistics). Received: stash_type \(stash) in node '\(node.label)'.",
                kind: .unsupported)
        }
        let scale = try constant(node, 1).floatTensor(), bias = try constant(node, 2).floatTensor()
        let expected = opset < 21 ? [groups] : nil
        for (name, tensor) in [("scale", scale), ("bias", bias)] where expected != nil && tensor.shape != expected {
            throw node.error(
                "GroupNormalization before opset 21 takes \(name) per group, shape [num_groups]. Received: \(name) \(tensor.shape), num_groups \(groups) in node '\(node.label)'.",
                kind: .shapeMismatch)
        }
        if opset >= 21, let channels = shape(of: try runtime(node, 0)).flatMap({ $0.rank >= 2 ? $0[1].value : nil }) {
            for (name, tensor) in [("scale", scale), ("bias", bias)] where tensor.shape != [channels] {
                throw node.error(
                    "GroupNormalization from opset 21 takes \(name) per channel, shape [C]. Received: \(name) \(tensor.shape), C \(channels) in node '\(node.label)'.",
                    kind: .shapeMismatch)
            }
        }
        return GroupNorm(groups: groups, epsilon: try node.float("epsilon", default: 1e-5), scale: scale, bias: bias)
    }

    // MARK: Resampling

    /// Upsample-7 (a `scales` attribute) and -9 (a `scales` input), Resize-10 (X, scales) and
    /// Resize-11 on (X, roi, scales, sizes; -13 makes roi and scales optional, -18 adds
    /// `antialias`, `axes` and `keep_aspect_ratio_policy`, -19 `half_pixel_symmetric`).
    /// Upsample and Resize-10 state no coordinate rule beyond `x / scale`: asymmetric, nearest
    /// rounding down when upsampling and up when downsampling (onnxruntime's rule; an axis of
    /// each in one node is refused). `tf_half_pixel_for_nn`, gone from the text after 11, is
    /// read at every opset as runtimes do. Scales and sizes must be constants; sizes may hold
    /// the symbolic batch where the input has it (torch's `Concat(Shape(x)[:2], [h, w])`),
    /// which leaves that axis unlisted.
    private func resizeOp(_ node: ONNXNode) throws -> Resize {
        let label = node.label
        let modeName = try node.string("mode", default: "nearest")
        let interpolation: Resize.Interpolation
        switch modeName {
        case "nearest": interpolation = .nearest
        case "linear", "bilinear" where node.opType == "Upsample": interpolation = .linear
        case "cubic" where node.opType == "Resize" && opset >= 11: interpolation = .cubic
        default:
            throw node.error(
                "\(node.opType) mode must be nearest, linear\(node.opType == "Resize" && opset >= 11 ? " or cubic" : "") at opset \(opset), the modes zoo implements. Received: '\(modeName)' in node '\(label)'.",
                kind: .unsupported)
        }
        if node.opType == "Upsample" || opset < 11 {
            let scales: [Float]
            if node.opType == "Upsample" && opset < 9 {
                guard case .floats(let values)? = node.attributes["scales"] else {
                    throw node.error("Upsample before opset 9 needs the attribute scales (floats). Received: none in node '\(label)'.")
                }
                scales = values
            } else {
                scales = try resizeFloats(node, 1, "scales") ?? []
            }
            if node.opType == "Upsample", let low = scales.first(where: { !($0 >= 1) }) {
                throw node.error("Upsample scales must be at least 1. Received: \(low) in scales \(scales) in node '\(label)'.")
            }
            let up = scales.allSatisfy { $0 >= 1 }, down = scales.allSatisfy { $0 <= 1 }
            guard up || down || interpolation != .nearest else {
                throw node.error(
                    "\(node.opType) at opset \(opset) rounds nearest indices down when upsampling and up when downsampling (onnxruntime's rule); zoo reads one direction per node. Received: scales \(scales) in node '\(label)'.",
                    kind: .unsupported)
            }
            return Resize(interpolation: interpolation, target: .scales(scales), coordinateMode: .asymmetric, nearestRounding: up ? .floor : .ceil)
        }
        let coordinateName = try node.string("coordinate_transformation_mode", default: "half_pixel")
        guard let coordinateMode = Resize.CoordinateMode(rawValue: coordinateName),
            coordinateMode != .halfPixelSymmetric || opset >= 19
        else {
            throw node.error(
                "Resize coordinate_transformation_mode must be one ONNX defines at opset \(opset) (\(Resize.CoordinateMode.allCases.filter { $0 != .halfPixelSymmetric || opset >= 19 }.map(\.rawValue).joined(separator: ", "))). Received: '\(coordinateName)' in node '\(label)'.",
                kind: .unsupported)
        }
        let roundingName = try node.string("nearest_mode", default: "round_prefer_floor")
        guard let rounding = Resize.NearestRounding(rawValue: roundingName) else {
            throw node.error(
                "Resize nearest_mode must be one of \(Resize.NearestRounding.allCases.map(\.rawValue).joined(separator: ", ")). Received: '\(roundingName)' in node '\(label)'.",
                kind: .unsupported)
        }
        let policyName = opset >= 18 ? try node.string("keep_aspect_ratio_policy", default: "stretch") : "stretch"
        guard let policy = Resize.AspectRatioPolicy(rawValue: policyName) else {
            throw node.error(
                "Resize keep_aspect_ratio_policy must be stretch, not_larger or not_smaller. Received: '\(policyName)' in node '\(label)'.")
        }
        var axes = opset >= 18 ? try node.ints("axes") : nil
        let roi = coordinateMode == .tfCropAndResize ? try resizeFloats(node, 1, "roi") : nil
        let scales = try resizeFloats(node, 2, "scales").flatMap { $0.isEmpty ? nil : $0 }
        let target: Resize.Target
        switch (scales, try optionalKnown(node, 3)) {
        case (let scales?, nil): target = .scales(scales)
        case (nil, let sizes?):
            var listed: [Int] = [], values: [Int] = []
            let dims = try sizes.dims(for: "Resize sizes")
            let input = shape(of: try runtime(node, 0))
            if let axes, axes.count != dims.count {
                throw node.error("Resize needs one size per listed axis. Received: sizes \(dims), axes \(axes) in node '\(label)'.")
            }
            for (index, dim) in dims.enumerated() {
                let axis = axes?[index] ?? index
                if let value = dim.value {
                    listed.append(axis)
                    values.append(value)
                    continue
                }
                let inputDim = input.flatMap { shape -> Dim? in
                    let resolved = axis < 0 ? axis + shape.rank : axis
                    return resolved >= 0 && resolved < shape.rank ? shape[resolved] : nil
                }
                guard policy == .stretch, inputDim == dim else {
                    throw node.error(
                        "Resize sizes may hold a symbolic size only where the input has the same one (it keeps that axis). Received: sizes \(dims), input \(input.map { "\($0)" } ?? "unknown") in node '\(label)'.",
                        kind: .unsupported)
                }
            }
            if listed.count != dims.count || axes != nil { axes = listed }
            target = .sizes(values, policy: policy)
        case (nil, nil):
            throw node.error("Resize needs scales or sizes. Received: neither in node '\(label)'.")
        case (.some, .some):
            throw node.error("Resize takes scales or sizes, not both. Received: both in node '\(label)'.")
        }
        return Resize(
            interpolation: interpolation, target: target, axes: axes, coordinateMode: coordinateMode, nearestRounding: rounding,
            cubicCoefficient: try node.float("cubic_coeff_a", default: -0.75), excludeOutside: try node.int("exclude_outside", default: 0) != 0,
            antialias: opset >= 18 ? try node.int("antialias", default: 0) != 0 : false,
            extrapolationValue: try node.float("extrapolation_value", default: 0), roi: roi)
    }

    /// A float constant input of Resize or Upsample (roi, scales), nil when absent.
    private func resizeFloats(_ node: ONNXNode, _ position: Int, _ what: String) throws -> [Float]? {
        guard let constant = try optionalConstant(node, position) else { return nil }
        guard let values = try constant.floatTensor().values else {
            throw node.error("\(node.opType) \(what) must hold values. Received: a declared tensor \(constant.shape) in node '\(node.label)'.", kind: .unsupported)
        }
        return values
    }

    // MARK: Reductions

    /// ReduceMean, ReduceSum, ReduceMax and ReduceMin: `axes` an attribute before the opset
    /// where it became an optional input (ReduceSum-13, the others -18), `keepdims` (default 1),
    /// and with the input `noop_with_empty_axes` (default 0): no axes then reduce every axis,
    /// or with 1 pass the input through.
    private func importReduction(_ node: ONNXNode, output: String) throws {
        let input = try runtime(node, 0)
        let axesAsInput = opset >= (node.opType == "ReduceSum" ? 13 : 18)
        let axes = axesAsInput
            ? try optionalConstant(node, 1)?.ints(for: "\(node.opType) axes") ?? [] : try node.ints("axes") ?? []
        let keepDims = try node.int("keepdims", default: 1) != 0
        if axesAsInput, axes.isEmpty, try node.int("noop_with_empty_axes", default: 0) != 0 {
            try append(output, .identity(Identity()), inputs: [input], node: node)
            return
        }
        let op: Op
        switch node.opType {
        case "ReduceMean": op = .reduceMean(ReduceMean(axes: axes, keepDims: keepDims))
        case "ReduceSum": op = .reduceSum(ReduceSum(axes: axes, keepDims: keepDims))
        case "ReduceMax": op = .reduceMax(ReduceMax(axes: axes, keepDims: keepDims))
        default: op = .reduceMin(ReduceMin(axes: axes, keepDims: keepDims))
        }
        try append(output, op, inputs: [input], node: node)
    }

    // MARK: Element-wise binary

    /// Add/Sub/Mul/Div/Mean/Max/Min with one constant operand store it; with two runtime
    /// operands they are binary ops. Sum is a variadic Add; Sum, Mean, Max and Min of one input
    /// pass it through.
    private func importBinary(_ node: ONNXNode, output: String) throws {
        let positions = node.inputs.indices.filter { node.input($0) != nil }
        let runtimeInputs = positions.filter { isRuntime(node.inputs[$0]) }
        let constantPositions = positions.filter { !isRuntime(node.inputs[$0]) }
        for position in constantPositions where known[node.inputs[position]] == nil {
            // An operand that may be computed at run time and that nothing produces dangles.
            throw node.error("Node inputs must be produced by a node, a graph input or an initializer. Received: '\(node.inputs[position])' in node '\(node.label)'.")
        }
        var constant: ConstantOperand?
        if let position = constantPositions.first {
            guard constantPositions.count == 1, positions.count == 2 else {
                throw node.error("\(node.opType) imports with at most one constant operand of two. Received: inputs \(node.inputs) in node '\(node.label)'.", kind: .unsupported)
            }
            constant = ConstantOperand(try self.constant(node, position).floatTensor(), isFirst: position == 0)
        }
        let inputs = try runtimeInputs.map { try runtime(node, $0) }
        let op: Op
        switch node.opType {
        case "Add", "Sum": op = .add(Add(constant: constant))
        case "Sub": op = .sub(Sub(constant: constant))
        case "Mul": op = .mul(Mul(constant: constant))
        case "Mean": op = .mean(Mean(constant: constant))
        case "Max": op = .maximum(Maximum(constant: constant))
        case "Min": op = .minimum(Minimum(constant: constant))
        default: op = .div(Div(constant: constant))
        }
        if ["Sum", "Mean", "Max", "Min"].contains(node.opType), inputs.count == 1, constant == nil {
            try append(output, .identity(Identity()), inputs: inputs, node: node)
            return
        }
        try append(output, op, inputs: inputs, node: node)
    }

    /// Pow-7 and later broadcast the exponent against the base (multidirectionally); from Pow-12
    /// it may be an integer tensor. A constant exponent of one element that does not raise the
    /// base's rank is one exponent for every element; any other constant is a tensor exponent.
    /// A runtime exponent is refused by name (`constant` says it must be an initializer or a
    /// Constant node).
    private func importPow(_ node: ONNXNode, output: String) throws {
        let base = try runtime(node, 0)
        let exponent = try constant(node, 1).floatTensor()
        let rank = shape(of: base)?.rank ?? 0
        let op: Pow
        if exponent.count == 1, exponent.shape.count <= rank, let value = exponent.values?.first ?? exponent.fill {
            op = Pow(exponent: value)
        } else {
            op = Pow(exponent: .tensor(exponent))
        }
        try append(output, .pow(op), inputs: [base], node: node)
    }

    // MARK: Shape ops on runtime values

    /// Reshape: the target from the `shape` attribute (opset < 5) or a constant input whose
    /// entries may be the symbolic batch (`0` copies an axis unless `allowzero`, opset 14).
    private func importReshape(_ node: ONNXNode, output: String) throws {
        let input = try runtime(node, 0)
        let allowZero = try opset >= 14 && node.int("allowzero", default: 0) != 0
        let dims: [Dim]
        if opset < 5 {
            dims = (try node.ints("shape") ?? []).map(Dim.fixed)
        } else {
            dims = try optionalKnown(node, 1)?.dims(for: "Reshape shape") ?? []
        }
        let inputShape = shape(of: input) ?? Shape([Dim]())
        var target: [Int] = []
        for (index, dim) in dims.enumerated() {
            switch dim {
            case .fixed(let size): target.append(size)
            case .symbol:
                if index < inputShape.rank, inputShape[index] == dim, !allowZero {
                    target.append(0)
                } else if !dims.contains(.fixed(-1)), !target.contains(-1) {
                    target.append(-1)
                } else {
                    throw node.error(
                        "Reshape targets may hold the symbolic batch where the input has it, or in place of -1. Received: target \(dims) for input \(inputShape) in node '\(node.label)'.",
                        kind: .unsupported)
                }
            }
        }
        try append(output, .reshape(Reshape(target: target, allowZero: allowZero)), inputs: [input], node: node)
    }

    /// Squeeze and Unsqueeze of a runtime value, as a Reshape to the resulting shape.
    private func importSqueeze(_ node: ONNXNode, output: String) throws {
        let input = try runtime(node, 0)
        guard let shape = shape(of: input) else { return }
        let axes = try (opset < 13 ? node.ints("axes") : optionalConstant(node, 1)?.ints(for: "\(node.opType) axes")) ?? []
        var dims: [Dim]
        if node.opType == "Squeeze" {
            let resolved = try Set(axes.map { try shape.normalizedAxis($0, for: "Squeeze") })
            dims = shape.dims.enumerated().filter { axes.isEmpty ? $0.element != .fixed(1) : !resolved.contains($0.offset) }.map(\.element)
            for axis in resolved where shape[axis] != .fixed(1) {
                throw node.error("Squeeze removes axes of size 1 only. Received: axis \(axis) of \(shape) in node '\(node.label)'.")
            }
        } else {
            let rank = shape.rank + axes.count
            let resolved = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            guard resolved.count == axes.count, resolved.allSatisfy({ (0..<rank).contains($0) }) else {
                throw node.error("Unsqueeze axes must be distinct and inside the output rank \(rank). Received: \(axes) in node '\(node.label)'.")
            }
            var remaining = shape.dims.makeIterator()
            dims = (0..<rank).map { resolved.contains($0) ? .fixed(1) : (remaining.next() ?? .fixed(1)) }
        }
        let target = dims.enumerated().map { index, dim in dim.value ?? (index == 0 ? 0 : -1) }
        try append(output, .reshape(Reshape(target: target)), inputs: [input], node: node)
    }

    /// Pad: attributes before opset 11; `pads` and `constant_value` inputs from 11; `axes`
    /// from 18; `wrap` mode from 19.
    private func padOp(_ node: ONNXNode) throws -> Pad {
        let input = try runtime(node, 0)
        let rank = shape(of: input)?.rank ?? 0
        let modeName = try node.string("mode", default: "constant")
        guard let mode = Pad.Mode(rawValue: modeName), mode != .symmetric else {
            throw node.error("Pad mode must be constant, reflect, edge or wrap. Received: '\(modeName)' in node '\(node.label)'.")
        }
        if mode == .wrap, opset < 19 {
            throw node.error("Pad mode wrap exists from opset 19. Received: opset \(opset) in node '\(node.label)'.")
        }
        var pads: [Int]
        var value: Float = 0
        if opset < 11 {
            pads = try node.ints("pads") ?? node.ints("paddings") ?? []
            value = try node.float("value", default: 0)
        } else {
            pads = try constant(node, 1).ints(for: "Pad pads")
            value = try optionalConstant(node, 2)?.scalarFloat(for: "Pad constant_value") ?? 0
            if opset >= 18, let axes = try optionalConstant(node, 3)?.ints(for: "Pad axes") {
                guard pads.count == 2 * axes.count else {
                    throw node.error("Pad needs a begin and an end per listed axis. Received: pads \(pads), axes \(axes) in node '\(node.label)'.")
                }
                var full = Array(repeating: 0, count: 2 * rank)
                for (index, axis) in axes.enumerated() {
                    let resolved = axis < 0 ? axis + rank : axis
                    guard (0..<rank).contains(resolved) else {
                        throw node.error("Pad axes must lie inside the input rank \(rank). Received: \(axes) in node '\(node.label)'.")
                    }
                    full[resolved] = pads[index]
                    full[resolved + rank] = pads[index + axes.count]
                }
                pads = full
            }
        }
        return Pad(pads: pads, mode: mode, value: value)
    }

    // MARK: Slice, Split, Expand

    /// Slice-1 (opsets 7-9): attributes `starts`, `ends`, optional `axes`, no steps. Slice-10:
    /// inputs `starts`, `ends`, optional `axes` and `steps`; Slice-11 and 13 allow negative
    /// axes (and 13 widens the types). Every bound must be a constant: a runtime one is refused
    /// by name (``constant(_:_:)``).
    private func sliceOp(_ node: ONNXNode) throws -> Slice {
        let what = "\(node.opType) node '\(node.label)'"
        if opset < 10 {
            guard let starts = try node.ints("starts"), let ends = try node.ints("ends") else {
                throw node.error("Slice before opset 10 needs the attributes starts and ends. Received: none in \(what).")
            }
            return Slice(starts: starts, ends: ends, axes: try node.ints("axes"))
        }
        let starts = try constant(node, 1).ints(for: "Slice starts of \(what)")
        let ends = try constant(node, 2).ints(for: "Slice ends of \(what)")
        let axes = try optionalConstant(node, 3)?.ints(for: "Slice axes of \(what)")
        let steps = try optionalConstant(node, 4)?.ints(for: "Slice steps of \(what)")
        guard ends.count == starts.count, (axes?.count ?? starts.count) == starts.count, (steps?.count ?? starts.count) == starts.count else {
            throw node.error(
                "Slice needs starts, ends, axes and steps of one length. Received: starts \(starts), ends \(ends), axes \(axes ?? []), steps \(steps ?? []) in \(what).")
        }
        return Slice(starts: starts, ends: ends, axes: axes, steps: steps)
    }

    /// Split as one slice layer per output, named by the outputs (an empty output name is
    /// skipped). The sizes: Split-2 the `split` attribute, Split-13 the optional `split` input,
    /// else equal parts (the axis must divide evenly); Split-18 either `split` or `num_outputs`
    /// (chunks of `ceil(d / n)`, the last one smaller). Split-11 allows a negative axis.
    private func importSplit(_ node: ONNXNode) throws {
        let input = try runtime(node, 0)
        let what = "node '\(node.label)'"
        guard let shape = shape(of: input) else { return }
        let axis = try shape.normalizedAxis(try node.int("axis", default: 0), for: "Split")
        let size = try shape.size(ofAxis: axis, for: "Split")
        let outputs = node.outputs.count
        var sizes: [Int]
        let given = opset < 13 ? try node.ints("split") : try optionalConstant(node, 1)?.ints(for: "Split split of \(what)")
        let chunks = opset >= 18 ? try node.int("num_outputs") : nil
        if let given {
            guard chunks == nil else {
                throw node.error("Split takes either the split input or num_outputs, not both. Received: split \(given), num_outputs \(chunks ?? 0) in \(what).")
            }
            sizes = given
        } else if let chunks {
            guard chunks >= 1, chunks <= size, chunks == outputs else {
                throw node.error(
                    "Split num_outputs must lie in [1, d] for the axis size d and equal the output count. Received: num_outputs \(chunks), axis \(axis) of size \(size), \(outputs) outputs in \(what).")
            }
            let chunk = (size + chunks - 1) / chunks
            sizes = (0..<chunks).map { max(0, min(chunk, size - $0 * chunk)) }
        } else {
            guard opset < 18 else {
                throw node.error("Split from opset 18 needs the split input or num_outputs. Received: neither in \(what).")
            }
            guard outputs >= 1, size % outputs == 0 else {
                throw node.error(
                    "Split without sizes divides the axis into equal parts, one per output. Received: axis \(axis) of size \(size) for \(outputs) outputs in \(what).")
            }
            sizes = Array(repeating: size / outputs, count: outputs)
        }
        guard sizes.count == outputs, sizes.allSatisfy({ $0 >= 0 }), try Checked.sum(sizes, "the split sizes") == size else {
            throw node.error(
                "Split sizes must be one non-negative size per output summing to the axis size. Received: split \(sizes) for \(outputs) outputs, axis \(axis) of size \(size) in \(what).")
        }
        var start = 0
        for (name, count) in zip(node.outputs, sizes) {
            defer { start += count }
            guard !name.isEmpty else { continue }
            try append(name, .slice(Slice(starts: [start], ends: [start + count], axes: [axis])), inputs: [input], node: node)
        }
    }

    /// Expand-8 (and 13, wider types): a constant shape broadcast bidirectionally with the
    /// input's. A shape entry that is the input's symbolic size on its aligned axis (a shape
    /// computed by Shape) stands for that size and is written as 1.
    private func importExpand(_ node: ONNXNode, output: String) throws {
        let input = try runtime(node, 0)
        guard let inputShape = shape(of: input) else { return }
        guard let shapeInput = try optionalKnown(node, 1) else {
            throw node.error("Expand needs input 1, the shape. Received: \(node.inputs.count) inputs in node '\(node.label)'.")
        }
        let dims = try shapeInput.dims(for: "Expand shape of node '\(node.label)'")
        let offset = dims.count - inputShape.rank
        let target = try dims.enumerated().map { index, dim -> Int in
            if let size = dim.value { return size }
            guard index - offset >= 0, inputShape[index - offset] == dim else {
                throw node.error(
                    "Expand shapes may hold a symbolic size only where the input has it. Received: shape \(dims) for input \(inputShape) in node '\(node.label)'.",
                    kind: .unsupported)
            }
            return 1
        }
        try append(output, .expand(Expand(shape: target)), inputs: [input], node: node)
    }

    /// Tile with constant repeats (one per axis): an axis of size 1 tiles as a broadcast, so
    /// when every repeated axis has size 1 (tf2onnx's nearest upsampling: Unsqueeze, Tile,
    /// Reshape) the node is one Expand; otherwise each repeated axis is a Gather of the indices
    /// `0 ..< d` repeated, at most 2^20 of them.
    private func importTile(_ node: ONNXNode, output: String) throws {
        let input = try runtime(node, 0)
        guard let inputShape = shape(of: input) else { return }
        let repeats = try constant(node, 1).ints(for: "Tile repeats")
        guard repeats.count == inputShape.rank, repeats.allSatisfy({ $0 >= 0 }) else {
            throw node.error(
                "Tile needs one repeat of at least 0 per input axis. Received: repeats \(repeats) for input \(inputShape) in node '\(node.label)'.")
        }
        let tiled = repeats.indices.filter { repeats[$0] != 1 }
        if tiled.allSatisfy({ inputShape[$0].value == 1 }) {
            try append(output, .expand(Expand(shape: repeats)), inputs: [input], node: node)
            return
        }
        var current = input
        for (position, axis) in tiled.enumerated() {
            let size = try inputShape.size(ofAxis: axis, for: "Tile")
            let count = try Checked.multiply(size, repeats[axis], "Tile indices")
            guard count <= 1 << 20 else {
                throw node.error(
                    "Tile imports a repeated axis as a gather of at most 2^20 indices. Received: \(size) x \(repeats[axis]) = \(count) on axis \(axis) in node '\(node.label)'.",
                    kind: .unsupported)
            }
            let name = position == tiled.count - 1 ? output : freshName("\(output)/tile_axis\(axis)")
            try append(name, .gather(Gather(axis: axis, indices: (0..<count).map { $0 % size })), inputs: [current], node: node)
            current = name
        }
    }
}
