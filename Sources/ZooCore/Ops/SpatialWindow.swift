/// The geometry that conv, max pool and average pool share: a window of `kernel` elements per
/// spatial axis, spaced `dilation` apart, moved by `stride`, over an input padded by `padding`.
///
/// For one axis with input size `in`, padding `p_b + p_e` and dilated kernel
/// `k' = d (k - 1) + 1`:
///
///     out = floor((in + p_b + p_e - k') / s) + 1
///
/// (the lecture's `H_out = floor((H_in - k_h + p_h + s_h) / s_h)` with `p_h = p_b + p_e`). With
/// `ceilMode` the division rounds up, and a last window that would start inside the end padding
/// is dropped (PyTorch and ONNX pooling).
public struct SpatialWindow: Sendable, Equatable {
    public var kernel: [Int]
    public var stride: [Int]
    public var dilation: [Int]
    public var padding: Padding
    public var ceilMode: Bool

    public init(kernel: [Int], stride: [Int]? = nil, dilation: [Int]? = nil, padding: Padding = .valid, ceilMode: Bool = false) {
        self.kernel = kernel
        self.stride = stride ?? Array(repeating: 1, count: kernel.count)
        self.dilation = dilation ?? Array(repeating: 1, count: kernel.count)
        self.padding = padding
        self.ceilMode = ceilMode
    }

    /// The receptive-field rule of every window op.
    public static let fieldRule = "window: r <- r + (k' - 1) j, j <- j s, p <- p + p_begin j, with k' = d (k - 1) + 1"

    /// The number of spatial axes (1 or 2).
    public var spatialRank: Int { kernel.count }

    /// The window resolved against concrete input sizes.
    public struct Resolved: Sendable, Equatable {
        public let input: [Int]
        public let output: [Int]
        public let padBegin: [Int]
        public let padEnd: [Int]
        /// The dilated kernel extents `d (k - 1) + 1`.
        public let extent: [Int]
    }

    /// Checks the attributes alone: positive kernel, stride and dilation, 1 or 2 spatial axes.
    public func validate(op: String) throws {
        guard (1...2).contains(kernel.count) else {
            throw ZooError(.unsupported, "\(op) supports 1-D and 2-D windows only. Received: kernel \(kernel).")
        }
        guard stride.count == kernel.count, dilation.count == kernel.count else {
            throw ZooError(
                .invalidGraph,
                "\(op) needs one stride and one dilation per kernel axis. Received: kernel \(kernel), stride \(stride), dilation \(dilation).")
        }
        for (label, values) in [("kernel", kernel), ("stride", stride), ("dilation", dilation)] where !values.allSatisfy({ $0 >= 1 }) {
            throw ZooError(.invalidGraph, "\(op) \(label) must be at least 1 on every axis. Received: \(label) \(values).")
        }
        try padding.validate(spatialRank: kernel.count, op: op)
    }

    /// Resolves padding and output sizes for the spatial sizes of `input` (its last
    /// `spatialRank` axes), or explains why the window does not fit.
    public func resolve(input: Shape, op: String) throws -> Resolved {
        try validate(op: op)
        guard input.rank == kernel.count + 2 else {
            throw ZooError(
                .shapeMismatch,
                "\(op) with a \(kernel.count)-D kernel needs a rank-\(kernel.count + 2) input (N, C, spatial...). Received: input \(input), kernel \(kernel).")
        }
        var sizes: [Int] = [], outputs: [Int] = [], begins: [Int] = [], ends: [Int] = [], extents: [Int] = []
        for axis in 0..<kernel.count {
            let size = try input.size(ofAxis: axis + 2, for: op)
            let extent = try WindowAxis.extent(kernel: kernel[axis], dilation: dilation[axis])
            let (begin, end) = try padding.resolve(input: size, kernel: extent, stride: stride[axis], axis: axis)
            let padded = try Checked.add(try Checked.add(size, begin), end)
            guard padded >= extent else {
                throw ZooError(
                    .shapeMismatch,
                    "\(op) window must fit inside the padded input: \(size) + \(begin) + \(end) >= \(extent) on spatial axis \(axis). Received: input \(input), kernel \(kernel), dilation \(dilation), pads \(begin),\(end).")
            }
            let span = padded - extent
            var steps = span / stride[axis]
            if ceilMode, span % stride[axis] != 0 {
                // One more window, unless it would start inside the end padding.
                let (start, overflow) = (steps + 1).multipliedReportingOverflow(by: stride[axis])
                if !overflow, start < size + begin { steps += 1 }
            }
            let output = try Checked.add(steps, 1, "\(op) output size")
            sizes.append(size)
            outputs.append(output)
            begins.append(begin)
            ends.append(end)
            extents.append(extent)
        }
        return Resolved(input: sizes, output: outputs, padBegin: begins, padEnd: ends, extent: extents)
    }

    /// The receptive-field step of this window on an input of `rank` axes.
    public func fieldStep(_ resolved: Resolved) -> FieldStep {
        .window((0..<kernel.count).map {
            WindowAxis(axis: $0 + 2, kernel: kernel[$0], stride: stride[$0], dilation: dilation[$0], padBegin: resolved.padBegin[$0])
        })
    }

    /// `kernel`, `stride`, `pads` (ONNX order: every begin, then every end) and `dilation`.
    public func attributes(_ resolved: Resolved?) -> [(String, AttributeValue)] {
        var list: [(String, AttributeValue)] = [("kernel", .ints(kernel)), ("stride", .ints(stride))]
        list.append(padding.attribute(resolved: resolved.map { ($0.padBegin, $0.padEnd) }))
        if dilation.contains(where: { $0 != 1 }) { list.append(("dilation", .ints(dilation))) }
        return list
    }
}

/// A pool over a ``SpatialWindow``: no weights, the output keeps N and C and takes the window's
/// spatial sizes, and the receptive field takes the window step.
public protocol SpatialPool: OperatorSemantics {
    var window: SpatialWindow { get }
}

extension SpatialPool {
    public func outputShape(inputs: [Shape]) throws -> Shape {
        let resolved = try window.resolve(input: inputs[0], op: Self.info.name)
        return Shape(Array(inputs[0].dims.prefix(2)) + resolved.output.map(Dim.fixed))
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        window.fieldStep(try window.resolve(input: inputs[0], op: Self.info.name))
    }

    /// The window's attributes with the padding resolved against `inputs`, then `ceil_mode`.
    func windowAttributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        let resolved = try? window.resolve(input: inputs[0], op: Self.info.name)
        return window.attributes(resolved) + [("ceil_mode", .bool(window.ceilMode))]
    }
}
