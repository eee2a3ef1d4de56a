/// The order of a tensor's axes, one letter an axis: `N` batch, `C` channels, `D`/`H`/`W`
/// spatial, any other letter a plain feature axis (`NC` for a classifier's logits).
///
/// The IR computes in channels-first layouts (`NCHW`, `NCW`); graph inputs and outputs record
/// the layout the source model uses (`NHWC` for a Keras channels_last model), so that tensors
/// are taken and given the way the model's users hold them.
public struct Layout: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The axis letters, outermost first.
    public let axes: String

    public init(_ axes: String) { self.axes = axes.uppercased() }
    public init(stringLiteral value: String) { self.init(value) }

    public static let nc: Layout = "NC"
    public static let ncw: Layout = "NCW"
    public static let nwc: Layout = "NWC"
    public static let nchw: Layout = "NCHW"
    public static let nhwc: Layout = "NHWC"

    /// The channels-first layout the IR uses for a tensor of `rank` axes:
    /// `NC`, `NCW`, `NCHW`, `NCDHW`; other ranks get `N` followed by `C` and `A`xes.
    public static func channelsFirst(rank: Int) -> Layout {
        switch rank {
        case 2: return .nc
        case 3: return .ncw
        case 4: return .nchw
        case 5: return "NCDHW"
        default: return Layout("N" + String(repeating: "A", count: max(rank - 1, 0)))
        }
    }

    public var rank: Int { axes.count }

    /// Indices of the spatial axes (`D`, `H`, `W`).
    public var spatialAxes: [Int] {
        axes.enumerated().compactMap { "DHW".contains($0.element) ? $0.offset : nil }
    }

    public var description: String { axes }
}
