import Yams

/// Typed reading of YAML nodes in a spec file, every failure a ``ZooError`` that names the file
/// and line.
struct SpecNode {
    let node: Node
    let file: String

    init(_ node: Node, file: String) {
        self.node = node
        self.file = file
    }

    var line: Int? { node.mark?.line }

    /// An error of `kind` located at this node.
    func failure(_ kind: ZooError.Kind, _ message: String, layer: String? = nil) -> ZooError {
        ZooError(kind, message, layer: layer, file: file, line: line)
    }

    /// A `malformedFile` error located at this node: the value has the wrong type.
    func failure(_ message: String) -> ZooError {
        failure(.malformedFile, message)
    }

    /// The node's text as written, for messages.
    var text: String {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .sequence(let sequence): return "[" + sequence.map { SpecNode($0, file: file).text }.joined(separator: ", ") + "]"
        case .mapping(let mapping):
            return "{" + mapping.map { "\(SpecNode($0.key, file: file).text): \(SpecNode($0.value, file: file).text)" }.joined(separator: ", ") + "}"
        case .alias: return "*alias"
        }
    }

    var isNull: Bool {
        if case .scalar(let scalar) = node { return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string) }
        return false
    }

    /// A plain string scalar.
    func string(_ what: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw failure("\(what) must be a string. Received: \(text).") }
        return scalar.string
    }

    func int(_ what: String) throws -> Int {
        guard case .scalar = node, let value = node.int else { throw failure("\(what) must be an integer. Received: \(text).") }
        return value
    }

    func float(_ what: String) throws -> Float {
        guard case .scalar = node, let value = node.float, value.isFinite else { throw failure("\(what) must be a finite number. Received: \(text).") }
        return Float(value)
    }

    func bool(_ what: String) throws -> Bool {
        guard case .scalar = node, let value = node.bool else { throw failure("\(what) must be true or false. Received: \(text).") }
        return value
    }

    /// The elements of a sequence node.
    func sequence(_ what: String) throws -> [SpecNode] {
        guard case .sequence(let sequence) = node else { throw failure("\(what) must be a list. Received: \(text).") }
        return sequence.map { SpecNode($0, file: file) }
    }

    /// The pairs of a mapping node, keys as strings, in file order.
    func mapping(_ what: String) throws -> [(key: String, keyNode: SpecNode, value: SpecNode)] {
        guard case .mapping(let mapping) = node else { throw failure("\(what) must be a mapping. Received: \(text).") }
        return try mapping.map { pair in
            let key = SpecNode(pair.key, file: file)
            return (try key.string("a key in \(what)"), key, SpecNode(pair.value, file: file))
        }
    }

    /// An integer, or a list of `count` integers (a single integer is repeated).
    func ints(_ what: String, count: Int) throws -> [Int] {
        if case .sequence = node {
            let values = try sequence(what).map { try $0.int(what) }
            guard values.count == count else {
                throw failure("\(what) needs \(count) value\(count == 1 ? "" : "s") (one per spatial axis) or a single integer. Received: \(text).")
            }
            return values
        }
        return Array(repeating: try int(what), count: count)
    }

    /// Checks that no anchor (`&name`) or alias (`*name`) appears anywhere: aliases could
    /// expand a small file into a huge tree. Yams resolves an alias to a copy of its anchored
    /// node, which keeps the anchor while the parser lives; call this before releasing it.
    func rejectingAliases() throws -> SpecNode {
        if node.anchor != nil {
            throw failure("Spec files may not use YAML anchors and aliases (&name, *name). Received: an anchored node: \(text.prefix(60)).")
        }
        switch node {
        case .alias: throw failure("Spec files may not use YAML anchors and aliases (&name, *name). Received: an alias.")
        case .scalar: break
        case .sequence(let sequence): for element in sequence { _ = try SpecNode(element, file: file).rejectingAliases() }
        case .mapping(let mapping):
            for pair in mapping {
                _ = try SpecNode(pair.key, file: file).rejectingAliases()
                _ = try SpecNode(pair.value, file: file).rejectingAliases()
            }
        }
        return self
    }
}

/// The closest of `candidates` to `word` by edit distance, when close enough to be a likely typo.
func closestMatch(to word: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
    let target = Array(word.lowercased())
    let scored = candidates.map { ($0, distance(target, Array($0.lowercased()))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, target.count / 3) else { return nil }
    return best.0
}
