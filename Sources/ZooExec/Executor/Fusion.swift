import ZooCore

/// A step of a run: one layer, or a convolution with the batch normalization and activation that
/// follow it folded in.
struct FusedLayer {
    /// The layer that runs (a fused conv holds the batch norm folded into its weights).
    var layer: Layer
    /// The name of the value the step produces (the last fused layer's).
    var outputName: String
    /// The op names joined by `+`.
    var opName: String
    /// The activation applied to the output inside the kernel.
    var epilogue: (any Epilogue)?
    /// A value added to a conv's output before its activation (a residual sum taken from the
    /// following add): the layer's last input.
    var residual: String?
    /// A value `[N or 1, C, 1, 1]` that multiplies a 1x1 conv's input channel by channel (a
    /// squeeze-and-excitation gate taken from the multiply before the conv): the layer's second
    /// input.
    var inputScale: String?
    /// A depthwise convolution that reads this 1x1 convolution's output, and nothing else does,
    /// run in the same step (``PointwiseDepthwiseKernel``): its layer (its batch norm folded in)
    /// and its activation. The step's output is then the depthwise convolution's.
    var depthwise: (layer: Layer, epilogue: (any Epilogue)?)?

    init(layer: Layer) {
        self.layer = layer
        outputName = layer.name
        opName = layer.op.name
        epilogue = nil
    }
}

/// Inference-time fusion, the graph rewriting a run does (analysis reports the file's own
/// graph): `conv -> per-channel affine ops -> activation` becomes one conv step. The affine ops
/// are batch normalization and Mul, Add, Sub and Div by a constant that holds one value per
/// output channel (or one for all), as tf2onnx writes batch norms (`Conv -> Mul -> Add`).
/// Each is `y = a y + c` per channel; their composition is folded into the weights,
///
///     W'[o] = a[o] W[o],  b'[o] = a[o] b[o] + c[o]
///
/// with batch norm's `a = gamma / sqrt(variance + epsilon)`, `c = beta - a mean` (computed in
/// double precision, rounded once). The kernel applies the activation to each output channel
/// right after the matrix product. Dense layers fold per-unit affine ops the same way; a
/// batch norm followed by affine ops takes them into its gamma and beta; transposed conv, dense
/// and add layers (a residual sum followed by ReLU) take a following activation, and `x *
/// sigmoid(x)` (a Sigmoid and a Mul reading the same value, PyTorch's and Paddle's SiLU before
/// ONNX Swish-24) as SiLU; on its own that pair runs as one SiLU step. Keras's hard swish as
/// tf2onnx exports it (`Add 3 -> Clip 0..6 -> Mul 1/6 -> Mul x`) is taken the same way, as
/// ``HardSwishChain`` (the same bits as the four ops). A conv whose output is
/// then added to another value of its shape (a residual sum: `conv -> batchnorm -> add ->
/// relu`) takes the add too, when that value is computed before the conv: the kernel adds it
/// after the bias, before the activation, as the separate add would.
/// A zero `pad` of the spatial axes before a conv becomes the conv's own padding (Keras's
/// `ZeroPadding2D` before a stride-2 `valid` conv). A multiply of a value by a per-channel gate
/// (`[N or 1, C, 1, 1]`, a squeeze-and-excitation block's) whose one reader is a 1x1 conv is
/// done by that conv as it packs its input (the same products, rounded once each). Two transposes in a row whose permutations
/// cancel run as nothing. Last, a 1x1 convolution step and the depthwise convolution step that
/// reads its output become one step where ``PointwiseDepthwiseKernel`` runs them on
/// `instructionSet` (an inverted residual block's expansion and depthwise convolution). A layer
/// is fused into its predecessor only when it is that value's one reader and the value is not a
/// graph output.
enum Fusion {
    /// The steps of a run of `graph`, whose values have `shapes`, on `instructionSet`.
    static func groups(_ graph: Graph, shapes: [String: [Int]], instructionSet: InstructionSet = .best) -> [FusedLayer] {
        var readers: [String: [Int]] = [:]
        for (index, layer) in graph.layers.enumerated() {
            for input in Set(layer.inputs) { readers[input, default: []].append(index) }
        }
        let outputs = Set(graph.outputs.map(\.name))
        func soleReader(of name: String) -> Int? {
            guard !outputs.contains(name), let list = readers[name], list.count == 1 else { return nil }
            return list[0]
        }
        /// `(sigmoid, mul)` when `name` is read by exactly a Sigmoid and a Mul of `name` by that
        /// sigmoid's output, which nothing else reads: `x * sigmoid(x)`, SiLU as exporters
        /// before ONNX Swish-24 write it.
        func siluPair(of name: String) -> (sigmoid: Int, mul: Int)? {
            guard !outputs.contains(name), let list = readers[name], list.count == 2 else { return nil }
            for (s, m) in [(list[0], list[1]), (list[1], list[0])] {
                let sigmoid = graph.layers[s], mul = graph.layers[m]
                guard case .sigmoid = sigmoid.op, sigmoid.inputs == [name], soleReader(of: sigmoid.name) == m,
                    case .mul(let product) = mul.op, product.constant == nil, mul.inputs.count == 2, Set(mul.inputs) == [name, sigmoid.name]
                else { continue }
                return (s, m)
            }
            return nil
        }
        /// The layers `[add, clip, scale, mul]` when `name` is read by exactly `x + 3` and the
        /// last of `x * (clip(x + 3, 0, 6) * (1 / 6))`, each link the one reader of the one
        /// before, the constants exactly these floats (``HardSwishChain``).
        func hardSwishChain(of name: String) -> [Int]? {
            guard !outputs.contains(name), let list = readers[name], list.count == 2, let shape = shapes[name] else { return nil }
            func scalar(_ operand: ConstantOperand?, _ value: Float) -> Bool {
                guard let operand, operand.tensor.count == 1, operand.tensor.shape.count <= shape.count else { return false }
                return operand.tensor.elements.first?.bitPattern == value.bitPattern
            }
            for (a, m) in [(list[0], list[1]), (list[1], list[0])] {
                let add = graph.layers[a], mul = graph.layers[m]
                guard case .add(let shift) = add.op, scalar(shift.constant, 3), add.inputs == [name],
                    let c = soleReader(of: add.name), case .clip(let clip) = graph.layers[c].op, graph.layers[c].inputs == [add.name],
                    clip.min?.bitPattern == Float(0).bitPattern, clip.max?.bitPattern == Float(6).bitPattern,
                    let s = soleReader(of: graph.layers[c].name), case .mul(let scale) = graph.layers[s].op, graph.layers[s].inputs == [graph.layers[c].name],
                    scalar(scale.constant, 1 / 6), soleReader(of: graph.layers[s].name) == m,
                    case .mul(let product) = mul.op, product.constant == nil, mul.inputs.count == 2, Set(mul.inputs) == [name, graph.layers[s].name]
                else { continue }
                return [a, c, s, m]
            }
            return nil
        }
        var absorbed = Set<Int>()
        var groups: [FusedLayer] = []
        /// Takes a following activation into `group`'s kernel: `x * sigmoid(x)` as SiLU, the
        /// exported hard swish chain as ``HardSwishChain``, else the sole reader when it is an
        /// element-wise function.
        func absorbEpilogue(_ group: inout FusedLayer) {
            if let (sigmoid, mul) = siluPair(of: group.outputName) {
                group.epilogue = SiLU()
                group.outputName = graph.layers[mul].name
                group.opName += "+" + Sigmoid.info.name + "+" + Mul.info.name
                absorbed.formUnion([sigmoid, mul])
            } else if let chain = hardSwishChain(of: group.outputName), let last = chain.last {
                group.epilogue = HardSwishChain()
                group.outputName = graph.layers[last].name
                group.opName += HardSwishChain.opNames.map { "+" + $0 }.joined()
                absorbed.formUnion(chain)
            } else {
                absorbActivation(&group, graph: graph, soleReader: soleReader, absorbed: &absorbed)
            }
        }
        /// Takes the per-channel affine layers after `group` into its op by `fold`; leaves the
        /// group as it was when there are none or folding fails.
        func foldAffine(_ group: inout FusedLayer, channels: Int, channelAxis: Int, fold: (PerChannelAffine) -> Op?) {
            guard let rank = shapes[group.outputName]?.count else { return }
            var affine = PerChannelAffine(channels: channels, rank: rank, channelAxis: channelAxis)
            var candidate = group, taken: [Int] = []
            while let next = soleReader(of: candidate.outputName), affine.compose(graph.layers[next].op) {
                candidate.outputName = graph.layers[next].name
                candidate.opName += "+" + graph.layers[next].op.name
                taken.append(next)
            }
            guard !taken.isEmpty, let op = fold(affine) else { return }
            candidate.layer.op = op
            group = candidate
            absorbed.formUnion(taken)
        }
        var producer: [String: Int] = [:]
        for (index, layer) in graph.layers.enumerated() { producer[layer.name] = index }
        /// Takes a following `add` of the group's output and another value of its shape into a
        /// conv group, when that value exists before the conv runs (a graph input or a layer
        /// before it) and nothing else reads the conv's output.
        func absorbResidual(_ group: inout FusedLayer, at index: Int) {
            guard let next = soleReader(of: group.outputName), !absorbed.contains(next), case .add(let add) = graph.layers[next].op,
                add.constant == nil, graph.layers[next].inputs.count == 2
            else { return }
            let inputs = graph.layers[next].inputs
            guard let other = inputs.first(where: { $0 != group.outputName }), inputs.contains(group.outputName),
                let shape = shapes[other], shape == shapes[group.outputName], producer[other].map({ $0 < index }) ?? true
            else { return }
            group.layer.inputs.append(other)
            group.residual = other
            group.outputName = graph.layers[next].name
            group.opName += "+" + Add.info.name
            absorbed.insert(next)
        }
        /// `(x, gate)` when `mul` multiplies `x` (`[N, C, H, W]`) by `gate` (`[N or 1, C, 1, 1]`) and
        /// its one reader is a 1x1 stride-1 unpadded conv of one group (which can scale its input
        /// rows as it packs them).
        func scaledPointwise(_ mul: Layer, reader: Int) -> (x: String, gate: String)? {
            guard case .mul(let product) = mul.op, product.constant == nil, mul.inputs.count == 2, case .conv(let conv) = graph.layers[reader].op,
                conv.groups == 1, conv.kernelSize == [1, 1], conv.stride.allSatisfy({ $0 == 1 }), conv.dilation.allSatisfy({ $0 == 1 })
            else { return nil }
            switch conv.padding {
            case .valid, .same: break  // a 1x1 stride-1 window pads nothing for "same"
            case .explicit(let begin, let end) where (begin + end).allSatisfy({ $0 == 0 }): break
            case .explicit: return nil
            }
            for (x, gate) in [(mul.inputs[0], mul.inputs[1]), (mul.inputs[1], mul.inputs[0])] {
                guard let full = shapes[x], let scale = shapes[gate], full.count == 4, scale.count == 4, shapes[mul.name] == full,
                    scale[0] == 1 || scale[0] == full[0], scale[1] == full[1], scale[2] == 1, scale[3] == 1
                else { continue }
                return (x, gate)
            }
            return nil
        }
        for (index, layer) in graph.layers.enumerated() where !absorbed.contains(index) {
            var group = FusedLayer(layer: layer)
            if case .pad(let pad) = layer.op, let next = soleReader(of: layer.name), case .conv(let conv) = graph.layers[next].op,
                let merged = merge(pad, into: conv)
            {
                group.layer = Layer(graph.layers[next].name, .conv(merged), inputs: layer.inputs)
                group.outputName = graph.layers[next].name
                group.opName = Pad.info.name + "+" + Conv.info.name
                absorbed.insert(next)
            } else if let next = soleReader(of: layer.name), let (x, gate) = scaledPointwise(layer, reader: next) {
                group.layer = Layer(graph.layers[next].name, graph.layers[next].op, inputs: [x, gate])
                group.outputName = graph.layers[next].name
                group.opName = Mul.info.name + "+" + Conv.info.name
                group.inputScale = gate
                absorbed.insert(next)
            }
            switch group.layer.op {
            case .conv(let conv):
                foldAffine(&group, channels: conv.filters, channelAxis: 1) { affine in affine.fold(into: conv).map(Op.conv) }
                absorbResidual(&group, at: index)
                absorbEpilogue(&group)
            case .dense(let dense):
                foldAffine(&group, channels: dense.units, channelAxis: -1) { affine in affine.fold(into: dense).map(Op.dense) }
                absorbEpilogue(&group)
            case .batchNorm(let norm):
                foldAffine(&group, channels: norm.mean.count, channelAxis: 1) { affine in affine.fold(into: norm).map(Op.batchNorm) }
            case .transpose(let first):
                // out[j] = in[p1[p2[j]]]: nothing moves when p1[p2[j]] = j for every axis.
                if let next = soleReader(of: group.outputName), case .transpose(let second) = graph.layers[next].op,
                    let rank = shapes[group.outputName]?.count, let p1 = try? first.resolvedPermutation(rank: rank),
                    let p2 = try? second.resolvedPermutation(rank: rank), p2.indices.allSatisfy({ p1[p2[$0]] == $0 })
                {
                    group.layer.op = .identity(Identity())
                    group.outputName = graph.layers[next].name
                    group.opName += "+" + Transpose.info.name
                    absorbed.insert(next)
                }
            case .convTranspose, .add:
                absorbEpilogue(&group)
            case .sigmoid:
                // On its own, `x * sigmoid(x)` is one SiLU pass instead of two.
                if let input = layer.inputs.first, let (sigmoid, mul) = siluPair(of: input), sigmoid == index {
                    group.layer = Layer(graph.layers[mul].name, .silu(SiLU()), inputs: [input])
                    group.outputName = graph.layers[mul].name
                    group.opName += "+" + Mul.info.name
                    absorbed.insert(mul)
                }
            default:
                break
            }
            groups.append(group)
        }
        return pairingDepthwise(groups, shapes: shapes, instructionSet: instructionSet) { soleReader(of: $0) != nil }
    }

    /// `groups` with each 1x1 convolution step merged with the depthwise convolution step that
    /// reads its output (``FusedLayer/depthwise``) where ``PointwiseDepthwiseKernel`` applies:
    /// neither with a residual sum or an input scale, `soleRead` of the 1x1 step's output (one
    /// reader, not a graph output). The merged step takes the 1x1 step's place (its inputs are
    /// ready there; the depthwise step read nothing else).
    private static func pairingDepthwise(
        _ groups: [FusedLayer], shapes: [String: [Int]], instructionSet: InstructionSet, soleRead: (String) -> Bool
    ) -> [FusedLayer] {
        var readerStep: [String: Int] = [:]
        for (index, group) in groups.enumerated() where group.layer.inputs.count == 1 { readerStep[group.layer.inputs[0]] = index }
        func plainConv(_ group: FusedLayer) -> Conv? {
            guard case .conv(let conv) = group.layer.op, group.residual == nil, group.inputScale == nil, group.depthwise == nil,
                group.layer.inputs.count == 1
            else { return nil }
            return conv
        }
        var merged: [FusedLayer] = [], taken = Set<Int>()
        for (index, group) in groups.enumerated() where !taken.contains(index) {
            guard let pointwise = plainConv(group), soleRead(group.outputName), let next = readerStep[group.outputName], next > index,
                let depthwise = plainConv(groups[next]), let input = shapes[group.layer.inputs[0]],
                PointwiseDepthwiseKernel.applies(
                    pointwise: pointwise, pointwiseStored: group.epilogue.map { $0.stored != nil } ?? true, depthwise: depthwise,
                    depthwiseStored: groups[next].epilogue.map { $0.stored != nil } ?? true, input: input, instructionSet: instructionSet)
            else {
                merged.append(group)
                continue
            }
            var pair = group
            pair.depthwise = (groups[next].layer, groups[next].epilogue)
            pair.outputName = groups[next].outputName
            pair.opName += "+" + groups[next].opName
            merged.append(pair)
            taken.insert(next)
        }
        return merged
    }

    /// `conv` reading `pad`'s output directly: zero padding of the spatial axes only, before a
    /// conv with explicit or no padding, is the same as the conv padding by the sum.
    static func merge(_ pad: Pad, into conv: Conv) -> Conv? {
        let spatial = conv.kernelSize.count, rank = spatial + 2
        guard pad.mode == .constant, pad.value == 0, pad.value.sign == .plus, pad.pads.count == 2 * rank,
            pad.pads[0] == 0, pad.pads[1] == 0, pad.pads[rank] == 0, pad.pads[rank + 1] == 0
        else { return nil }
        let begin = Array(pad.pads[2..<rank]), end = Array(pad.pads[(rank + 2)...])
        var merged = conv
        switch conv.padding {
        case .valid: merged.padding = .explicit(begin: begin, end: end)
        case .explicit(let b, let e) where b.count == spatial && e.count == spatial:
            merged.padding = .explicit(begin: zip(b, begin).map(+), end: zip(e, end).map(+))
        case .explicit, .same: return nil
        }
        return merged
    }

    private static func absorbActivation(
        _ group: inout FusedLayer, graph: Graph, soleReader: (String) -> Int?, absorbed: inout Set<Int>
    ) {
        guard let next = soleReader(group.outputName), let function = graph.layers[next].op.elementwiseFunction else { return }
        group.epilogue = function
        group.outputName = graph.layers[next].name
        group.opName += "+" + graph.layers[next].op.name
        absorbed.insert(next)
    }

    /// The elements of a materialized tensor of `count` elements, else nil.
    static func perFilter(_ tensor: Tensor, _ count: Int) -> UnsafeBufferPointer<Float>? {
        guard let buffer = tensor.storage?.buffer, buffer.count == count else { return nil }
        return buffer
    }

    /// `.some(nil)` for an absent tensor, `.some(buffer)` for a fitting one, nil otherwise.
    static func optionalPerFilter(_ tensor: Tensor?, _ count: Int) -> UnsafeBufferPointer<Float>?? {
        guard let tensor else { return .some(nil) }
        return perFilter(tensor, count).map { .some($0) }
    }
}
