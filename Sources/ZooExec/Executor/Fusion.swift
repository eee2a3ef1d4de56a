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

    init(layer: Layer) {
        self.layer = layer
        outputName = layer.name
        opName = layer.op.name
        epilogue = nil
    }
}

/// Inference-time fusion: `conv -> batchnorm -> activation` becomes one conv step whose weights
/// hold the batch norm,
///
///     s = gamma / sqrt(variance + epsilon),  W'[o] = s[o] W[o],  b'[o] = s[o] (b[o] - mean[o]) + beta[o]
///
/// (computed in double precision, rounded once), and whose kernel applies the activation to each
/// output channel right after the matrix product. Dense and add layers (a residual sum followed by
/// ReLU) take a following activation too.
/// A zero `pad` of the spatial axes before a conv becomes the conv's own padding (Keras's
/// `ZeroPadding2D` before a stride-2 `valid` conv). A layer is fused into its predecessor only when
/// it is that value's one reader and the value is not a graph output.
enum Fusion {
    static func groups(_ graph: Graph) -> [FusedLayer] {
        var readers: [String: [Int]] = [:]
        for (index, layer) in graph.layers.enumerated() {
            for input in Set(layer.inputs) { readers[input, default: []].append(index) }
        }
        let outputs = Set(graph.outputs.map(\.name))
        func soleReader(of name: String) -> Int? {
            guard !outputs.contains(name), let list = readers[name], list.count == 1 else { return nil }
            return list[0]
        }
        var absorbed = Set<Int>()
        var groups: [FusedLayer] = []
        for (index, layer) in graph.layers.enumerated() where !absorbed.contains(index) {
            var group = FusedLayer(layer: layer)
            if case .pad(let pad) = layer.op, let next = soleReader(of: layer.name), case .conv(let conv) = graph.layers[next].op,
                let merged = merge(pad, into: conv)
            {
                group.layer = Layer(graph.layers[next].name, .conv(merged), inputs: layer.inputs)
                group.outputName = graph.layers[next].name
                group.opName = Pad.info.name + "+" + Conv.info.name
                absorbed.insert(next)
            }
            switch group.layer.op {
            case .conv(var conv):
                if let next = soleReader(of: group.outputName), case .batchNorm(let norm) = graph.layers[next].op,
                    let folded = fold(norm, into: conv)
                {
                    conv = folded
                    group.layer.op = .conv(conv)
                    group.outputName = graph.layers[next].name
                    group.opName += "+" + BatchNorm.info.name
                    absorbed.insert(next)
                }
                absorbActivation(&group, graph: graph, soleReader: soleReader, absorbed: &absorbed)
            case .dense, .add:
                absorbActivation(&group, graph: graph, soleReader: soleReader, absorbed: &absorbed)
            default:
                break
            }
            groups.append(group)
        }
        return groups
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

    /// `conv` with `norm` folded into its kernel and bias, or nil when a tensor is not
    /// materialized or the shapes do not line up (the unfused kernels then report it).
    static func fold(_ norm: BatchNorm, into conv: Conv) -> Conv? {
        let filters = conv.filters
        guard filters > 0, let kernel = conv.kernel.storage?.buffer,
            let mean = perFilter(norm.mean, filters), let variance = perFilter(norm.variance, filters),
            let gamma = optionalPerFilter(norm.gamma, filters), let beta = optionalPerFilter(norm.beta, filters),
            let bias = optionalPerFilter(conv.bias, filters)
        else { return nil }
        let length = kernel.count / filters
        var scale: [Double] = []
        for o in 0..<filters {
            let g = Double(gamma.map { $0[o] } ?? 1)
            scale.append(g / (Double(variance[o]) + Double(norm.epsilon)).squareRoot())
        }
        do {
            let newKernel = try TensorStorage(count: kernel.count) { values in
                for index in 0..<kernel.count { values[index] = Float(Double(kernel[index]) * scale[index / length]) }
            }
            let newBias = try TensorStorage(count: filters) { values in
                for o in 0..<filters {
                    let b = Double(bias.map { $0[o] } ?? 0), shift = Double(beta.map { $0[o] } ?? 0)
                    values[o] = Float(scale[o] * (b - Double(mean[o])) + shift)
                }
            }
            var folded = conv
            folded.kernel = try Tensor(shape: conv.kernel.shape, storage: newKernel)
            folded.bias = try Tensor(shape: [filters], storage: newBias)
            return folded
        } catch {
            return nil
        }
    }

    /// The elements of a materialized tensor of `count` elements, else nil.
    private static func perFilter(_ tensor: Tensor, _ count: Int) -> UnsafeBufferPointer<Float>? {
        guard let buffer = tensor.storage?.buffer, buffer.count == count else { return nil }
        return buffer
    }

    /// `.some(nil)` for an absent tensor, `.some(buffer)` for a fitting one, nil otherwise.
    private static func optionalPerFilter(_ tensor: Tensor?, _ count: Int) -> UnsafeBufferPointer<Float>?? {
        guard let tensor else { return .some(nil) }
        return perFilter(tensor, count).map { .some($0) }
    }
}
