/// A strided sub-tensor (ONNX Slice-10/13): along each listed axis `a`, output index `i`
/// reads input index `start_a + i step_a`; the other axes are copied whole.
///
/// Per listed axis of size `d` (ONNX Slice-13's rule): a negative `start` or `end` counts from
/// the end (`+ d`); then for `step > 0` both are clamped to `[0, d]`, for `step < 0` `start` to
/// `[0, d - 1]` and `end` to `[-1, d - 1]`. The output size is
/// `max(0, ceil((end - start) / step))`: `INT64_MAX` as an end means "to the end", `INT64_MIN`
/// with a negative step "down to the first element". A step of 0 and repeated axes are refused.
///
/// - FLOPs: 0 (data movement).
/// - Receptive field: along an axis with a field and a positive step, a window step of kernel 1,
///   stride `step` and begin padding `-start` (`r` unchanged, `j <- j step`, `p <- p - start j`);
///   a negative step (a reversal, which no window expresses) makes the field global.
public struct Slice: OperatorSemantics {
    public var op: Op { .slice(self) }

    /// The first index per listed axis, as the file gives it (negative counts from the end).
    public var starts: [Int]
    /// The end (exclusive) per listed axis, as the file gives it.
    public var ends: [Int]
    /// The listed axes (negative counts from the last).
    public var axes: [Int]
    /// The step per listed axis.
    public var steps: [Int]

    /// Axes default to `0 ..< starts.count`, steps to 1 (ONNX's defaults).
    public init(starts: [Int], ends: [Int], axes: [Int]? = nil, steps: [Int]? = nil) {
        self.starts = starts
        self.ends = ends
        self.axes = axes ?? Array(starts.indices)
        self.steps = steps ?? Array(repeating: 1, count: starts.count)
    }

    public static let info = OpInfo(
        name: "slice", summary: "strided sub-tensor: per listed axis start, end (clamped as ONNX Slice) and step",
        flopRule: "0 (data movement)",
        fieldRule: "step > 0: r unchanged, j <- j step, p <- p - start j on an axis with a field; step < 0: global")

    /// One listed axis resolved against its size: output index `i` reads `start + i step`.
    public struct ResolvedAxis: Sendable, Equatable {
        public let axis: Int
        public let start: Int
        public let step: Int
        public let count: Int
    }

    /// The listed axes resolved against `input` (ONNX's clamping), in axis order. An axis of
    /// symbolic size is accepted when the slice keeps it whole (start 0, step 1, an end of at
    /// least 2^31 - 1, as exporters write "to the end"); it is then left out of the list.
    public func resolve(_ input: Shape) throws -> [ResolvedAxis] {
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw ZooError(
                .invalidGraph,
                "slice needs one start, end, axis and step per listed axis. Received: starts \(starts), ends \(ends), axes \(axes), steps \(steps).")
        }
        var resolved: [ResolvedAxis] = []
        var seen = Set<Int>()
        for index in starts.indices {
            let axis = try input.normalizedAxis(axes[index], for: Self.info.name)
            guard seen.insert(axis).inserted else {
                throw ZooError(.invalidGraph, "slice axes must be distinct. Received: axes \(axes) for input \(input).")
            }
            let start = starts[index], end = ends[index], step = steps[index]
            guard step != 0 else {
                throw ZooError(.invalidGraph, "slice steps must not be 0. Received: steps \(steps) for axes \(axes).")
            }
            if input[axis].value == nil, start == 0, step == 1, end >= Int(Int32.max) { continue }
            let size = try input.size(ofAxis: axis, for: Self.info.name)
            resolved.append(Self.resolveAxis(axis, size: size, start: start, end: end, step: step))
        }
        return resolved.sorted { $0.axis < $1.axis }
    }

    /// ONNX Slice-13's clamping for one axis of `size` elements.
    static func resolveAxis(_ axis: Int, size: Int, start rawStart: Int, end rawEnd: Int, step: Int) -> ResolvedAxis {
        var start = rawStart < 0 ? rawStart + size : rawStart
        var end = rawEnd < 0 ? rawEnd + size : rawEnd
        let count: Int
        if step > 0 {
            start = min(max(start, 0), size)
            end = min(max(end, 0), size)
            count = end > start ? Int(UInt(end - start - 1) / step.magnitude) + 1 : 0
        } else {
            start = min(max(start, 0), size - 1)
            end = min(max(end, -1), size - 1)
            count = start > end ? Int(UInt(start - end - 1) / step.magnitude) + 1 : 0
        }
        return ResolvedAxis(axis: axis, start: start, step: step, count: count)
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        var dims = inputs[0].dims
        for axis in try resolve(inputs[0]) { dims[axis.axis] = .fixed(axis.count) }
        return Shape(dims)
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { .zero }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        var windows: [WindowAxis] = [], reversed: [Int] = []
        for axis in try resolve(inputs[0]) {
            if axis.step < 0 {
                if axis.count > 1 { reversed.append(axis.axis) }
                // One element read backwards is a window of one element at `start`.
                if axis.count == 1 { windows.append(WindowAxis(axis: axis.axis, kernel: 1, stride: 1, padBegin: -axis.start)) }
                continue
            }
            guard axis.start != 0 || axis.step != 1 else { continue }
            windows.append(WindowAxis(axis: axis.axis, kernel: 1, stride: axis.count > 1 ? axis.step : 1, padBegin: -axis.start))
        }
        return .slice(windows: windows, reversed: reversed)
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        [("starts", .ints(starts)), ("ends", .ints(ends)), ("axes", .ints(axes)), ("steps", .ints(steps))]
    }
}
