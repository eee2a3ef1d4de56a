/// The receptive field of one spatial axis of a value (Araujo et al., "Computing Receptive
/// Fields of Convolutional Neural Networks", Distill 2019).
///
/// `size` r is how many input elements along the axis one output element sees, `stride` j is
/// how far apart in the input two neighbouring outputs' fields start, and `padding` p is the
/// effective padding: output 0's field starts at input index -p. Through a window of kernel k,
/// stride s, dilation d and begin padding p_b (k' = d (k - 1) + 1):
///
///     r <- r + (k' - 1) j,   p <- p + p_b j,   j <- j s
///
/// Where branches merge, the largest field is kept, the smallest recorded in `minSize`, and
/// `aligned` turns false when the branches' strides or field centres disagree.
public struct AxisField: Sendable, Equatable {
    public var size: Int
    public var stride: Int
    public var padding: Int
    public var minSize: Int
    public var aligned: Bool

    public init(size: Int, stride: Int, padding: Int, minSize: Int? = nil, aligned: Bool = true) {
        self.size = size
        self.stride = stride
        self.padding = padding
        self.minSize = minSize ?? size
        self.aligned = aligned
    }

    /// An input pixel's own field.
    public static let input = AxisField(size: 1, stride: 1, padding: 0)

    /// Twice the input coordinate of output 0's field centre, `(r - 1) - 2p`; kept doubled so
    /// that half-pixel centres compare exactly (wrapping arithmetic: a comparison, never a trap).
    public var doubledCenter: Int { size &- 1 &- 2 &* padding }

    /// The field after a window step along this axis.
    public func applying(_ window: WindowAxis) throws -> AxisField {
        let growth = try Checked.multiply(try window.extent() - 1, stride, "a receptive field")
        return AxisField(
            size: try Checked.add(size, growth, "a receptive field"),
            stride: try Checked.multiply(stride, window.stride, "an effective stride"),
            padding: try Checked.add(padding, try Checked.multiply(window.padBegin, stride, "an effective padding"), "an effective padding"),
            minSize: try Checked.add(minSize, growth, "a receptive field"),
            aligned: aligned)
    }

    /// The field after `begin` elements of padding before this axis: p <- p + p_begin j.
    public func shifted(by begin: Int) throws -> AxisField {
        var copy = self
        copy.padding = try Checked.add(padding, try Checked.multiply(begin, stride, "an effective padding"), "an effective padding")
        return copy
    }

    /// Several branches' fields on one axis merged.
    public static func merging(_ fields: [AxisField]) -> AxisField {
        var largest = fields[0]
        for field in fields.dropFirst() where field.size > largest.size { largest = field }
        largest.minSize = fields.map(\.minSize).min() ?? largest.minSize
        largest.aligned = fields.allSatisfy {
            $0.aligned && $0.stride == fields[0].stride && $0.doubledCenter == fields[0].doubledCenter
        }
        return largest
    }
}

/// The receptive field of a value.
public enum ReceptiveField: Sendable, Equatable {
    /// The value has no spatial axes to speak of (a constant, a classifier's input vector).
    case none
    /// Every element depends on the whole input (after a global pool, a flatten, a dense layer).
    case global
    /// A field per spatial axis, keyed by the value's axis index.
    case local([Int: AxisField])

    /// The fields in axis order, when local.
    public var axes: [AxisField]? {
        guard case .local(let fields) = self else { return nil }
        return fields.sorted { $0.key < $1.key }.map(\.value)
    }

    /// The field of a graph input: one ``AxisField/input`` per spatial axis of its layout.
    public static func input(layout: Layout, rank: Int) -> ReceptiveField {
        let axes = layout.rank == rank ? layout.spatialAxes : Layout.channelsFirst(rank: rank).spatialAxes
        return axes.isEmpty ? .none : .local(Dictionary(uniqueKeysWithValues: axes.map { ($0, AxisField.input) }))
    }

    /// The output field of a layer whose op takes `step`, from its inputs' fields and shapes.
    public static func propagate(_ step: FieldStep, inputs: [ReceptiveField], shapes: [Shape], output: Shape) throws -> ReceptiveField {
        switch step {
        case .global:
            return .global
        case .window(let windows):
            let base: [Int: AxisField]
            switch inputs[0] {
            case .global: return .global
            case .none: base = [:]
            case .local(let fields): base = fields
            }
            var fields = base
            for window in windows { fields[window.axis] = try (base[window.axis] ?? .input).applying(window) }
            return fields.isEmpty ? .none : .local(fields)
        case .pad(let begin):
            guard case .local(var fields) = inputs[0] else { return inputs[0] }
            for (axis, field) in fields where axis < begin.count {
                fields[axis] = try field.shifted(by: begin[axis])
            }
            return .local(fields)
        case .elementwise:
            return merge(inputs, shapes: shapes, outputRank: output.rank)
        case .concat(let axis):
            if inputs.contains(where: { $0.hasField(onAxis: axis) }) { return .global }
            return merge(inputs, shapes: shapes, outputRank: output.rank)
        case .reduce(let axes):
            guard case .local(let fields) = inputs[0] else { return inputs[0] }
            if axes.contains(where: { fields[$0] != nil && shapes[0][$0] != .fixed(1) }) { return .global }
            guard output.rank < shapes[0].rank else { return inputs[0] }
            // The reduced axes are dropped (keepdims 0): the kept axes' fields move down.
            var moved: [Int: AxisField] = [:]
            for (outputAxis, inputAxis) in (0..<shapes[0].rank).filter({ !axes.contains($0) }).enumerated() { moved[outputAxis] = fields[inputAxis] }
            return .local(moved)
        case .matMul:
            for (field, shape) in zip(inputs, shapes) {
                if case .global = field { return .global }
                if (max(shape.rank - 2, 0)..<shape.rank).contains(where: { field.hasField(onAxis: $0) }) { return .global }
            }
            return merge(inputs, shapes: shapes, outputRank: output.rank)
        case .permute(let permutation):
            guard case .local(let fields) = inputs[0] else { return inputs[0] }
            var moved: [Int: AxisField] = [:]
            for (outputAxis, inputAxis) in permutation.enumerated() { moved[outputAxis] = fields[inputAxis] }
            return .local(moved)
        case .reshape:
            return reshaped(inputs[0], from: shapes[0], to: output)
        case .slice(let windows, let reversed):
            guard case .local(var fields) = inputs[0] else { return inputs[0] }
            if reversed.contains(where: { fields[$0] != nil }) { return .global }
            for window in windows {
                if let field = fields[window.axis] { fields[window.axis] = try field.applying(window) }
            }
            return .local(fields)
        case .gather(let axis, let indexRank):
            guard case .local(let fields) = inputs[0] else { return inputs[0] }
            if fields[axis] != nil { return .global }
            var moved: [Int: AxisField] = [:]
            for (fieldAxis, field) in fields { moved[fieldAxis < axis ? fieldAxis : fieldAxis + indexRank - 1] = field }
            return .local(moved)
        }
    }

    func hasField(onAxis axis: Int) -> Bool {
        if case .local(let fields) = self { return fields[axis] != nil }
        return false
    }

    /// Merges inputs aligned at their last axis (NumPy broadcasting).
    private static func merge(_ inputs: [ReceptiveField], shapes: [Shape], outputRank: Int) -> ReceptiveField {
        var perAxis: [Int: [AxisField]] = [:]
        var anyLocal = false
        for (field, shape) in zip(inputs, shapes) {
            switch field {
            case .global: return .global
            case .none: continue
            case .local(let fields):
                anyLocal = true
                let offset = outputRank - shape.rank
                for (axis, axisField) in fields { perAxis[axis + offset, default: []].append(axisField) }
            }
        }
        guard anyLocal else { return .none }
        return .local(perAxis.mapValues(AxisField.merging))
    }

    /// Spatial axes of size > 1 keep their field when they sit in a common prefix or suffix of
    /// the two shapes; a field on any other axis of size > 1 makes the output global.
    private static func reshaped(_ field: ReceptiveField, from input: Shape, to output: Shape) -> ReceptiveField {
        guard case .local(let fields) = field else { return field }
        let limit = min(input.rank, output.rank)
        var prefix = 0
        while prefix < limit, input[prefix] == output[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < limit - prefix, input[input.rank - 1 - suffix] == output[output.rank - 1 - suffix] { suffix += 1 }
        var mapped: [Int: AxisField] = [:]
        for (axis, axisField) in fields {
            if axis < prefix {
                mapped[axis] = axisField
            } else if axis >= input.rank - suffix {
                mapped[axis - input.rank + output.rank] = axisField
            } else if input[axis] != .fixed(1) {
                return .global
            }
        }
        return mapped.isEmpty ? .none : .local(mapped)
    }
}
