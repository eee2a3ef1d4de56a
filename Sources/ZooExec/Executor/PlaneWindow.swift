import CZooKernels
import ZooCore

/// A window slid over one plane at a time, as CZooKernels' `zoo_kernels_depthwise` runs it: the
/// plane is copied into a scratch with a border of `fill` (0 for a depthwise convolution, -inf
/// for max pooling: the border never wins) as wide as the padding, or as a ceil-mode last window
/// reaches, then runs of outputs are computed in registers.
///
/// `flat` (the same stride 1 on both axes, or 2 with fewer than 16 outputs a row): every output
/// as position `m = r w_p + c` of the padded width `w_p`, reading `padded[s m + offset(i, j)]`,
/// a vector at a time over the whole plane, then each row's valid outputs copied out, so that
/// small planes stay vectorized. Otherwise row by row, a vector at a time: at stride 1 and 2
/// (dilation 1, 3- and 5-wide windows) from bordered rows of whole vectors, each load aligned
/// and shared by a window row's taps (at stride 2 split into even and odd lanes), a row's last
/// run storing only its part; else a row's last vector overlapping the one before (when the
/// row holds a vector at all; the rest one by one).
///
/// `blocked` (AVX2 and AVX-512; narrow outputs, strides past 2, 5-wide windows at stride 2):
/// a vector's width of planes at a time, transposed into one bordered plane of pixels of that
/// many channels (NCHWc inside the kernel), so that each tap is one load of a vector of
/// outputs whatever the stride or the width, then transposed back; the planes a chunk leaves
/// over run the plane path. Both give the same bits. Measured on this project's machine (Zen 4)
/// per layer inside MobileNet v2 and GoogLeNet, the blocked path takes 0.55-0.85x the plane
/// path's time on 28, 14 and 7-wide outputs, and more than the plane path on wide planes at
/// stride 1 and on the generic (SSE2) set.
struct PlaneWindow: Sendable {
    let geometry: WindowGeometry
    let flat: Bool
    let instructionSet: InstructionSet
    /// The channel-blocked path's bordered plane (pixels), or nil for the plane path alone.
    let blocked: (height: Int, width: Int)?
    let paddedWidth: Int, paddedSize: Int
    /// What the border holds.
    let fill: Float
    /// Where each tap `(i, j)` reads in the bordered plane, from a window's corner.
    let tapOffsets: [Int32]
    /// Floats of the bordered plane and the slack past it that vector loads may reach.
    let planeCount: Int
    /// Floats of the flat outputs (a multiple of 16; 0 row by row).
    let wideCount: Int
    /// Floats of the channel-blocked path's scratch (0 without it).
    let blockedCount: Int
    /// Floats of scratch one thread needs, a whole number of 16-float vectors, so that every
    /// thread's planes start 64-byte aligned as the first thread's do (the blocked path's tables
    /// end on any float: unrounded, the second thread's loads all straddled cache lines, and
    /// MobileNet v2's 192-channel 28x28 depthwise took 0.034 ms at two threads against 0.049 at
    /// one, 0.027 with the threads aligned). Each count is under 2^31 (checked below), so the
    /// sum does not overflow.
    var perThread: Int { (planeCount + wideCount + blockedCount + 15) / 16 * 16 }

    /// Where the channel-blocked path runs.
    enum Blocking: Sendable {
        /// Where it measured faster than the plane path (see above), pixels of one vector.
        case whereFaster
        /// Always, where the instruction set and the size allow, pixels of two vectors side by
        /// side: a pointwise convolution's products stored straight in
        /// (``PointwiseDepthwiseKernel``).
        case pairs
    }

    /// The most floats of the blocked path's bordered plane (1 MiB: it stays in L2); twice that in
    /// pairs (MobileNet v2's 112 x 112 expansion, whose plane of pairs, 1.6 MiB, measured 0.32 ms
    /// fused against 0.44 unfused).
    static func blockedLimit(_ blocking: Blocking) -> Int { blocking == .pairs ? 1 << 19 : 1 << 18 }

    /// Floats a pixel of the blocked plane holds: a vector of channels, two in pairs.
    let blockedPixel: Int

    /// - Parameter op: the op, for errors.
    init(_ g: WindowGeometry, fill: Float, instructionSet: InstructionSet, op: String, blocking: Blocking = .whereFaster) throws {
        geometry = g
        self.fill = fill
        self.instructionSet = instructionSet
        // The padded input, or more where a ceil-mode last window overhangs it.
        func extent(_ size: Int, _ begin: Int, _ end: Int, outputs: Int, stride: Int, kernel: Int, dilation: Int) throws -> Int {
            let padded = try Checked.add(size, Checked.add(begin, end, "the padded plane of \(op)"), "the padded plane of \(op)")
            let reach = try Checked.add(
                try Checked.multiply(max(outputs - 1, 0), stride, "the reach of \(op)"),
                try Checked.add(try Checked.multiply(kernel - 1, dilation, "the reach of \(op)"), 1, "the reach of \(op)"), "the reach of \(op)")
            return max(padded, reach)
        }
        let paddedHeight = try extent(
            g.height, g.padTop, g.padBottom, outputs: g.outHeight, stride: g.strideHeight, kernel: g.kernelHeight, dilation: g.dilationHeight)
        let stride = g.strideWidth
        flat = g.strideHeight == stride && (stride == 1 || stride == 2) && g.outWidth < 16
        var paddedWidth = try extent(
            g.width, g.padLeft, g.padRight, outputs: g.outWidth, stride: g.strideWidth, kernel: g.kernelWidth, dilation: g.dilationWidth)
        // Blocked on AVX2 and AVX-512 only (on SSE2 it measured slower than the plane path).
        blockedPixel = Int(zoo_kernels_vector_floats(instructionSet.rawValue)) * (blocking == .pairs ? 2 : 1)
        let blockedFloats = try Checked.product([paddedHeight, paddedWidth, blockedPixel], "the blocked plane of \(op)")
        let faster = g.outWidth < 32 || g.strideWidth > 2 || g.strideWidth == 2 && g.kernelWidth >= 5
        if instructionSet != .generic, blockedFloats <= Self.blockedLimit(blocking), g.kernelHeight * g.kernelWidth <= Int(ZOO_KERNELS_BLOCKED_TAPS),
            faster || blocking == .pairs
        {
            blocked = (paddedHeight, paddedWidth)
            // The bordered plane, then a table entry per input position, per output position and per tap.
            blockedCount = try [
                try Checked.multiply(g.height, g.width, "the blocked plane of \(op)"),
                try Checked.multiply(g.outHeight, g.outWidth, "the blocked plane of \(op)"), g.kernelHeight * g.kernelWidth,
            ].reduce(blockedFloats) { try Checked.add($0, $1, "the blocked plane of \(op)") }
        } else {
            blocked = nil
            blockedCount = 0
        }
        if !flat, stride == 1 || stride == 2 {
            // Rows of whole vectors (64-byte aligned), so that each run of a row is read as aligned
            // vectors (CZooKernels' aligned row path); at stride 1 a vector wider than the last run.
            let runs = try Checked.add(g.outWidth, 15, "the padded plane of \(op)") / 16
            paddedWidth = try Checked.add(paddedWidth, 15, "the padded plane of \(op)") / 16 * 16
            if stride == 1 { paddedWidth = max(paddedWidth, try Checked.multiply(runs + 1, 16, "the padded plane of \(op)")) }
        }
        self.paddedWidth = paddedWidth
        paddedSize = try Checked.multiply(paddedHeight, paddedWidth, "the padded plane of \(op)")
        // A tap's offset lies inside the padded plane (the dilated window fits it), so the products are bounded by its size.
        let offsets = try (0..<(g.kernelHeight * g.kernelWidth)).map { tap in
            try Checked.add(
                try Checked.product([tap / g.kernelWidth, g.dilationHeight, paddedWidth], "a window tap offset of \(op)"),
                try Checked.multiply(tap % g.kernelWidth, g.dilationWidth, "a window tap offset of \(op)"), "a window tap offset of \(op)")
        }
        if flat {
            let outputs = try Checked.multiply(g.outHeight, paddedWidth, "the outputs of a plane of \(op)")
            wideCount = try Checked.multiply(try Checked.add(outputs, 15, "the outputs of a plane of \(op)") / 16, 16, "the outputs of a plane of \(op)")
            // The last run reads up to s (wideCount - 1) + the largest tap offset.
            let reach = try Checked.add(
                try Checked.multiply(stride, wideCount, "the reach of a plane of \(op)"),
                try Checked.add(offsets.max() ?? 0, 32, "the reach of a plane of \(op)"), "the reach of a plane of \(op)")
            planeCount = max(paddedSize, reach)
        } else {
            // The runs of 16 outputs at stride 2 ending the last row read up to 64 floats past it
            // (the aligned row path's next pair of vectors); a whole number of vectors keeps each
            // thread's plane 64-byte aligned.
            planeCount = try Checked.add(paddedSize, 64 + 15, "the padded plane of \(op)") / 16 * 16
            wideCount = 0
        }
        // CZooKernels indexes the plane with 32-bit offsets.
        let limit = Int(Int32.max)
        guard max(planeCount, wideCount, blockedCount) <= limit, try Checked.product([g.kernelHeight, g.kernelWidth], "the taps of \(op)") <= limit,
            try Checked.product([g.outHeight, g.outWidth], "the output plane of \(op)") <= limit,
            try Checked.product([g.batch, g.channels], "the planes of \(op)") <= limit
        else {
            throw ZooError(
                .unsupported,
                "\(op)'s padded plane, its taps, its output plane and its planes must each number fewer than 2^31. Received: \(paddedHeight) x \(paddedWidth) padded, \(g.batch) x \(g.channels) planes.")
        }
        tapOffsets = offsets.map { Int32($0) }
    }

    /// Output planes `planes` (of the batch's `N C`, in NCHW order) from the input at `input` to
    /// the output at `output`: with `weights` (a filter of one weight per tap for each channel;
    /// plane `q` takes filter and bias `q % C`), `activation(bias + sum_t weights[t] x_t)`, a
    /// chain of multiply-adds in tap order, the activation applied in registers as a tile store
    /// applies it; without, the largest tap (`x > best ? x : best`, so a NaN tap may be dropped).
    /// `scratch` holds ``perThread`` floats.
    func run(
        _ input: UnsafePointer<Float>, planes: Range<Int>, weights: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
        activation: StoredActivation = .none, into output: UnsafeMutablePointer<Float>, scratch padded: UnsafeMutablePointer<Float>
    ) {
        withDescription(input, weights: weights, scratch: padded) { description in
            zoo_kernels_depthwise(
                instructionSet.rawValue, &description, Int32(planes.lowerBound), Int32(planes.count), bias, activation.low, activation.high,
                Int32(activation.function.rawValue), output, padded + planeCount)
        }
    }

    /// `body` given the plane's description for CZooKernels, reading `input` with `weights` (see
    /// ``run(_:planes:weights:bias:activation:into:scratch:)``) in `scratch` (``perThread`` floats).
    func withDescription<Result>(
        _ input: UnsafePointer<Float>?, weights: UnsafePointer<Float>?, scratch padded: UnsafeMutablePointer<Float>,
        _ body: (inout zoo_kernels_depthwise_plane) -> Result
    ) -> Result {
        let g = geometry
        // Every size here fits 32 bits (checked above and by the kernels' size checks); a stride
        // past the plane only ever multiplies 0.
        return tapOffsets.withUnsafeBufferPointer { offsets in
            var description = zoo_kernels_depthwise_plane(
                input: input, height: Int32(g.height), width: Int32(g.width), pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft), fill: fill,
                padded: padded, padded_width: Int32(paddedWidth), padded_count: Int32(planeCount), weights: weights,
                channels: Int32(max(g.channels, 1)), offsets: offsets.baseAddress, taps: Int32(offsets.count), kernel_w: Int32(g.kernelWidth),
                dilation_w: Int32(min(g.dilationWidth, paddedSize)), out_h: Int32(g.outHeight),
                out_w: Int32(g.outWidth), stride_h: Int32(min(g.strideHeight, paddedSize)), stride_w: Int32(min(g.strideWidth, paddedSize)),
                flat: flat ? 1 : 0, wide_count: Int32(wideCount), blocked: blocked == nil ? nil : padded + planeCount + wideCount,
                blocked_width: Int32(blocked?.width ?? 0), blocked_height: Int32(blocked?.height ?? 0))
            return body(&description)
        }
    }
}
