/// How a sliding window (conv, max pool, average pool) pads its input's spatial axes, and how a
/// transposed convolution crops its output's.
///
/// One resolver, ``resolve(input:kernel:stride:axis:)``, turns a padding into per-edge
/// values for a concrete input size; the shape rule, the receptive-field step and the kernels
/// all use it. ``resolveTransposed(full:target:axis:)`` is its counterpart for ``ConvTranspose``.
public enum Padding: Sendable, Equatable {
    /// No padding (ONNX `VALID`, Keras `valid`).
    case valid
    /// Pad so that `out = ceil(in / stride)`: total `max((out - 1) s + k' - in, 0)`, split in
    /// half with the odd element at the `extra` edge. `.end` is ONNX `SAME_UPPER` and
    /// TensorFlow/Keras `same`; `.beginning` is ONNX `SAME_LOWER`.
    case same(extra: Edge)
    /// Explicit per-edge padding: `begin[i]` before and `end[i]` after spatial axis `i`.
    case explicit(begin: [Int], end: [Int])

    /// The edge that receives the odd element of `same` padding.
    public enum Edge: String, Sendable, Equatable {
        case beginning
        case end
    }

    /// Symmetric explicit padding of `pad` on both edges of `count` axes.
    public static func symmetric(_ pad: Int, axes count: Int) -> Padding {
        .explicit(begin: Array(repeating: pad, count: count), end: Array(repeating: pad, count: count))
    }

    /// The padding before and after one axis of size `input` for a window of dilated extent
    /// `kernel` moved by `stride`.
    public func resolve(input: Int, kernel: Int, stride: Int, axis: Int) throws -> (begin: Int, end: Int) {
        switch self {
        case .valid:
            return (0, 0)
        case .same(let extra):
            let output = input / stride + (input % stride == 0 ? 0 : 1)
            let covered = try Checked.add(try Checked.multiply(max(output - 1, 0), stride), kernel)
            let total = max(covered - input, 0)
            let small = total / 2
            return extra == .end ? (small, total - small) : (total - small, small)
        case .explicit(let begin, let end):
            return (begin[axis], end[axis])
        }
    }

    /// The crops of a transposed convolution's full output of `full` elements along one axis
    /// (``ConvTranspose``): explicit values as given, none for `valid`, and for `same` the total
    /// `full - target` split in half rounded toward negative infinity, the odd element at the
    /// `extra` edge — begin `floor(total / 2)` with `.end` (ONNX `SAME_UPPER`), end
    /// `floor(total / 2)` with `.beginning`. A negative total (a `target` beyond the full output)
    /// gives negative crops: the output extends past the full output there (ONNX's reference
    /// implementation and its `output_shape` test data split this way).
    public func resolveTransposed(full: Int, target: Int, axis: Int) throws -> (begin: Int, end: Int) {
        switch self {
        case .valid:
            return (0, 0)
        case .same(let extra):
            let total = try Checked.subtract(full, target, "a transposed convolution's padding")
            let small = total >= 0 ? total / 2 : -((1 - total) / 2)
            return extra == .end ? (small, total - small) : (total - small, small)
        case .explicit(let begin, let end):
            return (begin[axis], end[axis])
        }
    }

    /// Checks that explicit padding has one non-negative value per edge of `spatialRank` axes.
    /// The report's padding attribute: `pads` resolved (ONNX order: every begin, then every
    /// end) when the input size is known, else the rule as written (`padding` valid /
    /// same_upper / same_lower, or the explicit `pads`).
    public func attribute(resolved: (begin: [Int], end: [Int])?) -> (String, AttributeValue) {
        if let resolved { return ("pads", .ints(resolved.begin + resolved.end)) }
        switch self {
        case .valid: return ("padding", .string("valid"))
        case .same(let extra): return ("padding", .string(extra == .end ? "same_upper" : "same_lower"))
        case .explicit(let begin, let end): return ("pads", .ints(begin + end))
        }
    }

    public func validate(spatialRank: Int, op: String) throws {
        guard case .explicit(let begin, let end) = self else { return }
        guard begin.count == spatialRank, end.count == spatialRank else {
            throw ZooError(
                .invalidGraph,
                "\(op) padding needs one begin and one end value per spatial axis (\(spatialRank)). Received: begin \(begin), end \(end).")
        }
        guard (begin + end).allSatisfy({ $0 >= 0 }) else {
            throw ZooError(.invalidGraph, "\(op) padding must not be negative. Received: begin \(begin), end \(end).")
        }
    }
}
