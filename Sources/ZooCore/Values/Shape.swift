/// The dimensions of a tensor value, outermost first, each concrete or symbolic.
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral,
    RandomAccessCollection
{
    public var dims: [Dim]

    public init(_ dims: [Dim]) { self.dims = dims }
    public init(_ sizes: [Int]) { self.dims = sizes.map(Dim.fixed) }
    public init(arrayLiteral elements: Dim...) { self.dims = elements }

    public var rank: Int { dims.count }
    public var startIndex: Int { dims.startIndex }
    public var endIndex: Int { dims.endIndex }
    public subscript(position: Int) -> Dim { dims[position] }

    /// The concrete sizes, or nil when a dimension is symbolic.
    public var concrete: [Int]? {
        var sizes: [Int] = []
        sizes.reserveCapacity(dims.count)
        for dim in dims {
            guard let size = dim.value else { return nil }
            sizes.append(size)
        }
        return sizes
    }

    /// The symbols this shape uses, in order of first appearance.
    public var symbols: [String] {
        var seen: [String] = []
        for case .symbol(let name) in dims where !seen.contains(name) { seen.append(name) }
        return seen
    }

    /// The number of elements with every symbol counted as 1 (per sample), overflow-checked.
    public func elementCountPerSample() throws(ZooError) -> Int {
        try Checked.product(dims.map(\.sizeCountingSymbolsAsOne), "the element count of \(self)")
    }

    /// `[N, 3, 224, 224]`.
    public var description: String { "[" + dims.map(\.description).joined(separator: ", ") + "]" }

    /// The concrete size of axis `axis`, or an error stating that `op` needs it bound.
    public func size(ofAxis axis: Int, for op: String) throws(ZooError) -> Int {
        switch dims[axis] {
        case .fixed(let size): return size
        case .symbol(let name):
            throw ZooError(
                .shapeMismatch,
                "\(op) needs a concrete size on axis \(axis), but it is the unbound symbol '\(name)'; bind it with --input-shape. Received: input \(self).")
        }
    }

    /// Normalizes a possibly negative axis against this shape's rank, or explains the valid range.
    public func normalizedAxis(_ axis: Int, for op: String, allowingEnd: Bool = false) throws(ZooError) -> Int {
        let upper = allowingEnd ? rank : rank - 1
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved <= upper else {
            throw ZooError(
                .invalidGraph,
                "\(op) axis must lie in [\(-rank), \(upper)] for a rank-\(rank) input. Received: axis \(axis), input \(self).")
        }
        return resolved
    }
}
