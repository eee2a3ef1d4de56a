/// A product of dimensions that may contain symbols: an integer coefficient times symbols
/// (`64 * N`). Flatten and Reshape use it so that a symbolic batch survives them.
public struct DimProduct: Equatable, Sendable {
    public private(set) var coefficient: Int
    /// The symbols, sorted, with repetition.
    public private(set) var symbols: [String]

    public init(_ dims: some Sequence<Dim>) throws {
        coefficient = 1
        symbols = []
        for dim in dims {
            switch dim {
            case .fixed(let size): coefficient = try Checked.multiply(coefficient, size, "a flattened size")
            case .symbol(let name): symbols.append(name)
            }
        }
        symbols.sort()
    }

    /// This product divided by `other`, when the division is exact (symbols cancel, the
    /// coefficient divides); otherwise nil.
    public func dividing(by other: DimProduct) -> DimProduct? {
        guard other.coefficient != 0, coefficient % other.coefficient == 0 else { return nil }
        var remaining = symbols
        for symbol in other.symbols {
            guard let index = remaining.firstIndex(of: symbol) else { return nil }
            remaining.remove(at: index)
        }
        var result = self
        result.coefficient = coefficient / other.coefficient
        result.symbols = remaining
        return result
    }

    /// The product as one dimension: concrete without symbols, the symbol itself for `1 * N`,
    /// otherwise a symbol spelling the product (`N*64`).
    public var dim: Dim {
        if symbols.isEmpty { return .fixed(coefficient) }
        if coefficient == 1, symbols.count == 1 { return .symbol(symbols[0]) }
        return .symbol((symbols + (coefficient == 1 ? [] : [String(coefficient)])).joined(separator: "*"))
    }
}
