/// Padding of every axis (ONNX Pad): `pads` holds the begin values of all axes, then the end
/// values; output size `d + begin + end` per axis.
///
/// Modes (for `x = [1, 2, 3]` padded by 2 on both sides):
/// - `constant`: the value (`v v 1 2 3 v v`)
/// - `reflect`: mirror excluding the edge (`3 2 1 2 3 2 1`), pad <= d - 1
/// - `edge`: repeat the edge (`1 1 1 2 3 3 3`)
/// - `wrap`: wrap around (`2 3 1 2 3 1 2`), pad <= d
/// - `symmetric`: mirror including the edge, the lecture's symmetric padding (`2 1 1 2 3 3 2`),
///   pad <= d; ONNX has no such mode, so writers decompose it or refuse by name.
/// - FLOPs: 0 (data movement).
public struct Pad: OperatorSemantics {
    public var op: Op { .pad(self) }

    public enum Mode: String, Sendable, Equatable, CaseIterable {
        case constant, reflect, edge, wrap, symmetric
    }

    public var pads: [Int]
    public var mode: Mode
    public var value: Float

    public init(pads: [Int], mode: Mode = .constant, value: Float = 0) {
        self.pads = pads
        self.mode = mode
        self.value = value
    }

    public static let info = OpInfo(
        name: "pad", summary: "padding of every axis: constant, reflect, edge, wrap or symmetric", flopRule: "0 (data movement)",
        fieldRule: "p <- p + p_begin j on each padded spatial axis; r and j unchanged")

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let input = inputs[0]
        guard pads.count == 2 * input.rank else {
            throw ZooError(.invalidGraph, "pad needs 2 x rank values (every begin, then every end). Received: input \(input), pads \(pads).")
        }
        guard pads.allSatisfy({ $0 >= 0 }) else {
            throw ZooError(.unsupported, "pad supports non-negative pads only (negative pads crop). Received: pads \(pads).")
        }
        var dims: [Dim] = []
        for axis in 0..<input.rank {
            let begin = pads[axis], end = pads[axis + input.rank]
            if begin == 0, end == 0 {
                dims.append(input[axis])
                continue
            }
            let size = try input.size(ofAxis: axis, for: Self.info.name)
            let limit: Int? = switch mode {
            case .constant: nil
            case .edge: size == 0 ? 0 : nil
            case .reflect: size - 1
            case .wrap, .symmetric: size
            }
            if let limit, max(begin, end) > limit {
                throw ZooError(
                    .shapeMismatch,
                    "pad in \(mode.rawValue) mode allows at most \(limit) on each side of an axis of size \(size). Received: input \(input), pads \(pads).")
            }
            dims.append(.fixed(try Checked.sum([size, begin, end], "the padded size")))
        }
        return Shape(dims)
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost { .zero }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        .pad(begin: Array(pads.prefix(inputs[0].rank)))
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        var list: [(String, AttributeValue)] = [("pads", .ints(pads)), ("mode", .string(mode.rawValue))]
        if mode == .constant { list.append(("value", .float(value))) }
        return list
    }
}
