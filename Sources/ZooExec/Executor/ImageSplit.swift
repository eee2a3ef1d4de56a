import ZooCore

/// A batch that runs image by image: the graph bound to one image, when every value holds one
/// slice per image along axis 0 and no step mixes them.
///
/// A step's kernels then see one image's activations, whatever the batch: a batch of 8 runs
/// through the caches as 8 runs of one (the whole batch's activations of a layer exceed the
/// caches where one image's do not), its live values are one image's, and the threads take an
/// image each (no step waits on the others). The arithmetic of each image is the one of a batch
/// of one, so results stay identical for every thread count.
///
/// The batch splits when the graph's inputs all have the same batch `N > 1` and
/// - every value's shape is `[N, ...]` and, with the inputs bound to `[1, ...]` (and a reshape
///   or expand that names `N` taking 1 there: ``forOneImage(_:images:)``), `[1, ...]` with the
///   same other dimensions (a reshape or broadcast that moves data between images changes a
///   shape, so it is found here);
/// - no op works along axis 0 while keeping the shapes (``keepsImagesApart(_:inputs:output:)``).
struct ImageSplit {
    /// The graph with its inputs bound to one image.
    let graph: Graph
    /// Every value's shape for one image.
    let shapes: [String: [Int]]
    /// The batch size `N`.
    let images: Int

    /// The split of `graph` (bound, every value's shape in `shapes`), or nil when it runs whole.
    init?(_ graph: Graph, shapes: [String: [Int]]) {
        guard let images = graph.inputs.first.flatMap({ shapes[$0.name]?.first }), images > 1,
            graph.inputs.allSatisfy({ shapes[$0.name]?.first == images })
        else { return nil }
        for layer in graph.layers {
            let inputs = layer.inputs.compactMap { shapes[$0] }
            guard inputs.count == layer.inputs.count, let output = shapes[layer.name], Self.keepsImagesApart(layer.op, inputs: inputs, output: output)
            else { return nil }
        }
        let single = graph.inputs.map { input -> GraphInput in
            var copy = input
            copy.shape = Shape([1] + (shapes[input.name] ?? []).dropFirst())
            return copy
        }
        let layers = graph.layers.map { Layer($0.name, Self.forOneImage($0.op, images: images), inputs: $0.inputs, frozen: $0.frozen) }
        guard let one = try? Graph(inputs: single, layers: layers, outputs: graph.outputs),
            let inferred = try? ShapeInference.infer(one)
        else { return nil }
        var perImage: [String: [Int]] = [:]
        for (name, shape) in shapes {
            guard shape.first == images, let concrete = inferred[name]?.concrete, concrete == [1] + shape.dropFirst() else { return nil }
            perImage[name] = concrete
        }
        self.graph = one
        self.shapes = perImage
        self.images = images
    }

    /// `op` for one image where it names the batch's size: a reshape's target or an expand's
    /// shape whose first entry is `images` (an importer that folds a `Shape` node writes the
    /// batch it was given) takes 1 there. Every value being `[images, ...]`, such a reshape keeps
    /// each image's elements where they were.
    static func forOneImage(_ op: Op, images: Int) -> Op {
        switch op {
        case .reshape(let reshape) where reshape.target.first == images:
            return .reshape(Reshape(target: [1] + reshape.target.dropFirst(), allowZero: reshape.allowZero))
        case .expand(let expand) where expand.shape.first == images:
            return .expand(Expand(shape: [1] + expand.shape.dropFirst()))
        default:
            return op
        }
    }

    /// Whether `op` on inputs of these shapes computes each image's output from that image's
    /// inputs alone, given that every shape keeps axis 0 as the batch: false for the ops that
    /// work along axis 0 (a softmax, concatenation, gather, slice, reduction or layer norm over
    /// it, a transpose that moves it, a pad of it), for a product of two matrices that are
    /// both values (rank 2: the batch axis is a matrix axis), and for a broadcast from an input
    /// of lower rank than the output (its axis 0 is not the batch: the trailing axes align).
    static func keepsImagesApart(_ op: Op, inputs: [[Int]], output: [Int]) -> Bool {
        guard let first = inputs.first.map(Shape.init) else { return true }
        func along(_ axis: Int) -> Bool { (try? first.normalizedAxis(axis, for: op.name)) != 0 }
        let sameRank = inputs.allSatisfy { $0.count == output.count }
        switch op {
        case .softmax(let softmax): return along(softmax.axis)
        case .logSoftmax(let softmax): return along(softmax.axis)
        case .concat(let concat): return along(concat.axis)
        case .gather(let gather): return along(gather.axis)
        case .flatten(let flatten): return along(flatten.axis)
        case .layerNorm(let norm): return along(norm.axis)
        case .slice(let slice): return slice.axes.allSatisfy(along)
        case .reduceMean(let reduction): return (try? reduction.resolvedAxes(first))?.contains(0) == false
        case .reduceSum(let reduction): return (try? reduction.resolvedAxes(first))?.contains(0) == false
        case .reduceMax(let reduction): return (try? reduction.resolvedAxes(first))?.contains(0) == false
        case .reduceMin(let reduction): return (try? reduction.resolvedAxes(first))?.contains(0) == false
        case .transpose(let transpose): return transpose.permutation?.first == 0
        case .pad(let pad): return pad.pads.count == 2 * first.rank && pad.pads[0] == 0 && pad.pads[first.rank] == 0
        case .matMul: return inputs.count < 2 || sameRank && output.count > 2
        case .add, .sub, .mul, .div, .pow, .mean, .maximum, .minimum, .expand: return sameRank
        case .conv, .convTranspose, .maxPool, .averagePool, .globalAveragePool, .globalMaxPool, .dense, .batchNorm, .normalization, .relu,
            .clip, .sigmoid, .tanh, .leakyRelu, .prelu, .hardSigmoid, .hardSwish, .silu, .elu, .selu, .softplus, .gelu, .lrn, .sqrt, .exp,
            .log, .neg, .abs, .reciprocal, .erf, .reshape, .resize, .dropout, .identity, .instanceNorm, .groupNorm:
            return true
        }
    }
}
