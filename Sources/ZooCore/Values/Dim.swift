/// One dimension of a ``Shape``: a concrete size or a symbol such as `N` or an ONNX `dim_param`.
///
/// A symbolic batch flows through analysis (and counts as 1 in per-sample figures); every other
/// symbolic dimension must be bound to a size before analysis or execution.
public enum Dim: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case fixed(Int)
    case symbol(String)

    public init(integerLiteral value: Int) { self = .fixed(value) }
    public init(stringLiteral value: String) { self = .symbol(value) }

    /// The size when it is concrete.
    public var value: Int? {
        if case .fixed(let size) = self { return size }
        return nil
    }

    /// The size, counting a symbol as 1 (per-sample figures).
    public var sizeCountingSymbolsAsOne: Int { value ?? 1 }

    public var description: String {
        switch self {
        case .fixed(let size): return String(size)
        case .symbol(let name): return name
        }
    }
}
