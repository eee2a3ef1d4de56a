import CZooKernels
import ZooCore

/// A 1x1 convolution and the depthwise convolution that reads its output, as one step (the
/// expansion and depthwise convolution of MobileNet v2's and EfficientNet's inverted residual
/// blocks, each with its batch norm folded in and its activation):
///
///     E[c, p] = f(b[c] + sum_k W[c, k] X[k, p]),   Y = g(depthwise(E) + b_d)
///
/// computed per image in blocks of two vectors of channels (32 on AVX-512, 16 on AVX2): a
/// block's `E` is the swapped product `X^T W^T` (the pixels on the micro-tile's rows, read in
/// place from the input planes; the filters, packed here once, on its vectors), each pixel stored
/// straight into the depthwise convolution's channel-blocked bordered plane (``PlaneWindow``'s
/// pairs), which the depthwise convolution then reads. The intermediate stays in the core's
/// cache instead of going through memory and is never transposed: where a block's bordered
/// plane passes 1 MiB (112 x 112 planes), in bands of about 512 outputs, each band's products
/// computed just before the band reads them (MobileNet v2's 112 x 112 pair at one thread: 0.34
/// ms against 0.39 in one pass). The vectors of channels are
/// spread over the threads (a block's two at once where one thread has both: MobileNet v2's 96
/// channels are six vectors, three a thread, where three blocks would leave one thread two).
/// Each value is computed as the two convolutions' own kernels compute it, so the output has
/// the bits of the two steps run one after the other.
///
/// Measured per pair inside MobileNet v2 at one thread (AVX-512, against the two steps): 112 x
/// 112 with 96 channels 0.32 ms against 0.44, 14 x 14 with 384 0.059 against 0.082.
struct PointwiseDepthwiseKernel: Kernel {
    private let window: PlaneWindow
    /// The 1x1 convolution's filters by blocks: filter `b 2V + l`, input channel `k` at `(b depth
    /// + k) 2V + l` (0 past the filters).
    private let packed: TensorStorage
    /// Its bias, `2V` per block (0 past the filters), or nil.
    private let pointwiseBias: TensorStorage?
    private let pointwiseActivation: StoredActivation
    private let depthwiseWeights: Tensor, depthwiseBias: Tensor?
    private let depthwiseActivation: StoredActivation
    /// The 1x1 convolution's input channels, and its filters in vectors of `V`.
    private let depth: Int, vectors: Int
    private let instructionSet: InstructionSet
    private let outputShape: [Int]

    /// The most floats of a block's filters (the depth times two vectors): 16 KiB, which stay in
    /// L1 while every panel of pixels reads them. Deeper 1x1 convolutions cost more as pairs than
    /// as two steps, the matrix path's larger tiles winning over what the pair saves (measured
    /// on AVX-512 at one thread: MobileNet v1's 512-deep pair on 7 x 7 planes 0.33 ms against
    /// 0.27, MobileNet v2's 160-deep one 0.114 against 0.104; 96-deep ones still gain).
    static let filterBlockLimit = 4096

    /// Whether the pair runs as one step: a 1x1 stride-1 unpadded convolution of one group whose
    /// filters are a whole number of vectors, with a block of filters within
    /// ``filterBlockLimit``, and the depthwise convolution of its output (one filter per
    /// channel), each with no activation or one the kernels apply as they store
    /// (`pointwiseStored`, `depthwiseStored`), on AVX2 or AVX-512 with the blocked plane within
    /// its limit (``PlaneWindow/Blocking/pairs``).
    static func applies(
        pointwise: Conv, pointwiseStored: Bool, depthwise: Conv, depthwiseStored: Bool, input: [Int], instructionSet: InstructionSet
    ) -> Bool {
        guard pointwiseStored, depthwiseStored else { return false }
        return (try? plan(pointwise, depthwise, input: input, instructionSet: instructionSet)) != nil
    }

    /// The 1x1 convolution's geometry and the depthwise convolution's plane window in pairs, or
    /// an error naming the rule the pair breaks (``applies(pointwise:pointwiseStored:depthwise:depthwiseStored:input:instructionSet:)``).
    private static func plan(
        _ pointwise: Conv, _ depthwise: Conv, input: [Int], instructionSet: InstructionSet
    ) throws -> (pointwise: WindowGeometry, window: PlaneWindow) {
        let p = try WindowGeometry(pointwise.window, input: input, op: Conv.info.name)
        let channels = pointwise.filters, lanes = Int(zoo_kernels_vector_floats(instructionSet.rawValue))
        let d = try WindowGeometry(depthwise.window, input: [p.batch, channels, p.outHeight, p.outWidth], op: Conv.info.name)
        let window = try PlaneWindow(d, fill: 0, instructionSet: instructionSet, op: Conv.info.name, blocking: .pairs)
        // (The kernel's panel of the last pixels holds one block of depth, which the limit keeps to.)
        guard instructionSet != .generic, window.blocked != nil, pointwise.groups == 1, p.kernelHeight == 1, p.kernelWidth == 1,
            p.strideHeight == 1, p.strideWidth == 1, p.isUnpadded, pointwise.kernel.elements.count == channels * p.channels,
            channels % lanes == 0, depthwise.groups == channels, depthwise.filters == channels,
            depthwise.kernel.elements.count == channels * d.kernelHeight * d.kernelWidth,
            (pointwise.bias?.elements.count ?? channels) == channels, (depthwise.bias?.elements.count ?? channels) == channels,
            try Checked.multiply(p.channels, window.blockedPixel, "the filters of \(Conv.info.name)") <= filterBlockLimit
        else {
            throw ZooError(
                .invalidGraph,
                "A fused 1x1 and depthwise convolution needs a 1x1 stride-1 unpadded convolution of one group with a whole number of vectors of filters and a block of filters of at most \(filterBlockLimit) floats, then one filter per channel, on AVX2 or AVX-512. Received: \(channels) filters of depth \(p.channels), a depthwise convolution of \(depthwise.groups) groups.")
        }
        return (p, window)
    }

    /// - Parameters:
    ///   - pointwise: the 1x1 convolution reading `input`, and the activation its tiles store.
    ///   - depthwise: the depthwise convolution of its output, producing `output`, and its activation.
    init(
        pointwise: Conv, pointwiseActivation: StoredActivation, depthwise: Conv, depthwiseActivation: StoredActivation, input: [Int],
        output: [Int], instructionSet: InstructionSet
    ) throws {
        let (p, window) = try Self.plan(pointwise, depthwise, input: input, instructionSet: instructionSet)
        let d = window.geometry, channels = pointwise.filters, lanes = window.blockedPixel
        guard output == [d.batch, channels, d.outHeight, d.outWidth] else {
            throw ZooError(
                .invalidGraph, "A fused 1x1 and depthwise convolution's output must be \([d.batch, channels, d.outHeight, d.outWidth]). Received: \(output).")
        }
        self.window = window
        try BLAS.checkSizes([p.channels, channels, p.inputPlane, d.outputPlane], op: Conv.info.name)
        let depth = p.channels, blocks = (channels + lanes - 1) / lanes
        self.depth = depth
        vectors = channels / (lanes / 2)
        let weights = pointwise.kernel.elements
        packed = try TensorStorage(count: try Checked.product([blocks, depth, lanes], "the packed filters of \(Conv.info.name)")) { buffer in
            for block in 0..<blocks {
                for k in 0..<depth {
                    for lane in 0..<lanes {
                        let filter = block * lanes + lane
                        buffer[(block * depth + k) * lanes + lane] = filter < channels ? weights[filter * depth + k] : 0
                    }
                }
            }
        }
        pointwiseBias = try pointwise.bias.map { bias in
            try TensorStorage(count: blocks * lanes) { buffer in
                for filter in 0..<(blocks * lanes) { buffer[filter] = filter < channels ? bias.elements[filter] : 0 }
            }
        }
        self.pointwiseActivation = pointwiseActivation
        depthwiseWeights = depthwise.kernel
        depthwiseBias = depthwise.bias
        self.depthwiseActivation = depthwiseActivation
        self.instructionSet = instructionSet
        outputShape = output
    }

    var algorithm: String { "pointwise-depthwise" }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        let x = inputs[0].elements, window = window, isa = instructionSet
        let g = window.geometry
        // Each thread's bordered plane and tables.
        let perThread = window.perThread
        let scratch = try context.scratch(count: try Checked.multiply(perThread, context.threads, "the fused convolution scratch"))
        return try context.tensor(shape: outputShape) { y in
            guard let xBase = x.baseAddress, let yBase = y.baseAddress, let scratchBase = scratch.buffer.baseAddress,
                let weights = packed.buffer.baseAddress, let depthwiseBase = depthwiseWeights.elements.baseAddress
            else { return }
            let bias = pointwiseBias?.buffer.baseAddress, depthwiseBias = depthwiseBias?.elements.baseAddress
            let (pointwise, depthwise) = (pointwiseActivation, depthwiseActivation)
            for n in 0..<g.batch {
                let input = xBase + n * depth * g.inputPlane, output = yBase + n * g.channels * g.outputPlane
                Parallel.forEachChunk(vectors, threads: context.threads) { range, chunk in
                    let threadScratch = scratchBase + chunk * perThread
                    window.withDescription(nil, weights: depthwiseBase, scratch: threadScratch) { description in
                        var pair = zoo_kernels_pointwise_depthwise_pair(
                            input: input, depth: Int32(depth), weights: weights, bias: bias, low: pointwise.low, high: pointwise.high,
                            activation: Int32(pointwise.function.rawValue), depthwise: description)
                        zoo_kernels_pointwise_depthwise(
                            isa.rawValue, &pair, Int32(range.lowerBound), Int32(range.count), depthwiseBias, depthwise.low, depthwise.high,
                            Int32(depthwise.function.rawValue), output)
                    }
                }
            }
            withExtendedLifetime((scratch, packed, pointwiseBias)) {}
        }
    }
}
