import ZooCore

/// Every layout rule between Keras and the IR, in one place.
///
/// Keras stores kernels in the order its (channels-last) kernels read them; the IR's are
/// channels-first (ONNX's). Each rule is a pure permutation of the elements, described in
/// ``explanation`` so that `zoo convert --explain` can list what was applied:
///
/// - Conv kernels `HWIO (k_h, k_w, C_in/groups, C_out)` -> `OIHW (C_out, C_in/groups, k_h, k_w)`;
///   1-D `(k, C_in, C_out)` -> `(C_out, C_in, k)`.
/// - Transposed-conv kernels `(k_h, k_w, C_out, C_in)` -> `(C_in, C_out, k_h, k_w)` (ONNX
///   ConvTranspose's order); 1-D `(k, C_out, C_in)` -> `(C_in, C_out, k)`: the same move of the
///   spatial axes behind the two channel axes, which swap, as for conv kernels.
/// - Depthwise kernels `(k_h, k_w, C, M)` -> `(C M, 1, k_h, k_w)`, output channel `c M + m`,
///   with `groups = C`.
/// - Dense kernels `(in, out)` are kept as they are: the IR dense layer takes its weight in either
///   order (``Dense/WeightOrder/inOut`` here, as ONNX Gemm with `transB = 0`), so a large kernel
///   is never transposed. When a zoo spec's dense layer reads the flatten of an NCHW map, Keras's
///   rows (flattened in `(h, w, c)` order) are reordered to `(c, h, w)`.
/// - A channels-last tensor of rank `r >= 3` is held in the IR channels-first: Keras axis
///   `r - 1` is IR axis 1 and Keras axes `1 ... r - 2` shift up by one (``irAxis(_:rank:)``).
///   Layers whose result depends on element order (Flatten, Reshape, Permute, Dense on a rank
///   above 2) see the tensor back in Keras's order through an explicit transpose, so a Flatten
///   of an NHWC tensor feeding a Dense layer keeps Keras's (h, w, c) feature order — the
///   classic permutation trap cannot happen silently.
/// - A PReLU alpha has the input's Keras shape without the batch (shared axes 1): for a
///   channels-last input held channels-first, `(d_1, ..., d_{r-2}, C)` -> `(C, d_1, ..., d_{r-2})`
///   (``toChannelsFirst(rank:)`` without the batch axis), a slope the IR's input broadcasts.
/// - Keras `same` padding is TensorFlow's: the odd element at the end (``Padding/same(extra:)``
///   with `.end`). A transposed conv's `padding` and `output_padding` become explicit crops and
///   an output padding (``transposedPadding(same:outputPadding:kernel:stride:dilation:)``).
enum KerasLayout {
    /// `(k_h, k_w, C_in, C_out)` or `(k, C_in, C_out)` -> `(C_out, C_in, k_h, k_w)` / `(C_out, C_in, k)`.
    static func convKernel(_ kernel: Tensor) throws -> Tensor {
        try channelsBeforeSpatial(kernel, what: "A Keras conv kernel must be (k, C_in, C_out) or (k_h, k_w, C_in, C_out)")
    }

    /// A Keras transposed-conv kernel `(k_h, k_w, C_out, C_in)` or `(k, C_out, C_in)` ->
    /// `(C_in, C_out, k_h, k_w)` / `(C_in, C_out, k)`.
    static func convTransposeKernel(_ kernel: Tensor) throws -> Tensor {
        try channelsBeforeSpatial(kernel, what: "A Keras transposed-conv kernel must be (k, C_out, C_in) or (k_h, k_w, C_out, C_in)")
    }

    /// `(spatial..., a, b)` -> `(b, a, spatial...)`, for 1 or 2 spatial axes.
    private static func channelsBeforeSpatial(_ kernel: Tensor, what: String) throws -> Tensor {
        let rank = kernel.shape.count
        guard rank == 3 || rank == 4 else { throw ZooError(.shapeMismatch, "\(what). Received: \(kernel.shape).") }
        return try kernel.permuted(rank == 4 ? [3, 2, 0, 1] : [2, 1, 0])
    }

    /// Keras's transposed-conv `padding` and `output_padding` on one axis as IR crops and output
    /// padding, for the dilated kernel `k' = d (k - 1) + 1`. Keras (2 and 3, TensorFlow backend)
    /// sets the output length `L` (`keras.src.backend.common.backend_utils`
    /// `_get_output_shape_given_tf_padding`; Keras 2's `deconv_output_length` agrees):
    ///
    ///     valid: L = s (in - 1) + k' + p, p = output_padding or max(s - k', 0)
    ///     same:  L = s in without output_padding, else s (in - 1) + k' mod 2 + output_padding
    ///
    /// and TensorFlow computes the transposed conv as the gradient of a conv over `L` inputs with
    /// that padding: `valid` crops nothing, `same` crops `max(s (in - 1) + k' - L, 0)` split
    /// with the odd element at the end; elements past the scattered kernels (`L` beyond
    /// `s (in - 1) + k'`) are an IR output padding. Neither depends on `in`.
    static func transposedPadding(same: Bool, outputPadding: Int?, kernel: Int, stride: Int, dilation: Int) throws
        -> (begin: Int, end: Int, outputPadding: Int)
    {
        let extent = try WindowAxis.extent(kernel: kernel, dilation: dilation)
        guard same else { return (0, 0, outputPadding ?? max(stride - extent, 0)) }
        // s (in - 1) + k' - L, with L - s (in - 1) = s or k' mod 2 + output_padding.
        let total = try Checked.subtract(extent, outputPadding.map { extent % 2 + $0 } ?? stride, "a transposed conv's padding")
        guard total >= 0 else { return (0, 0, -total) }
        return (total / 2, total - total / 2, 0)
    }

    /// `(k_h, k_w, C, M)` -> `(C M, 1, k_h, k_w)` (1-D: `(k, C, M)` -> `(C M, 1, k)`).
    static func depthwiseKernel(_ kernel: Tensor) throws -> Tensor {
        let rank = kernel.shape.count
        guard rank == 3 || rank == 4 else {
            throw ZooError(.shapeMismatch, "A Keras depthwise kernel must be (k_h, k_w, C, M). Received: \(kernel.shape).")
        }
        // (kh, kw, C, M) -> (C, M, kh, kw), then merge C and M.
        let moved = try kernel.permuted(rank == 4 ? [2, 3, 0, 1] : [1, 2, 0])
        let spatial = Array(moved.shape.dropFirst(2))
        let merged = try Checked.multiply(moved.shape[0], moved.shape[1], "the channels of depthwise kernel \(kernel.shape)")
        return try Tensor(shape: [merged, 1] + spatial, storage: moved.storage)
    }

    /// The order of a Keras Dense kernel, which the IR keeps: `(in, out)`.
    static let denseWeightOrder = Dense.WeightOrder.inOut

    /// A Keras Dense kernel `(in, out)`, checked to be a matrix and kept as it is.
    static func denseKernel(_ kernel: Tensor) throws -> Tensor {
        guard kernel.shape.count == 2 else {
            throw ZooError(.shapeMismatch, "A Keras Dense kernel must be (in, out). Received: \(kernel.shape).")
        }
        return kernel
    }

    /// What `zoo convert --explain` says of a Dense kernel read by ``denseKernel(_:)``.
    static func denseKernelRule(_ kernel: Tensor) -> String {
        "kernel \(kernel.shape) (in, out) kept as it is: the IR dense weight order is in,out (ONNX Gemm transB = 0)"
    }

    /// The inverse rules, for the Keras writer: `(C_out, C_in, k_h, k_w)` -> HWIO (1-D: `(C_out, C_in, k)` -> `(k, C_in, C_out)`).
    static func convKernelToKeras(_ kernel: Tensor) throws -> Tensor {
        try kernel.permuted(kernel.shape.count == 4 ? [2, 3, 1, 0] : [2, 1, 0])
    }

    /// `(C_in, C_out, k_h, k_w)` -> `(k_h, k_w, C_out, C_in)` (1-D: `(C_in, C_out, k)` -> `(k, C_out, C_in)`).
    static func convTransposeKernelToKeras(_ kernel: Tensor) throws -> Tensor {
        try convKernelToKeras(kernel)
    }

    /// `(C M, 1, k_h, k_w)` -> `(k_h, k_w, C, M)`.
    static func depthwiseKernelToKeras(_ kernel: Tensor, channels: Int) throws -> Tensor {
        let multiplier = kernel.shape[0] / max(channels, 1)
        let split = try Tensor(shape: [channels, multiplier] + Array(kernel.shape.dropFirst(2)), storage: kernel.storage)
        return try split.permuted([2, 3, 0, 1])
    }

    /// A dense layer's weight as a Keras kernel `(in, out)`: as it is when the layer holds it in
    /// that order, else `(out, in)` transposed.
    static func denseKernelToKeras(_ dense: Dense) throws -> Tensor {
        dense.weightOrder == .inOut ? dense.weight : try dense.weight.permuted([1, 0])
    }

    /// A Keras Dense kernel `(in, out)` whose rows follow Keras's `(h, w, c)` flatten order of an
    /// NHWC map, with its rows put in the IR's `(c, h, w)` order of the same map held NCHW (whole
    /// rows move, so the copy streams).
    static func denseRowsHWCToCHW(_ kernel: Tensor, channels c: Int, height h: Int, width w: Int) throws -> Tensor {
        guard kernel.shape.count == 2, kernel.shape[0] == c * h * w else {
            throw ZooError(.shapeMismatch, "A Dense kernel after a flatten of [C, H, W] = [\(c), \(h), \(w)] needs \(c * h * w) rows. Received: \(kernel.shape).")
        }
        // [h, w, c, out] -> [c, h, w, out]
        let split = try Tensor(shape: [h, w, c, kernel.shape[1]], storage: kernel.storage)
        let moved = try split.permuted([2, 0, 1, 3])
        return try Tensor(shape: kernel.shape, storage: moved.storage)
    }

    /// A Keras PReLU alpha `(d_1, ..., d_{r-2}, C)` of a channels-last input of rank `r` held
    /// channels-first, as the IR's slope `(C, d_1, ..., d_{r-2})`.
    static func preluAlpha(_ alpha: Tensor) throws -> Tensor {
        let rank = alpha.shape.count + 1
        guard rank >= 3 else { return alpha }
        return try alpha.permuted(toChannelsFirst(rank: rank).dropFirst().map { $0 - 1 })
    }

    /// The inverse of ``preluAlpha(_:)``: an IR slope over the axes after the batch, `(C, d_1,
    /// ..., d_{r-2})`, as the Keras alpha of the same tensor held channels-last.
    static func preluAlphaToKeras(_ slope: Tensor) throws -> Tensor {
        let rank = slope.shape.count + 1
        guard rank >= 3 else { return slope }
        return try slope.permuted(toChannelsLast(rank: rank).dropFirst().map { $0 - 1 })
    }

    /// The IR axis of Keras axis `axis` (negative counts from the end) of a channels-last tensor
    /// of rank `rank` held channels-first.
    static func irAxis(_ axis: Int, rank: Int) -> Int {
        let positive = axis < 0 ? axis + rank : axis
        if rank < 3 || positive == 0 { return positive }
        return positive == rank - 1 ? 1 : positive + 1
    }

    /// The permutation taking a channels-last tensor of rank `rank` to channels-first.
    static func toChannelsFirst(rank: Int) -> [Int] { [0, rank - 1] + Array(1..<(rank - 1)) }

    /// The permutation taking a channels-first tensor of rank `rank` back to channels-last.
    static func toChannelsLast(rank: Int) -> [Int] { [0] + Array(2..<rank) + [1] }

    /// One line for `zoo convert --explain` about a rule applied to a layer.
    static func explanation(layer: String, rule: String) -> String { "\(layer): \(rule)" }
}
