import Yams

/// Turns a parsed spec into a ``Graph`` in three steps: expand blocks, repetitions and
/// branches into named layer entries; order them (explicit `inputs:` may point forward, and a
/// cycle is reported); then build each op against its inputs' shapes, so that every error
/// names the file, the line and the layer.
struct SpecBuilder {
    /// A block definition: named parameters (some with defaults) and a body of entries.
    struct Block {
        let name: String
        let parameters: [(name: String, defaultValue: SpecNode?)]
        let body: [SpecNode]
    }

    /// One layer entry after expansion.
    struct Entry {
        let name: String
        let definition: SpecOpDefinition
        let arguments: SpecArguments
        /// Each input as the names it may resolve to (the instance-local name first).
        let inputs: [[String]]
        let site: SpecNode
    }

    /// Where an entry sits: the instance prefix of its names and the block parameters in force.
    struct Scope {
        var prefix: String
        var bindings: [String: SpecNode]
        var block: Block?
    }

    /// At most this many layers after expansion: repetitions multiply, and a small file could
    /// otherwise ask for billions.
    static let maximumLayers = 1_000_000
    /// Blocks may use blocks this deep at most (each level is a stack frame of the expander).
    static let maximumBlockDepth = 64

    let file: String
    let blocks: [String: Block]
    private(set) var entries: [Entry] = []
    private var firstLine: [String: Int] = [:]
    private var counters: [String: Int] = [:]
    private var activeBlocks: [String] = []
    private let reserved: Set<String>

    init(file: String, blocks: [String: Block], inputNames: [String]) {
        self.file = file
        self.blocks = blocks
        self.reserved = Set(inputNames)
    }

    // MARK: Expansion

    /// Expands `items` in order from the value `current`; returns the value the last one produces.
    mutating func expand(_ items: [SpecNode], scope: Scope, from current: String) throws -> String {
        var current = current
        for item in items { current = try expand(item: item, scope: scope, from: current) }
        return current
    }

    private mutating func expand(item raw: SpecNode, scope: Scope, from current: String) throws -> String {
        let item = try substitute(raw, scope)
        var kind: String
        var explicitName: String?
        var arguments: [(key: String, keyNode: SpecNode, value: SpecNode)] = []
        switch item.node {
        case .scalar:
            kind = try item.string("a layer entry")
        case .mapping:
            let pairs = try item.mapping("a layer entry")
            guard pairs.count == 1, let (key, keyNode, value) = pairs.first else {
                throw item.failure(
                    .invalidGraph,
                    "A layer entry is `op`, `op: {arguments}`, `name: {op: op, ...}` or `name: {block: block, ...}`, one key per entry. Received: \(pairs.count) keys (\(pairs.map(\.key).joined(separator: ", "))).")
            }
            if case .mapping = value.node, let fields = try? value.mapping("the entry \(key)"),
                let selector = fields.first(where: { $0.key == "op" || $0.key == "block" })
            {
                explicitName = key
                kind = try selector.value.string("\(selector.key) of \(key)")
                arguments = fields.filter { $0.key != selector.key }
            } else if case .sequence = value.node {
                kind = key
                arguments = [("branches", keyNode, value)]
            } else if value.isNull {
                kind = key
            } else {
                kind = key
                arguments = try value.mapping("the arguments of \(key)")
            }
        default:
            throw item.failure(.invalidGraph, "A layer entry must be a name or a mapping. Received: \(item.text).")
        }
        if let named = arguments.first(where: { $0.key == "name" }) {
            explicitName = try named.value.string("name")
            arguments.removeAll { $0.key == "name" }
        }
        if let block = blocks[kind] {
            do {
                return try expand(block: block, name: explicitName, arguments: arguments, site: item, scope: scope, from: current)
            } catch let error as ZooError {
                throw error.at(layer: scope.prefix + (explicitName ?? block.name))
            }
        }
        guard let definition = SpecOps.table[kind] else {
            let known = Array(SpecOps.table.keys) + Array(blocks.keys)
            let hint = closestMatch(to: kind, in: known).map { " Did you mean '\($0)'?" } ?? ""
            throw item.failure(.invalidGraph, "A layer entry must name an op (see `zoo ops`) or a block of this spec. Received: unknown '\(kind)'.\(hint)", layer: explicitName)
        }
        return try expand(op: definition, name: explicitName, arguments: arguments, site: item, scope: scope, from: current)
    }

    private mutating func expand(
        op definition: SpecOpDefinition, name explicitName: String?,
        arguments: [(key: String, keyNode: SpecNode, value: SpecNode)], site: SpecNode, scope: Scope, from current: String
    ) throws -> String {
        let name = try claim(explicitName, kind: definition.name, scope: scope, site: site)
        var values: [String: SpecNode] = [:]
        var inputs: [[String]] = [[current]]
        let allowed = definition.arguments + ["inputs"] + (definition.merges ? ["branches"] : [])
        for (key, keyNode, value) in arguments {
            guard allowed.contains(key) else {
                let hint = closestMatch(to: key, in: allowed).map { " Did you mean '\($0)'?" } ?? ""
                throw keyNode.failure(
                    .invalidGraph,
                    "\(definition.name) takes the arguments \(allowed.joined(separator: ", ")), name. Received: unknown argument '\(key)'.\(hint)",
                    layer: name)
            }
            switch key {
            case "inputs":
                let names = if case .sequence = value.node { try value.sequence("inputs").map { try $0.string("an input name") } } else { [try value.string("inputs")] }
                inputs = names.map { [scope.prefix + $0, $0] }
            case "branches":
                inputs = try value.sequence("\(definition.name) branches").map { branch in
                    [try expand(branch.sequence("a branch (a list of layer entries; [] for the identity)"), scope: scope, from: current)]
                }
            default:
                values[key] = value
            }
        }
        for key in definition.required where values[key] == nil {
            throw site.failure(.invalidGraph, "\(definition.name) needs the argument '\(key)'. Received: \(site.text).", layer: name)
        }
        let activation = values.removeValue(forKey: "activation")
        try append(Entry(name: name, definition: definition, arguments: SpecArguments(op: definition.name, values: values), inputs: inputs, site: site))
        guard let activation else { return name }
        let activationName = try activation.string("activation")
        if activationName == "linear" || activationName == "none" { return name }
        guard SpecOps.activations.contains(activationName), let fused = SpecOps.table[activationName] else {
            throw activation.failure(
                .invalidGraph,
                "activation must be one of \(SpecOps.activations.joined(separator: ", ")), linear. Received: '\(activationName)'.", layer: name)
        }
        let fusedName = try claim("\(name.dropFirst(scope.prefix.count))/\(activationName)", kind: activationName, scope: scope, site: site)
        try append(Entry(name: fusedName, definition: fused, arguments: SpecArguments(op: activationName, values: [:]), inputs: [[name]], site: site))
        return fusedName
    }

    private mutating func expand(
        block: Block, name explicitName: String?,
        arguments: [(key: String, keyNode: SpecNode, value: SpecNode)], site: SpecNode, scope: Scope, from current: String
    ) throws -> String {
        guard activeBlocks.count < Self.maximumBlockDepth else {
            throw site.failure(.invalidGraph, "Blocks may nest at most \(Self.maximumBlockDepth) deep. Received: \((activeBlocks + [block.name]).joined(separator: " -> ")).")
        }
        guard !activeBlocks.contains(block.name) else {
            throw site.failure(.invalidGraph, "A block may not use itself. Received: \((activeBlocks + [block.name]).joined(separator: " -> ")).")
        }
        let parameterNames = block.parameters.map(\.name)
        var bound: [String: SpecNode] = [:]
        var repeatCount: Int?
        var start = 0
        var inline = false
        var input = current
        for (key, keyNode, value) in arguments {
            switch key {
            case "repeat":
                repeatCount = try value.int("repeat")
                guard let count = repeatCount, count >= 1, count <= 10_000 else {
                    throw value.failure(.invalidGraph, "repeat must be between 1 and 10000. Received: \(value.text).")
                }
            case "start":
                start = try value.int("start")
                guard (0...1_000_000).contains(start) else {
                    throw value.failure(.invalidGraph, "start must be between 0 and 1000000. Received: \(start).")
                }
            case "inline": inline = try value.bool("inline")
            case "inputs": input = try value.string("inputs (one name for a block)")
            case "args":
                if case .sequence = value.node {
                    let positional = try value.sequence("args")
                    guard positional.count <= parameterNames.count else {
                        throw value.failure(
                            .invalidGraph,
                            "block '\(block.name)' takes at most \(parameterNames.count) arguments (\(parameterNames.joined(separator: ", "))). Received: \(positional.count).")
                    }
                    for (parameter, argument) in zip(parameterNames, positional) { bound[parameter] = argument }
                } else {
                    for (name, nameNode, argument) in try value.mapping("args") {
                        try bind(name, argument, nameNode: nameNode, into: &bound, block: block)
                    }
                }
            default:
                try bind(key, value, nameNode: keyNode, into: &bound, block: block)
            }
        }
        for (parameter, defaultValue) in block.parameters where bound[parameter] == nil {
            guard let defaultValue else {
                throw site.failure(
                    .invalidGraph,
                    "block '\(block.name)' needs a value for its parameter '\(parameter)' (parameters: \(parameterNames.joined(separator: ", "))). Received: \(site.text).")
            }
            bound[parameter] = defaultValue
        }
        activeBlocks.append(block.name)
        defer { activeBlocks.removeLast() }
        if inline {
            guard explicitName == nil, repeatCount == nil else {
                throw site.failure(.invalidGraph, "An inline block instance takes neither a name nor repeat: its layers join the enclosing scope. Received: \(site.text).")
            }
            return try expand(block.body, scope: Scope(prefix: scope.prefix, bindings: bound, block: block), from: input)
        }
        let instances: [String]
        switch (explicitName, repeatCount) {
        case (let name, nil):
            instances = [try claim(name, kind: block.name, scope: scope, site: site)]
        case (let name?, let count?):
            let base = try claim(name, kind: block.name, scope: scope, site: site)
            instances = (start..<(start + count)).map { "\(base).\($0)" }
        case (nil, let count?):
            instances = try (start..<(start + count)).map { try claim(String($0), kind: block.name, scope: scope, site: site) }
        }
        for instance in instances {
            input = try expand(block.body, scope: Scope(prefix: instance + ".", bindings: bound, block: block), from: input)
        }
        return input
    }

    private mutating func append(_ entry: Entry) throws {
        guard entries.count < Self.maximumLayers else {
            throw entry.site.failure(
                .unsupported, "A spec may expand to at most \(Self.maximumLayers) layers. Received: more, at layer '\(entry.name)'.", layer: entry.name)
        }
        entries.append(entry)
    }

    private func bind(_ name: String, _ value: SpecNode, nameNode: SpecNode, into bound: inout [String: SpecNode], block: Block) throws {
        let names = block.parameters.map(\.name)
        guard names.contains(name) else {
            let hint = closestMatch(to: name, in: names + ["args", "repeat", "start", "inline", "inputs", "name"]).map { " Did you mean '\($0)'?" } ?? ""
            throw nameNode.failure(
                .invalidGraph,
                "block '\(block.name)' has the parameters \(names.joined(separator: ", ")) (and args, repeat, start, inline, inputs, name). Received: unknown parameter '\(name)'.\(hint)")
        }
        guard bound[name] == nil else {
            throw nameNode.failure(.invalidGraph, "Each block parameter takes one value. Received: '\(name)' twice for block '\(block.name)'.")
        }
        bound[name] = value
    }

    /// Replaces every `$parameter` scalar with the value bound in `scope`.
    private func substitute(_ spec: SpecNode, _ scope: Scope) throws -> SpecNode {
        guard let block = scope.block else { return spec }
        func walk(_ node: Node) throws -> Node {
            switch node {
            case .scalar(let scalar) where scalar.string.hasPrefix("$"):
                let parameter = String(scalar.string.dropFirst())
                guard let value = scope.bindings[parameter] else {
                    throw SpecNode(node, file: file).failure(
                        .invalidGraph,
                        "A $reference must name a parameter of block '\(block.name)' (\(block.parameters.map(\.name).joined(separator: ", "))). Received: \(scalar.string).")
                }
                return value.node
            case .scalar, .alias:
                return node
            case .sequence(let sequence):
                return .sequence(Node.Sequence(try sequence.map(walk), sequence.tag, sequence.style, sequence.mark))
            case .mapping(let mapping):
                return .mapping(Node.Mapping(try mapping.map { ($0.key, try walk($0.value)) }, mapping.tag, mapping.style, mapping.mark))
            }
        }
        return SpecNode(try walk(spec.node), file: file)
    }

    /// Reserves a layer name: `prefix + explicit`, or `prefix + kind` made unique with `_1`, `_2`...
    private mutating func claim(_ explicit: String?, kind: String, scope: Scope, site: SpecNode) throws -> String {
        if let explicit {
            guard !explicit.isEmpty else { throw site.failure(.invalidGraph, "A layer name must not be empty. Received: an empty name.") }
            let name = scope.prefix + explicit
            if let line = firstLine[name] ?? (reserved.contains(name) ? 0 : nil) {
                throw site.failure(
                    .invalidGraph,
                    "Layer names must be unique. Received: '\(name)' again (first \(line == 0 ? "as a graph input" : "on line \(line)")).", layer: name)
            }
            firstLine[name] = site.line ?? 0
            return name
        }
        var name = scope.prefix + kind
        while firstLine[name] != nil || reserved.contains(name) {
            let count = counters[scope.prefix + kind, default: 0] + 1
            counters[scope.prefix + kind] = count
            name = "\(scope.prefix)\(kind)_\(count)"
        }
        firstLine[name] = site.line ?? 0
        return name
    }

    // MARK: Building

    /// Orders the entries and builds every op against its inputs' shapes.
    func build(inputs: [GraphInput], outputs: [String]) throws -> (graph: Graph, lines: [String: Int]) {
        var lines: [String: Int] = [:]
        for entry in entries { lines[entry.name] = entry.site.line }
        let known = Set(entries.map(\.name)).union(inputs.map(\.name))
        let resolved = try entries.map { entry in
            try entry.inputs.map { candidates in
                guard let name = candidates.first(where: known.contains) else {
                    throw entry.site.failure(
                        .invalidGraph, "Layer inputs must name a graph input or a layer. Received: undefined input '\(candidates.last ?? "")'.", layer: entry.name)
                }
                return name
            }
        }
        let order: [Int]
        do {
            order = try TopologicalOrder.positions(names: entries.map(\.name), inputs: resolved)
        } catch let error as ZooError {
            throw error.inFile(file, line: error.layer.flatMap { lines[$0] })
        }
        try ShapeInference.checkBound(inputs)
        var shapes: [String: Shape] = Dictionary(uniqueKeysWithValues: inputs.map { ($0.name, $0.shape) })
        var layers: [Layer] = []
        layers.reserveCapacity(entries.count)
        for position in order {
            let entry = entries[position]
            let inputNames = resolved[position]
            let inputShapes = inputNames.compactMap { shapes[$0] }
            do {
                let op = try entry.definition.build(entry.arguments, inputShapes)
                let arity = op.semantics.arity
                guard inputShapes.count >= arity.min, arity.max.map({ inputShapes.count <= $0 }) ?? true else {
                    throw ZooError(
                        .invalidGraph,
                        "\(op.name) takes \(OpInfo.describeArity(arity)) here. Received: \(inputShapes.count) (\(inputNames.joined(separator: ", "))).")
                }
                shapes[entry.name] = try op.semantics.outputShape(inputs: inputShapes)
                layers.append(Layer(entry.name, op, inputs: inputNames))
            } catch let error as ZooError {
                throw error.at(layer: entry.name).inFile(file, line: entry.site.line)
            }
        }
        let graph = try Graph(inputs: inputs, layers: layers, outputs: outputs.map { GraphOutput(name: $0) })
        return (graph, lines)
    }
}
