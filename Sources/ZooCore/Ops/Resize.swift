import Foundation

/// Resampling to new sizes (ONNX Resize-10..19 and Upsample-7/9, Keras UpSampling2D and
/// Resizing): each output element is a weighted sum of input elements near the point its
/// coordinates map to. The op is separable and computed one resized axis at a time, in axis
/// order, as ONNX's reference implementation does:
///
///     Y[..., x, ...] = sum over k < n of w_k(x) X[..., clamp(i_k(x), 0, in - 1), ...]
///
/// - Sizes: from `scales`, `out = floor(scale x in)` (the scale in float32, the product in
///   float64); from `sizes`, `out = size` and `scale = out / in`; with a keep-aspect-ratio policy
///   (ONNX Resize-18) one scale for every listed axis, the smallest (`not_larger`) or largest
///   (`not_smaller`) of `size / in`, and `out = floor(scale x in + 0.5)`.
/// - Coordinates: output index `x` maps to `x_in` by the coordinate mode, with `s` the scale
///   and `L = s x in` the (fractional) output length: `half_pixel` `(x + 1/2) / s - 1/2`;
///   `half_pixel_symmetric` the same shifted by `in/2 (1 - out / L)`; `pytorch_half_pixel` the
///   same, or `-1/2` when `L = 1`; `align_corners` `x (in - 1) / (L - 1)`, or 0 when `L = 1`;
///   `asymmetric` `x / s`; `tf_half_pixel_for_nn` `(x + 1/2) / s`; `tf_crop_and_resize`
///   `start (in - 1) + x (end - start) (in - 1) / (L - 1)` for the axis's region of interest,
///   outputs whose `x_in` falls outside `[0, in - 1]` taking ``extrapolationValue``.
/// - Taps: with `x_0 = ceil(x_in) - 1` and the fraction `t = x_in - x_0` in `(0, 1]`, the
///   `n` taps are `i_k = x_0 + k + 1 - n/2`: nearest (`n = 2`) picks `x_0` or `x_0 + 1` by the
///   rounding mode; linear (`n = 2`) weighs them `1 - t` and `t`; cubic (`n = 4`) uses Keys'
///   kernel with coefficient `a` (``cubicCoefficient``: PyTorch -0.75, TensorFlow -0.5). With
///   ``antialias`` and `s < 1`, linear and cubic stretch their kernel by `1 / s` (more taps,
///   weights normalized to sum 1). Taps outside `[0, in - 1]` read the edge element, or with
///   ``excludeOutside`` get weight 0 (the others renormalized). With ``fractionSteps`` the
///   fraction is first rounded to a multiple of `1 / fractionSteps` (TensorFlow's bicubic table).
/// - Parameters: none (scales and sizes are attributes).
/// - FLOPs: nearest 0 (a copy); linear and cubic `2n - 1` per element written by each axis's
///   pass (`n` multiplies, `n - 1` adds), the passes in axis order.
/// - Receptive field: see ``fieldRule``.
public struct Resize: OperatorSemantics {
    public var op: Op { .resize(self) }

    /// How output elements are computed from the taps.
    public enum Interpolation: String, Sendable, Equatable, CaseIterable {
        case nearest, linear, cubic
    }

    /// How nearest interpolation rounds `x_in` to an index (ONNX `nearest_mode`).
    public enum NearestRounding: String, Sendable, Equatable, CaseIterable {
        case roundPreferFloor = "round_prefer_floor"
        case roundPreferCeil = "round_prefer_ceil"
        case floor
        case ceil
    }

    /// How an output index maps to an input coordinate (ONNX `coordinate_transformation_mode`).
    public enum CoordinateMode: String, Sendable, Equatable, CaseIterable {
        case halfPixel = "half_pixel"
        case halfPixelSymmetric = "half_pixel_symmetric"
        case pytorchHalfPixel = "pytorch_half_pixel"
        case alignCorners = "align_corners"
        case asymmetric
        case tfHalfPixelForNN = "tf_half_pixel_for_nn"
        case tfCropAndResize = "tf_crop_and_resize"
    }

    /// How `sizes` on several axes keep the aspect ratio (ONNX `keep_aspect_ratio_policy`).
    public enum AspectRatioPolicy: String, Sendable, Equatable, CaseIterable {
        case stretch
        case notLarger = "not_larger"
        case notSmaller = "not_smaller"
    }

    /// What decides the output sizes: a scale or a size per listed axis.
    public enum Target: Sendable, Equatable {
        case scales([Float])
        case sizes([Int], policy: AspectRatioPolicy)
    }

    public var interpolation: Interpolation
    public var coordinateMode: CoordinateMode
    public var nearestRounding: NearestRounding
    /// Keys' cubic coefficient `a` (ONNX `cubic_coeff_a`, default -0.75).
    public var cubicCoefficient: Float
    public var excludeOutside: Bool
    public var antialias: Bool
    /// The value of outputs mapped outside the input by `tf_crop_and_resize`.
    public var extrapolationValue: Float
    public var target: Target
    /// The axes `target` lists (negative counts from the last); nil lists every axis in order.
    public var axes: [Int]?
    /// `tf_crop_and_resize`'s region of interest in normalized coordinates: the starts, then the
    /// ends, one per listed axis.
    public var roi: [Float]?
    /// When set, the tap fraction `t` is rounded to a multiple of `1 / fractionSteps` before
    /// the weights are computed: TensorFlow's `resize_bicubic` (Keras's `bicubic`) reads Keys'
    /// weights from a table of 1024 steps. ONNX states no such rounding.
    public var fractionSteps: Int?

    public init(
        interpolation: Interpolation, target: Target, axes: [Int]? = nil, coordinateMode: CoordinateMode = .halfPixel,
        nearestRounding: NearestRounding = .roundPreferFloor, cubicCoefficient: Float = -0.75, excludeOutside: Bool = false,
        antialias: Bool = false, extrapolationValue: Float = 0, roi: [Float]? = nil, fractionSteps: Int? = nil
    ) {
        self.interpolation = interpolation
        self.target = target
        self.axes = axes
        self.coordinateMode = coordinateMode
        self.nearestRounding = nearestRounding
        self.cubicCoefficient = cubicCoefficient
        self.excludeOutside = excludeOutside
        self.antialias = antialias
        self.extrapolationValue = extrapolationValue
        self.roi = roi
        self.fractionSteps = fractionSteps
    }

    /// The receptive-field rule, in words.
    public static let fieldRule = """
        an axis left unchanged keeps its field; an axis downsampled by an integer factor s (x_in = s x + c) is a window of \
        the n taps (1 for nearest), stride s, begin padding -(first tap of output 0): r <- r + (n - 1) j, j <- j s; any other \
        resampling (upsampling, a fractional factor) reads neighbouring outputs from overlapping, unevenly spaced inputs, which \
        no single (r, j, p) per axis states: the field is then marked global (JSON null), not computed
        """

    public static let info = OpInfo(
        name: "resize",
        summary: "resampling by scales or to sizes: nearest, linear or cubic, ONNX's coordinate modes, antialias",
        flopRule: "nearest 0 (a copy); linear, cubic 2n - 1 per element each axis's pass writes (n taps: 2, 4, more with antialias)",
        fieldRule: fieldRule)

    /// One resized axis against concrete sizes.
    public struct ResolvedAxis: Sendable, Equatable {
        public let axis: Int
        public let input: Int
        public let output: Int
        /// The scale the coordinate rule divides by.
        public let scale: Double
        /// The region of interest (`tf_crop_and_resize`), `0 ... 1` otherwise.
        public let roiStart: Double
        public let roiEnd: Double
    }

    /// The taps of one resized axis: output index `x` reads input indices
    /// `indices[x width ..< (x + 1) width]` (already clamped) with those weights; where
    /// `extrapolated[x]` is set it takes ``extrapolationValue`` instead.
    public struct Taps: Sendable, Equatable {
        public let width: Int
        public let indices: [Int]
        public let weights: [Float]
        public let extrapolated: [Bool]?
    }

    /// Checks the attributes alone: positive finite scales, positive sizes, a region of interest for (and only read by) `tf_crop_and_resize`, antialias only for
    /// linear and cubic.
    public func validate() throws {
        let name = Self.info.name
        switch target {
        case .scales(let scales):
            guard !scales.isEmpty, scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ZooError(.invalidGraph, "\(name) scales must be finite and above 0, one per listed axis. Received: scales \(scales).")
            }
        case .sizes(let sizes, _):
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 >= 1 }) else {
                throw ZooError(.invalidGraph, "\(name) sizes must be at least 1, one per listed axis. Received: sizes \(sizes).")
            }
        }
        if antialias, interpolation == .nearest {
            throw ZooError(.invalidGraph, "\(name) antialias applies to linear and cubic interpolation, not nearest. Received: antialias with mode nearest.")
        }
        if coordinateMode == .tfCropAndResize {
            guard let roi, roi.allSatisfy(\.isFinite) else {
                throw ZooError(.invalidGraph, "\(name) with tf_crop_and_resize needs a finite region of interest (roi). Received: roi \(roi.map { "\($0)" } ?? "none").")
            }
        }
        if let fractionSteps, fractionSteps < 1 || fractionSteps > 1 << 20 {
            throw ZooError(.invalidGraph, "\(name) fraction steps must lie in [1, 2^20]. Received: \(fractionSteps).")
        }
        guard cubicCoefficient.isFinite else {
            throw ZooError(.invalidGraph, "\(name) cubic_coeff_a must be finite. Received: \(cubicCoefficient).")
        }
    }

    /// The axes `target` lists, normalized against `input`'s rank.
    public func listedAxes(rank: Int) throws -> [Int] {
        let name = Self.info.name
        let count: Int
        switch target {
        case .scales(let scales): count = scales.count
        case .sizes(let sizes, _): count = sizes.count
        }
        guard let axes else {
            guard count == rank else {
                throw ZooError(
                    .shapeMismatch, "\(name) needs one \(targetName) per input axis without axes. Received: \(count) for a rank-\(rank) input.")
            }
            return Array(0..<rank)
        }
        guard axes.count == count else {
            throw ZooError(.invalidGraph, "\(name) needs one \(targetName) per listed axis. Received: \(count) for axes \(axes).")
        }
        let resolved = try axes.map { axis in
            let resolved = axis < 0 ? axis + rank : axis
            guard resolved >= 0, resolved < rank else {
                throw ZooError(.invalidGraph, "\(name) axis must lie in [\(-rank), \(rank - 1)] for a rank-\(rank) input. Received: axes \(axes).")
            }
            return resolved
        }
        guard Set(resolved).count == resolved.count else {
            throw ZooError(.invalidGraph, "\(name) axes must be distinct. Received: axes \(axes) for a rank-\(rank) input.")
        }
        return resolved
    }

    private var targetName: String {
        if case .scales = target { return "scale" }
        return "size"
    }

    /// The axes that change, resolved against `input` in axis order; an axis with scale 1, its
    /// size kept and the whole region leaves the list (as ONNX's reference skips it), so a
    /// symbolic batch stays symbolic. Every other listed axis needs a concrete size.
    public func resolve(_ input: Shape) throws -> [ResolvedAxis] {
        let name = Self.info.name
        try validate()
        let listed = try listedAxes(rank: input.rank)
        if let roi, coordinateMode == .tfCropAndResize, roi.count != 2 * listed.count {
            throw ZooError(.shapeMismatch, "\(name) roi needs a start and an end per listed axis (\(2 * listed.count) values). Received: roi \(roi).")
        }
        let cropping = coordinateMode == .tfCropAndResize
        let starts = listed.indices.map { cropping ? Double(roi?[$0] ?? 0) : 0 }
        let ends = listed.indices.map { cropping ? Double(roi?[listed.count + $0] ?? 1) : 1 }
        var scales: [Double] = [], outputs: [Int?] = []
        switch target {
        case .scales(let given):
            for (index, axis) in listed.enumerated() {
                let scale = Double(given[index])
                scales.append(scale)
                guard scale != 1 || starts[index] != 0 || ends[index] != 1 else { outputs.append(nil); continue }
                let size = try input.size(ofAxis: axis, for: name)
                outputs.append(try Self.outputSize(Double(size) * scale, axis: axis, input: input, what: "scale \(given[index])"))
            }
        case .sizes(let sizes, let policy):
            var ratios: [Double] = []
            for (index, axis) in listed.enumerated() {
                ratios.append(Double(sizes[index]) / Double(try input.size(ofAxis: axis, for: name)))
            }
            if policy == .stretch {
                scales = ratios
                outputs = sizes.map { $0 }
            } else {
                let common = policy == .notLarger ? ratios.min() ?? 1 : ratios.max() ?? 1
                scales = Array(repeating: common, count: listed.count)
                outputs = try listed.map { axis in
                    try Self.outputSize(common * Double(try input.size(ofAxis: axis, for: name)) + 0.5, axis: axis, input: input, what: "scale \(common)")
                }
            }
        }
        var resolved: [ResolvedAxis] = []
        for (index, axis) in listed.enumerated() {
            let start = starts[index], end = ends[index]
            guard let output = outputs[index] else { continue }
            let size = try input.size(ofAxis: axis, for: name)
            let unchanged = abs(scales[index] - 1) <= 1e-9 && output == size && abs(start) <= 1e-9 && abs(end - 1) <= 1e-9
            if unchanged { continue }
            resolved.append(ResolvedAxis(axis: axis, input: size, output: output, scale: scales[index], roiStart: start, roiEnd: end))
        }
        return resolved.sorted { $0.axis < $1.axis }
    }

    /// `floor(length)` as a size of at least 1 that fits comfortably in an `Int`.
    private static func outputSize(_ length: Double, axis: Int, input: Shape, what: String) throws -> Int {
        guard length >= 1 else {
            throw ZooError(
                .shapeMismatch,
                "\(info.name) output must keep at least one element per axis: floor(\(what) x input) is 0 on axis \(axis). Received: input \(input).")
        }
        guard length < 0x1p53 else {
            throw ZooError(.shapeMismatch, "\(info.name) output size overflows on axis \(axis): \(what) x input = \(length). Received: input \(input).")
        }
        return Int(length.rounded(.down))
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        var dims = inputs[0].dims
        for axis in try resolve(inputs[0]) { dims[axis.axis] = .fixed(axis.output) }
        let shape = Shape(dims)
        _ = try Checked.multiply(try shape.elementCountPerSample(), MemoryLayout<Float>.size, "\(Self.info.name) output bytes of \(shape)")
        return shape
    }

    /// The taps per output of one axis: 1 for nearest, 2 for linear, 4 for cubic, or with
    /// antialias and `s < 1` the stretched kernel's `2 - 2 (floor(-w / s) + 1)` for the
    /// kernel's half-width `w` (1 linear, 2 cubic).
    public func tapCount(scale: Double) -> Int {
        switch interpolation {
        case .nearest: return 1
        case .linear, .cubic:
            let halfWidth: Double = interpolation == .linear ? 1 : 2
            guard antialias, scale < 1 else { return interpolation == .linear ? 2 : 4 }
            return 2 - 2 * (Int((-halfWidth / scale).rounded(.down)) + 1)
        }
    }

    /// `x_in` for output index `x` of `axis` (see the type's description).
    public func inputCoordinate(_ x: Int, _ axis: ResolvedAxis) -> Double {
        let x = Double(x), size = Double(axis.input), scale = axis.scale
        let length = scale * size
        switch coordinateMode {
        case .halfPixel: return (x + 0.5) / scale - 0.5
        case .halfPixelSymmetric:
            let offset = size / 2 * (1 - Double(axis.output) / length)
            return offset + (x + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return length == 1 ? -0.5 : (x + 0.5) / scale - 0.5
        case .alignCorners: return length == 1 ? 0 : x * (size - 1) / (length - 1)
        case .asymmetric: return x / scale
        case .tfHalfPixelForNN: return (x + 0.5) / scale
        case .tfCropAndResize:
            let span = axis.roiEnd - axis.roiStart
            let within = length == 1 ? span * (size - 1) / 2 : x * span * (size - 1) / (length - 1)
            return within + axis.roiStart * (size - 1)
        }
    }

    /// The weights of the `n` taps `x_0 + k + 1 - n/2` for the fraction `t` in `(0, 1]`.
    func coefficients(_ fraction: Double, scale: Double, count n: Int) -> [Double] {
        let a = Double(cubicCoefficient)
        let t = fractionSteps.map { (fraction * Double($0)).rounded(.toNearestOrEven) / Double($0) } ?? fraction
        func keys(_ distance: Double) -> Double {
            let x = abs(distance)
            if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
            return 0
        }
        switch interpolation {
        case .nearest:
            let upper: Bool
            switch nearestRounding {
            case .roundPreferFloor: upper = t == 1 || t > 0.5
            case .roundPreferCeil: upper = t == 1 || t >= 0.5
            case .floor: upper = t == 1
            case .ceil: upper = true
            }
            return upper ? [0, 1] : [1, 0]
        case .linear, .cubic:
            let stretch = antialias ? min(scale, 1) : 1
            let first = 1 - n / 2
            let raw = (0..<n).map { k -> Double in
                let distance = (Double(first + k) - t) * stretch
                return interpolation == .linear ? max(0, 1 - abs(distance)) : keys(distance)
            }
            guard antialias else { return raw }
            let sum = raw.reduce(0, +)
            return sum == 0 ? raw : raw.map { $0 / sum }
        }
    }

    /// The first of `n` taps for `x_in` and the fraction `t = x_in - x_0` in `(0, 1]`, with
    /// `x_0 = ceil(x_in) - 1` (clamped to Int32's range) and the first tap `x_0 + 1 - n/2`.
    static func firstTap(_ coordinate: Double, count n: Int) -> (index: Int, fraction: Double) {
        let lower = coordinate.rounded(.down)
        let x0 = lower == coordinate ? lower - 1 : lower
        return (Int(max(min(x0, Double(Int32.max)), Double(Int32.min))) + 1 - n / 2, coordinate - x0)
    }

    /// The taps of `axis` (see ``Taps``): allocates `output x n` entries, so only a kernel, after
    /// the executor's memory check, calls it.
    public func taps(_ axis: ResolvedAxis) -> Taps {
        let n = interpolation == .nearest ? 2 : tapCount(scale: axis.scale)
        let width = interpolation == .nearest ? 1 : n
        var indices: [Int] = [], weights: [Float] = []
        indices.reserveCapacity(axis.output * width)
        weights.reserveCapacity(axis.output * width)
        var extrapolated: [Bool]? = coordinateMode == .tfCropAndResize ? [] : nil
        let last = axis.input - 1
        for x in 0..<axis.output {
            let coordinate = inputCoordinate(x, axis)
            extrapolated?.append(coordinate < 0 || coordinate > Double(last))
            let (base, fraction) = Self.firstTap(coordinate, count: n)
            var coefficients = self.coefficients(fraction, scale: axis.scale, count: n)
            if excludeOutside {
                for k in 0..<n where base + k < 0 || base + k > last { coefficients[k] = 0 }
                let sum = coefficients.reduce(0, +)
                if sum != 0 { coefficients = coefficients.map { $0 / sum } }
            }
            if interpolation == .nearest {
                indices.append(min(max(base + (coefficients[1] == 1 ? 1 : 0), 0), last))
                weights.append(1)
                continue
            }
            for k in 0..<n {
                indices.append(min(max(base + k, 0), last))
                weights.append(Float(coefficients[k]))
            }
        }
        return Taps(width: width, indices: indices, weights: weights, extrapolated: extrapolated)
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        guard interpolation != .nearest else { return .zero }
        var dims = inputs[0].dims.map(\.sizeCountingSymbolsAsOne)
        var flops = 0
        for axis in try resolve(inputs[0]) {
            dims[axis.axis] = axis.output
            let written = try Checked.product(dims, "\(Self.info.name) FLOPs")
            let perElement = try Checked.subtract(try Checked.multiply(2, tapCount(scale: axis.scale), "\(Self.info.name) FLOPs"), 1, "\(Self.info.name) FLOPs")
            flops = try Checked.add(flops, try Checked.multiply(written, perElement, "\(Self.info.name) FLOPs"), "\(Self.info.name) FLOPs")
        }
        return Cost(macs: 0, flops: flops)
    }

    /// Unchanged axes keep their field; an axis downsampled by an integer factor `s` with
    /// `x_in = s x + c` reads taps `s x + ceil(c) - n/2 + (0 ..< n)` (a window; nearest one of
    /// them, fixed by `c`'s fraction); anything else: ``FieldStep/global``.
    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        var windows: [WindowAxis] = []
        for axis in try resolve(inputs[0]) {
            let origin = inputCoordinate(0, axis)
            let stride = inputCoordinate(1, axis) - origin
            guard axis.output == 1 || stride == stride.rounded() && stride >= 1,
                coordinateMode != .tfCropAndResize, origin.magnitude < Double(Int32.max)
            else { return .global }
            let n = interpolation == .nearest ? 2 : tapCount(scale: axis.scale)
            let (base, fraction) = Self.firstTap(origin, count: n)
            var first = base, kernel = n
            if interpolation == .nearest {
                first += coefficients(fraction, scale: axis.scale, count: 2)[1] == 1 ? 1 : 0
                kernel = 1
            }
            windows.append(WindowAxis(axis: axis.axis, kernel: kernel, stride: axis.output == 1 ? 1 : Int(stride), padBegin: -first))
        }
        return windows.isEmpty ? .elementwise : .window(windows)
    }

    /// `mode`, `coordinates`, the target (`scales` or `sizes`, `axes`), and the mode's own
    /// attributes where they differ from ONNX's defaults.
    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        var list: [(String, AttributeValue)] = [("mode", .string(interpolation.rawValue)), ("coordinates", .string(coordinateMode.rawValue))]
        switch target {
        case .scales(let scales): list.append(("scales", .floats(scales)))
        case .sizes(let sizes, let policy):
            list.append(("sizes", .ints(sizes)))
            if policy != .stretch { list.append(("keep_aspect_ratio_policy", .string(policy.rawValue))) }
        }
        if let axes { list.append(("axes", .ints(axes))) }
        if interpolation == .nearest { list.append(("nearest_mode", .string(nearestRounding.rawValue))) }
        if interpolation == .cubic { list.append(("cubic_coeff_a", .float(cubicCoefficient))) }
        if excludeOutside { list.append(("exclude_outside", .bool(true))) }
        if antialias { list.append(("antialias", .bool(true))) }
        if let fractionSteps { list.append(("fraction_steps", .int(fractionSteps))) }
        if coordinateMode == .tfCropAndResize {
            list.append(("roi", .floats(roi ?? [])))
            list.append(("extrapolation_value", .float(extrapolationValue)))
        }
        return list
    }
}
