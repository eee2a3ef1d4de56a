import ZooCore

/// A weights-only Keras file (Keras 2 `save_weights` `.h5`, Keras 3 `.weights.h5`) mapped onto a
/// zoo spec (channels-first IR layers): conv, transposed conv, dense and batch-norm layers take the Keras
/// weights of the same name (else, in order, those of a Keras layer no spec layer names, when the
/// shapes fit), converted by ``KerasLayout``'s rules. A dense layer that reads the flatten of a
/// `[N, C, H, W]` map gets its rows reordered from Keras's `(h, w, c)` to the IR's `(c, h, w)`
/// order — the permutation a converter must not forget.
extension KerasReader {
    /// `spec` with its declared weights taken from the weights-only Keras file at `path`, which
    /// libhdf5 reads where `isolation` says.
    public static func load(path: String, onto spec: Model, isolation: HDF5Isolation = .standard) throws -> Model {
        do {
            let file = try contents(path: path, isolation: isolation)
            let root = file.root
            let weights = try KerasWeights.read(file: file, root: root)
            let shapes = try ShapeInference.infer(spec.graph)
            var expected: [(layer: String, shapes: [[Int?]?])] = []
            for layer in spec.graph.layers {
                let declared = kerasShapes(of: layer.op, input: layer.inputs.first.flatMap { shapes[$0] })
                if !declared.isEmpty { expected.append((layer.name, declared.map { Optional($0) })) }
            }
            try weights.check(expected)
            let producers = Dictionary(spec.graph.layers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            var model = spec
            var rules: [String] = []
            model.graph = try spec.graph.mappingOps { layer in
                try convert(layer, weights: try weights.tensors(for: layer.name), shapes: shapes, producers: producers, rules: &rules)
            }
            try weights.checkAllUsed()
            model.layoutRules = rules
            model.format = "keras-weights"
            model.source = path
            return model
        } catch let error as ZooError {
            throw error.inFile(path)
        }
    }

    /// The Keras shapes of `op`'s weights, in Keras's order (`nil` where any size fits).
    static func kerasShapes(of op: Op, input: Shape?) -> [[Int?]] {
        switch op {
        case .conv(let conv):
            let channels = input.flatMap { $0.rank > 1 ? $0[1].value : nil }
            let spatial = conv.kernelSize.map { $0 as Int? }
            let kernel: [Int?] = conv.groups > 1 && conv.groups == channels
                ? spatial + [channels, conv.filters / conv.groups] : spatial + [conv.kernel.shape[1], conv.filters]
            return [kernel] + (conv.bias != nil ? [[conv.filters]] : [])
        case .convTranspose(let op):
            // (k..., C_out, C_in): Keras's transposed convs have no groups, so C_out is all of them.
            let kernel: [Int?] = op.kernelSize.map { $0 as Int? } + [op.kernel.shape.count > 1 ? op.kernel.shape[1] : nil, op.inputChannels]
            return [kernel] + (op.bias != nil ? [[op.filters]] : [])
        case .dense(let dense):
            return [[dense.features, dense.units]] + (dense.bias != nil ? [[dense.units]] : [])
        case .batchNorm(let norm):
            let channels = norm.mean.shape.first
            return Array(repeating: [channels], count: 2 + (norm.gamma != nil ? 1 : 0) + (norm.beta != nil ? 1 : 0))
        default:
            return []
        }
    }

    /// `layer`'s op with `tensors` (Keras layout, Keras order) as its weights.
    static func convert(_ layer: Layer, weights tensors: [Tensor], shapes: [String: Shape], producers: [String: Layer], rules: inout [String]) throws -> Op {
        switch layer.op {
        case .conv(var conv):
            let channels = layer.inputs.first.flatMap { shapes[$0] }.flatMap { $0.rank > 1 ? $0[1].value : nil }
            let depthwise = conv.groups > 1 && conv.groups == channels
            conv.kernel = depthwise ? try KerasLayout.depthwiseKernel(tensors[0]) : try KerasLayout.convKernel(tensors[0])
            rules.append(KerasLayout.explanation(layer: layer.name, rule: "kernel \(tensors[0].shape) -> \(conv.kernel.shape)"))
            if conv.bias != nil { conv.bias = tensors[1] }
            return .conv(conv)
        case .convTranspose(var op):
            guard op.groups == 1 else {
                throw ZooError(
                    .unsupported, "Keras transposed convs have no groups, so no Keras weights fit. Received: groups \(op.groups) in '\(layer.name)'.",
                    layer: layer.name)
            }
            op.kernel = try KerasLayout.convTransposeKernel(tensors[0])
            rules.append(KerasLayout.explanation(layer: layer.name, rule: "kernel \(tensors[0].shape) -> \(op.kernel.shape)"))
            if op.bias != nil { op.bias = tensors[1] }
            return .convTranspose(op)
        case .dense(var dense):
            var kernel = try KerasLayout.denseKernel(tensors[0])
            rules.append(KerasLayout.explanation(layer: layer.name, rule: KerasLayout.denseKernelRule(kernel)))
            if let flatten = layer.inputs.first.flatMap({ producers[$0] }), case .flatten = flatten.op,
                let map = flatten.inputs.first.flatMap({ shapes[$0] }), map.rank == 4,
                let c = map[1].value, let h = map[2].value, let w = map[3].value, c * h * w == kernel.shape[0]
            {
                kernel = try KerasLayout.denseRowsHWCToCHW(kernel, channels: c, height: h, width: w)
                rules.append(KerasLayout.explanation(layer: layer.name, rule: "rows reordered from Keras's flatten order (h, w, c) to (c, h, w), C \(c), H \(h), W \(w)"))
            }
            dense.weight = kernel
            dense.weightOrder = KerasLayout.denseWeightOrder
            if dense.bias != nil { dense.bias = tensors[1] }
            return .dense(dense)
        case .batchNorm(var norm):
            var next = 0
            func take() -> Tensor {
                defer { next += 1 }
                return tensors[next]
            }
            if norm.gamma != nil { norm.gamma = take() }
            if norm.beta != nil { norm.beta = take() }
            norm.mean = take()
            norm.variance = take()
            return .batchNorm(norm)
        default:
            return layer.op
        }
    }
}
