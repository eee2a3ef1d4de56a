import Testing
import ZooCore

/// One valid instance of an op kind with input shapes, and its parameter counts by hand.
struct OpRepresentative {
    let op: Op
    let inputs: [Shape]
    let trainable: Int
    let nonTrainable: Int
}

enum OpRepresentatives {
    /// A representative per op kind of `Op.allKinds`; nil for a kind this helper does not know
    /// (which fails the contract tests: add a case here when adding an op).
    static func representative(of kind: any OperatorSemantics.Type) throws -> OpRepresentative? {
        let filled = OpTestKit.filled
        switch kind {
        case is Conv.Type:
            // groups 2, kernel [4, 1, 3, 3]: 4·1·9 + 4 = 40 trainable. H: k' 3, (7 + 1 + 0 - 3) / 2 + 1 = 3;
            // W: k' = 2·2 + 1 = 5, (8 + 2 + 2 - 5) / 1 + 1 = 8.
            return OpRepresentative(
                op: .conv(Conv(
                    kernel: try filled([4, 1, 3, 3], 1, 1), bias: try filled([4], 0.5, 1), stride: [2, 1], dilation: [1, 2],
                    padding: .explicit(begin: [1, 2], end: [0, 2]), groups: 2)),
                inputs: [[1, 2, 7, 8]], trainable: 40, nonTrainable: 0)
        case is ConvTranspose.Type:
            // groups 2, kernel [4, 3, 3, 2] (C 4, M/groups 3): M = 6; 4·3·3·2 + 6 = 78 trainable. Stride 1, so
            // the field step is the equivalent convolution's window. H: k' 3, full 1·(5 - 1) + 0 + 3 = 7, out 7 - 1 - 0 = 6;
            // W: k' = 2·1 + 1 = 3, full 1·(6 - 1) + 1 + 3 = 9, out 9 - 0 - 2 = 7 (output padding 1 < dilation 2).
            return OpRepresentative(
                op: .convTranspose(ConvTranspose(
                    kernel: try filled([4, 3, 3, 2], 1, 1), bias: try filled([6], 0.5, 1), dilation: [1, 2],
                    padding: .explicit(begin: [1, 0], end: [0, 2]), outputPadding: [0, 1], groups: 2)),
                inputs: [[1, 4, 5, 6]], trainable: 78, nonTrainable: 0)
        case is MaxPool.Type:
            // (8 + 2 - 3) / 2 + 1 = 4.
            return OpRepresentative(
                op: .maxPool(MaxPool(window: SpatialWindow(kernel: [3, 3], stride: [2, 2], padding: .symmetric(1, axes: 2)))),
                inputs: [["N", 3, 8, 8]], trainable: 0, nonTrainable: 0)
        case is AveragePool.Type:
            // same_lower, k 2, s 2 on 7: out 4, total 3·2 + 2 - 7 = 1 -> begin 1, end 0; (7 + 1 - 2) / 2 + 1 = 4.
            return OpRepresentative(
                op: .averagePool(AveragePool(window: SpatialWindow(kernel: [2], stride: [2], padding: .same(extra: .beginning)))),
                inputs: [[1, 2, 7]], trainable: 0, nonTrainable: 0)
        case is GlobalAveragePool.Type:
            return OpRepresentative(op: .globalAveragePool(GlobalAveragePool()), inputs: [[1, 4, 3, 3]], trainable: 0, nonTrainable: 0)
        case is GlobalMaxPool.Type:
            return OpRepresentative(op: .globalMaxPool(GlobalMaxPool()), inputs: [["N", 4, 5]], trainable: 0, nonTrainable: 0)
        case is Dense.Type:
            // 5·3 + 3 = 18.
            return OpRepresentative(
                op: .dense(Dense(weight: try filled([3, 5], 1, 1), bias: try filled([3], -1, 1))),
                inputs: [["N", 5]], trainable: 18, nonTrainable: 0)
        case is MatMul.Type:
            return OpRepresentative(op: .matMul(MatMul()), inputs: [[2, 3], [3, 4]], trainable: 0, nonTrainable: 0)
        case is BatchNorm.Type:
            // gamma + beta = 8 trainable, mean + variance = 8 non-trainable.
            return OpRepresentative(
                op: .batchNorm(BatchNorm(
                    gamma: try filled([4], 1, 1), beta: try filled([4], 2, 1), mean: try filled([4], 3, 1),
                    variance: try filled([4], 4, 1), epsilon: 1e-3)),
                inputs: [[1, 4, 2, 2]], trainable: 8, nonTrainable: 8)
        case is Normalization.Type:
            // an adapted Keras Normalization over 3 channels: mean 3 + variance 3 + count 1 = 7 non-trainable.
            return OpRepresentative(
                op: .normalization(Normalization(
                    mean: try filled([3, 1, 1], 1, 1), variance: try filled([3, 1, 1], 2, 1), count: try filled([], 10, 0), isStored: true)),
                inputs: [[1, 3, 2, 2]], trainable: 0, nonTrainable: 7)
        case is Relu.Type: return unary(.relu(Relu()))
        case is Clip.Type: return unary(.clip(Clip.relu6))
        case is Sigmoid.Type: return unary(.sigmoid(Sigmoid()))
        case is Tanh.Type: return unary(.tanh(Tanh()))
        case is Softmax.Type: return unary(.softmax(Softmax(axis: 1)))
        case is LeakyRelu.Type: return unary(.leakyRelu(LeakyRelu(alpha: 0.1)))
        case is PRelu.Type:
            // a per-channel slope: 3 trainable parameters.
            return OpRepresentative(op: .prelu(PRelu(slope: try filled([3, 1, 1], 0.25, 0.25))), inputs: [[1, 3, 4, 4]], trainable: 3, nonTrainable: 0)
        case is HardSigmoid.Type: return unary(.hardSigmoid(HardSigmoid(alpha: 1.0 / 6, beta: 0.5)))
        case is HardSwish.Type: return unary(.hardSwish(HardSwish()))
        case is SiLU.Type: return unary(.silu(SiLU()))
        case is Elu.Type: return unary(.elu(Elu(alpha: 0.5)))
        case is Selu.Type: return unary(.selu(Selu()))
        case is Softplus.Type: return unary(.softplus(Softplus()))
        case is Gelu.Type: return unary(.gelu(Gelu(approximate: .tanh)))
        case is Pow.Type:
            // a per-channel exponent is a stored tensor: 3 trainable parameters.
            return OpRepresentative(
                op: .pow(Pow(exponent: .tensor(try filled([3, 1, 1], 0.5, 0.5)))), inputs: [[1, 3, 4, 4]], trainable: 3, nonTrainable: 0)
        case is Sqrt.Type: return unary(.sqrt(Sqrt()))
        case is Exp.Type: return unary(.exp(Exp()))
        case is Log.Type: return unary(.log(Log()))
        case is Neg.Type: return unary(.neg(Neg()))
        case is Abs.Type: return unary(.abs(Abs()))
        case is Reciprocal.Type: return unary(.reciprocal(Reciprocal()))
        case is Erf.Type: return unary(.erf(Erf()))
        case is LRN.Type: return OpRepresentative(op: .lrn(LRN(size: 5)), inputs: [[1, 8, 4, 4]], trainable: 0, nonTrainable: 0)
        case is Add.Type:
            // a stored constant operand is a trainable parameter: 4 x 1 x 1 = 4.
            return OpRepresentative(
                op: .add(Add(constant: ConstantOperand(try filled([4, 1, 1], 1, 1)))), inputs: [[1, 4, 3, 3]],
                trainable: 4, nonTrainable: 0)
        case is Sub.Type:
            return OpRepresentative(op: .sub(Sub()), inputs: [[1, 4, 3, 3], [1, 1, 3, 3]], trainable: 0, nonTrainable: 0)
        case is Mul.Type:
            return OpRepresentative(
                op: .mul(Mul(constant: ConstantOperand(try filled([1, 4, 1, 1], 2, 1), isFirst: true))), inputs: [[1, 4, 3, 3]],
                trainable: 4, nonTrainable: 0)
        case is Div.Type:
            return OpRepresentative(op: .div(Div()), inputs: [["N", 4, 3, 3], [3]], trainable: 0, nonTrainable: 0)
        case is Concat.Type:
            return OpRepresentative(op: .concat(Concat(axis: 1)), inputs: [[1, 2, 3, 3], [1, 5, 3, 3]], trainable: 0, nonTrainable: 0)
        case is Flatten.Type:
            return OpRepresentative(op: .flatten(Flatten(axis: 1)), inputs: [["N", 2, 3, 3]], trainable: 0, nonTrainable: 0)
        case is Reshape.Type:
            return OpRepresentative(op: .reshape(Reshape(target: [0, -1])), inputs: [[1, 2, 3, 3]], trainable: 0, nonTrainable: 0)
        case is Transpose.Type:
            return OpRepresentative(op: .transpose(Transpose(permutation: [0, 2, 3, 1])), inputs: [[1, 2, 3, 4]], trainable: 0, nonTrainable: 0)
        case is Pad.Type:
            // reflect: H begin 1, end 3 <= 5 - 1; W begin 2, end 0 <= 6 - 1.
            return OpRepresentative(
                op: .pad(Pad(pads: [0, 0, 1, 2, 0, 0, 3, 0], mode: .reflect)), inputs: [[1, 2, 5, 6]], trainable: 0, nonTrainable: 0)
        case is Resize.Type:
            // linear half_pixel by 1/2 on H (8 -> 4) and to 3 on W (6 -> 3): no parameters.
            return OpRepresentative(
                op: .resize(Resize(interpolation: .linear, target: .scales([1, 1, 0.5, 0.5]))), inputs: [["N", 3, 8, 6]], trainable: 0,
                nonTrainable: 0)
        case is Dropout.Type:
            return OpRepresentative(op: .dropout(Dropout(ratio: 0.3)), inputs: [["N", 10]], trainable: 0, nonTrainable: 0)
        case is Identity.Type:
            return OpRepresentative(op: .identity(Identity()), inputs: [["N", 3, 5, 5]], trainable: 0, nonTrainable: 0)
        case is Slice.Type:
            // H from 1 by 2 up to 6: 1, 3, 5; W reversed from the last: 4 elements.
            return OpRepresentative(
                op: .slice(Slice(starts: [1, -1], ends: [6, Int.min], axes: [2, 3], steps: [2, -1])), inputs: [["N", 3, 7, 4]], trainable: 0,
                nonTrainable: 0)
        case is Gather.Type:
            return OpRepresentative(op: .gather(Gather(axis: 1, indices: [2, 0], indicesShape: [2])), inputs: [["N", 3, 5, 5]], trainable: 0, nonTrainable: 0)
        case is Expand.Type:
            return OpRepresentative(op: .expand(Expand(shape: [1, 3, 1, 1])), inputs: [["N", 1, 5, 5]], trainable: 0, nonTrainable: 0)
        case is ReduceMean.Type:
            return OpRepresentative(op: .reduceMean(ReduceMean(axes: [2, 3])), inputs: [["N", 3, 4, 4]], trainable: 0, nonTrainable: 0)
        case is ReduceSum.Type:
            return OpRepresentative(op: .reduceSum(ReduceSum(axes: [1], keepDims: false)), inputs: [[1, 3, 4, 4]], trainable: 0, nonTrainable: 0)
        case is ReduceMax.Type:
            return OpRepresentative(op: .reduceMax(ReduceMax(axes: [-1])), inputs: [[2, 3, 5]], trainable: 0, nonTrainable: 0)
        case is ReduceMin.Type:
            return OpRepresentative(op: .reduceMin(ReduceMin()), inputs: [[2, 3]], trainable: 0, nonTrainable: 0)
        case is Mean.Type:
            return OpRepresentative(op: .mean(Mean()), inputs: [[1, 4, 3, 3], [1, 4, 3, 3], [1, 1, 3, 3]], trainable: 0, nonTrainable: 0)
        case is Maximum.Type:
            // a stored constant operand: 4 trainable parameters.
            return OpRepresentative(
                op: .maximum(Maximum(constant: ConstantOperand(try filled([4, 1, 1], 0, 1)))), inputs: [[1, 4, 3, 3]], trainable: 4, nonTrainable: 0)
        case is Minimum.Type:
            return OpRepresentative(op: .minimum(Minimum()), inputs: [[1, 4, 3, 3], [3]], trainable: 0, nonTrainable: 0)
        case is LayerNorm.Type:
            // scale and bias over the normalized [3, 4]: 12 + 12 trainable.
            return OpRepresentative(
                op: .layerNorm(LayerNorm(axis: 1, scale: try filled([3, 4], 1, 0.5), bias: try filled([3, 4], 0, 0.5))),
                inputs: [["N", 3, 4]], trainable: 24, nonTrainable: 0)
        case is InstanceNorm.Type:
            // scale and B per channel: 3 + 3 trainable.
            return OpRepresentative(
                op: .instanceNorm(InstanceNorm(scale: try filled([3], 1, 1), bias: try filled([3], 0, 1))), inputs: [[1, 3, 4, 4]],
                trainable: 6, nonTrainable: 0)
        case is GroupNorm.Type:
            // scale and bias per channel: 6 + 6 trainable.
            return OpRepresentative(
                op: .groupNorm(GroupNorm(groups: 3, scale: try filled([6], 1, 1), bias: try filled([6], 0, 1))), inputs: [[1, 6, 4, 4]],
                trainable: 12, nonTrainable: 0)
        case is LogSoftmax.Type: return unary(.logSoftmax(LogSoftmax(axis: 1)))
        default:
            return nil
        }
    }

    private static func unary(_ op: Op) -> OpRepresentative {
        OpRepresentative(op: op, inputs: [[1, 3, 4, 4]], trainable: 0, nonTrainable: 0)
    }

    /// The short names of DESIGN.md section 4 and `zoo ops`, by an exhaustive switch: a new
    /// `Op` case does not compile until it is named here (and given a representative above).
    static func expectedName(of op: Op) -> String {
        switch op {
        case .conv: "conv"
        case .convTranspose: "convtranspose"
        case .maxPool: "maxpool"
        case .averagePool: "avgpool"
        case .globalAveragePool: "globalavgpool"
        case .globalMaxPool: "globalmaxpool"
        case .dense: "dense"
        case .matMul: "matmul"
        case .batchNorm: "batchnorm"
        case .normalization: "normalization"
        case .relu: "relu"
        case .clip: "clip"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .softmax: "softmax"
        case .leakyRelu: "leakyrelu"
        case .prelu: "prelu"
        case .hardSigmoid: "hardsigmoid"
        case .hardSwish: "hardswish"
        case .silu: "silu"
        case .elu: "elu"
        case .selu: "selu"
        case .softplus: "softplus"
        case .gelu: "gelu"
        case .lrn: "lrn"
        case .add: "add"
        case .sub: "sub"
        case .mul: "mul"
        case .div: "div"
        case .pow: "pow"
        case .sqrt: "sqrt"
        case .exp: "exp"
        case .log: "log"
        case .neg: "neg"
        case .abs: "abs"
        case .reciprocal: "reciprocal"
        case .erf: "erf"
        case .concat: "concat"
        case .flatten: "flatten"
        case .reshape: "reshape"
        case .transpose: "transpose"
        case .pad: "pad"
        case .resize: "resize"
        case .dropout: "dropout"
        case .identity: "identity"
        case .slice: "slice"
        case .gather: "gather"
        case .expand: "expand"
        case .reduceMean: "reducemean"
        case .reduceSum: "reducesum"
        case .reduceMax: "reducemax"
        case .reduceMin: "reducemin"
        case .mean: "mean"
        case .maximum: "max"
        case .minimum: "min"
        case .layerNorm: "layernorm"
        case .instanceNorm: "instancenorm"
        case .groupNorm: "groupnorm"
        case .logSoftmax: "logsoftmax"
        }
    }

    /// The representative of the kind named `name`, or a recorded failure.
    static func require(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> OpRepresentative {
        let kind = try #require(Op.allKinds.first { $0.info.name == name }, sourceLocation: sourceLocation)
        return try #require(try representative(of: kind), "no representative for op kind '\(name)'", sourceLocation: sourceLocation)
    }

    /// Per spatial axis of a window step, the end padding, from the op's own resolved attributes.
    static func padEnd(of op: Op, inputs: [Shape], axis: Int) -> Int? {
        switch op {
        case .pad(let pad):
            return pad.pads[axis + inputs[0].rank]
        case .convTranspose(let op):
            // The equivalent convolution (stride 1) pads k' - 1 - p_end + output_padding at the end.
            let spatial = inputs[0].rank - 2, index = axis - 2
            guard case .ints(let pads)? = op.attributes(inputs: inputs).first(where: { $0.0 == "pads" })?.1, pads.count == 2 * spatial
            else { return nil }
            let extent = op.dilation[index] * (op.kernelSize[index] - 1) + 1
            return extent - 1 - pads[spatial + index] + op.outputPadding[index]
        case .resize(let op):
            // The last output's window ends (out - 1) s - p_b + k - 1: past the input's last index by the end padding.
            guard let output = try? op.outputShape(inputs: inputs), case .window(let windows)? = try? op.fieldStep(inputs: inputs, output: output),
                let window = windows.first(where: { $0.axis == axis }), let size = inputs[0][axis].value, let out = output[axis].value
            else { return nil }
            return (out - 1) * window.stride - window.padBegin + window.kernel - 1 - (size - 1)
        case .conv, .maxPool, .averagePool:
            let spatial = inputs[0].rank - 2
            guard case .ints(let pads)? = op.semantics.attributes(inputs: inputs).first(where: { $0.0 == "pads" })?.1,
                pads.count == 2 * spatial
            else { return nil }
            return pads[spatial + axis - 2]
        default:
            return nil
        }
    }

    /// Whether the op's windows read input elements (conv, pools) rather than fill padding (Pad).
    static func readsWindows(_ op: Op) -> Bool {
        switch op {
        case .conv, .convTranspose, .maxPool, .averagePool, .resize: true
        default: false
        }
    }
}

let opKindNames = Op.allKinds.map { $0.info.name }

@Suite("Op contract")
struct OpContractTests {
    @Test("every kind in Op.allKinds has a representative of that kind, named as DESIGN.md says")
    func everyKindHasARepresentative() throws {
        // expectedName is exhaustive over Op: one distinct name per kind means one kind per case named there.
        let named = try Op.allKinds.map { kind in try OpRepresentatives.representative(of: kind).map { OpRepresentatives.expectedName(of: $0.op) } }
        #expect(Set(named.compactMap { $0 }).count == Op.allKinds.count)
        for kind in Op.allKinds {
            let representative = try #require(try OpRepresentatives.representative(of: kind), "no representative for \(kind.info.name)")
            #expect(ObjectIdentifier(type(of: representative.op.semantics)) == ObjectIdentifier(kind))
            #expect(representative.op.name == kind.info.name)
            #expect(OpRepresentatives.expectedName(of: representative.op) == kind.info.name)
        }
    }

    @Test("info.name is unique, non-empty and lower-case")
    func namesUniqueLowerCase() {
        #expect(Set(opKindNames).count == opKindNames.count, "duplicate names: \(opKindNames)")
        #expect(Set(Op.allKinds.map { ObjectIdentifier($0) }).count == Op.allKinds.count)
        for name in opKindNames {
            #expect(!name.isEmpty)
            #expect(name == name.lowercased(), "\(name)")
            #expect(name.allSatisfy { $0.isLetter || $0.isNumber }, "\(name)")
        }
    }

    @Test("info states a FLOP rule, a field rule and a sane arity", arguments: opKindNames)
    func infoIsComplete(name: String) throws {
        let kind = try #require(Op.allKinds.first { $0.info.name == name })
        #expect(!kind.info.summary.isEmpty && !kind.info.flopRule.isEmpty && !kind.info.fieldRule.isEmpty)
        #expect(kind.info.minInputs >= 1)
        if let max = kind.info.maxInputs { #expect(max >= kind.info.minInputs) }
    }

    @Test("shape rule, cost and field step do not throw on the representative", arguments: opKindNames)
    func noThrow(name: String) throws {
        let r = try OpRepresentatives.require(name)
        let op = r.op.semantics
        let arity = op.arity
        #expect(r.inputs.count >= arity.min && r.inputs.count <= (arity.max ?? Int.max))
        #expect(throws: Never.self) {
            let output = try op.outputShape(inputs: r.inputs)
            _ = try op.cost(inputs: r.inputs, output: output)
            _ = try op.fieldStep(inputs: r.inputs, output: output)
        }
        #expect(throws: Never.self) { _ = try Analyzer.analyze(try OpTestKit.oneLayerGraph(r.op, inputs: r.inputs), model: name, format: "test") }
    }

    @Test("parameters: weights by role = hand count = the analyzer's one-layer figures", arguments: opKindNames)
    func parameterCounts(name: String) throws {
        let r = try OpRepresentatives.require(name)
        let counts = OpTestKit.counts(r.op.weights)
        #expect(counts.trainable == r.trainable)
        #expect(counts.nonTrainable == r.nonTrainable)
        // the element count of each weight is the product of its shape.
        for weight in r.op.weights {
            #expect(weight.tensor.count == weight.tensor.shape.reduce(1, *), "\(weight.name)")
        }
        let report = try Analyzer.analyze(try OpTestKit.oneLayerGraph(r.op, inputs: r.inputs), model: name, format: "test")
        #expect(report.layers.count == 1)
        #expect(report.layers[0].params == Report.Parameters(trainable: r.trainable, nonTrainable: r.nonTrainable))
        #expect(report.totals.params == Report.Parameters(trainable: r.trainable, nonTrainable: r.nonTrainable))
        #expect(report.layers[0].op == name)
        let output = try r.op.semantics.outputShape(inputs: r.inputs)
        #expect(report.layers[0].outputShape == output)
        let cost = try r.op.semantics.cost(inputs: r.inputs, output: output)
        #expect(report.layers[0].macs == cost.macs && report.layers[0].flops == cost.flops && report.layers[0].counted == cost.counted)
        // activation bytes: 4 per output element, a symbol counted as 1.
        #expect(report.layers[0].activationBytes == 4 * output.dims.map(\.sizeCountingSymbolsAsOne).reduce(1, *))
    }

    @Test("the field step is consistent with the shape rule", arguments: opKindNames)
    func fieldStepMatchesShapeRule(name: String) throws {
        let r = try OpRepresentatives.require(name)
        let op = r.op.semantics
        let output = try op.outputShape(inputs: r.inputs)
        let step = try op.fieldStep(inputs: r.inputs, output: output)
        let input = r.inputs[0]
        switch step {
        case .window(let windows):
            #expect(output.rank == input.rank)
            let windowed = Set(windows.map(\.axis))
            for window in windows {
                let size = try #require(input[window.axis].value)
                let out = try #require(output[window.axis].value)
                let padEnd = try #require(OpRepresentatives.padEnd(of: r.op, inputs: r.inputs, axis: window.axis))
                // r = k' = d (k - 1) + 1; out = floor((in + p_b + p_e - k') / s) + 1.
                let extent = window.dilation * (window.kernel - 1) + 1
                #expect(out == (size + window.padBegin + padEnd - extent) / window.stride + 1, "axis \(window.axis)")
                if OpRepresentatives.readsWindows(r.op) {
                    // every output's window [o s - p_b, o s - p_b + k' - 1] meets [0, in - 1].
                    for o in 0..<out {
                        let start = o * window.stride - window.padBegin
                        #expect(start + extent - 1 >= 0 && start <= size - 1, "axis \(window.axis), output \(o)")
                    }
                }
            }
            // axes without a window keep their size (conv changes the channels, pad may pad them).
            for axis in 0..<input.rank where !windowed.contains(axis) {
                if case .conv(let conv) = r.op, axis == 1 {
                    #expect(output[1] == .fixed(conv.filters))
                } else if case .convTranspose(let op) = r.op, axis == 1 {
                    #expect(output[1] == .fixed(op.kernel.shape[1] * op.groups))
                } else if case .pad(let pad) = r.op {
                    #expect(output[axis] == .fixed(input[axis].value! + pad.pads[axis] + pad.pads[axis + input.rank]))
                } else {
                    #expect(output[axis] == input[axis], "axis \(axis)")
                }
            }
        case .pad(let begin):
            // out = in + begin + end on every axis; the step carries the begins.
            guard case .pad(let pad) = r.op else { Issue.record("only pad takes a pad step"); return }
            #expect(begin == Array(pad.pads.prefix(input.rank)))
            for axis in 0..<input.rank {
                #expect(output[axis] == .fixed(try #require(input[axis].value) + pad.pads[axis] + pad.pads[axis + input.rank]))
            }
        case .elementwise:
            // the output is the broadcast of every operand, a stored constant and an expand's shape included.
            var constants = r.op.weights.filter { $0.role == .constant }.map { Shape($0.tensor.shape) }
            if case .expand(let expand) = r.op { constants.append(Shape(expand.shape)) }
            #expect(output == OpTestKit.broadcast(r.inputs + constants))
        case .reduce(let axes):
            // the axes off the reduction keep their sizes; the reduced ones are 1 or dropped.
            let kept = (0..<input.rank).filter { !axes.contains($0) }
            if output.rank == input.rank {
                for axis in kept { #expect(output[axis] == input[axis]) }
            } else {
                #expect(output.dims == kept.map { input[$0] })
            }
        case .concat(let axis):
            var total = 0
            for shape in r.inputs { total += try #require(shape[axis].value) }
            #expect(output[axis] == .fixed(total))
            for a in 0..<input.rank where a != axis { #expect(output[a] == input[a]) }
        case .permute(let permutation):
            #expect(permutation.sorted() == Array(0..<input.rank))
            #expect(output == Shape(permutation.map { input[$0] }))
        case .reshape:
            #expect(try output.elementCountPerSample() == input.elementCountPerSample())
            #expect(output.symbols == input.symbols)
        case .matMul:
            #expect(output[output.rank - 1] == r.inputs[1][r.inputs[1].rank - 1])
            #expect(output[output.rank - 2] == r.inputs[0][r.inputs[0].rank - 2])
        case .global:
            #expect(output.rank >= 1)
        case .slice(let windows, let reversed):
            // a window of kernel 1 starting at -padBegin: out = ceil((end - start) / stride) elements.
            #expect(output.rank == input.rank)
            guard case .slice(let slice) = r.op else { Issue.record("only slice takes a slice step"); return }
            for window in windows {
                let index = try #require(slice.axes.firstIndex { ($0 < 0 ? $0 + input.rank : $0) == window.axis })
                let size = try #require(input[window.axis].value)
                let end = min(slice.ends[index], size)
                #expect(output[window.axis] == .fixed((end + window.padBegin + window.stride - 1) / window.stride), "axis \(window.axis)")
            }
            for axis in reversed { #expect(output[axis] == input[axis]) }
        case .gather(let axis, let indexRank):
            #expect(output.rank == input.rank - 1 + indexRank)
            for a in 0..<axis { #expect(output[a] == input[a]) }
            for a in (axis + 1)..<input.rank { #expect(output[a + indexRank - 1] == input[a]) }
        }
    }

    @Test("visitWeights replacing every weight with a same-shape tensor round-trips", arguments: opKindNames)
    func visitWeightsRoundTrip(name: String) throws {
        let r = try OpRepresentatives.require(name)
        var op = r.op
        var replacements: [Tensor] = []
        var visited: [(String, WeightKind)] = []
        try op.visitWeights { name, kind, tensor in
            let replacement = try OpTestKit.filled(tensor.shape, start: 100 + Float(replacements.count), step: 0.25)
            #expect(replacement != tensor)
            replacements.append(replacement)
            visited.append((name, kind))
            tensor = replacement
        }
        #expect(op.weights.map(\.tensor) == replacements)
        #expect(op.semantics.weights.map(\.tensor) == replacements)
        #expect(op.weights.map(\.name) == visited.map(\.0))
        #expect(op.weights.map(\.kind) == visited.map(\.1))
        #expect(op.weights.map(\.name) == r.op.weights.map(\.name))
        #expect(op.weights.map(\.tensor.shape) == r.op.weights.map(\.tensor.shape))
        // the op with new weights still has the same shape rule.
        #expect(try op.semantics.outputShape(inputs: r.inputs) == r.op.semantics.outputShape(inputs: r.inputs))
        // visiting without replacing changes nothing.
        var untouched = r.op
        untouched.visitWeights { _, _, _ in }
        #expect(untouched == r.op)
        if !replacements.isEmpty { #expect(op != r.op) }
    }

    /// Window consistency beyond the representatives: for many window configurations, the field
    /// step's padBegin is the resolved begin pad, non-ceil outputs follow the floor formula, and
    /// in ceil mode the output is floor or floor + 1 with every window starting before the end
    /// padding and meeting the input.
    @Test("window field steps agree with the shape rule over many configurations", arguments: [
        (7, 3, 2, 1, Padding.valid, false), (7, 3, 2, 1, .valid, true), (8, 3, 2, 1, .same(extra: .end), false),
        (8, 3, 2, 1, .same(extra: .beginning), false), (6, 4, 1, 1, .same(extra: .end), false),
        (6, 4, 1, 1, .same(extra: .beginning), false), (5, 2, 2, 1, .explicit(begin: [1], end: [1]), true),
        (10, 3, 3, 2, .explicit(begin: [2], end: [1]), true), (9, 2, 3, 3, .same(extra: .end), false),
        (4, 3, 2, 1, .explicit(begin: [1], end: [1]), true), (11, 5, 4, 1, .explicit(begin: [2], end: [0]), true),
        (1, 1, 1, 1, .valid, false), (13, 3, 5, 2, .same(extra: .beginning), false),
    ] as [(Int, Int, Int, Int, Padding, Bool)])
    func windowConsistency(size: Int, kernel: Int, stride: Int, dilation: Int, padding: Padding, ceil: Bool) throws {
        let window = SpatialWindow(kernel: [kernel], stride: [stride], dilation: [dilation], padding: padding, ceilMode: ceil)
        let op = Op.maxPool(MaxPool(window: window))
        let inputs: [Shape] = [[1, 1, .fixed(size)]]
        let output = try op.semantics.outputShape(inputs: inputs)
        guard case .window(let windows) = try op.semantics.fieldStep(inputs: inputs, output: output), windows.count == 1 else {
            Issue.record("expected one window axis")
            return
        }
        let w = windows[0]
        let out = try #require(output[2].value)
        let padEnd = try #require(OpRepresentatives.padEnd(of: op, inputs: inputs, axis: 2))
        let extent = dilation * (kernel - 1) + 1
        let floorOut = (size + w.padBegin + padEnd - extent) / stride + 1
        if ceil {
            #expect(out == floorOut || out == floorOut + 1)
            #expect((out - 1) * stride < size + w.padBegin, "the last window starts inside the end padding")
        } else {
            #expect(out == floorOut)
        }
        for o in 0..<out {
            let start = o * stride - w.padBegin
            #expect(start + extent - 1 >= 0 && start <= size - 1, "output \(o)")
        }
        if case .same = padding {
            // out = ceil(in / s) and total = max((out - 1) s + k' - in, 0).
            #expect(out == (size + stride - 1) / stride)
            #expect(w.padBegin + padEnd == max((out - 1) * stride + extent - size, 0))
        }
    }
}
