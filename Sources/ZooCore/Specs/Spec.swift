import Foundation
import Yams

/// Zoo specs: hand-written YAML descriptions of networks (zoo/README.md documents the format)
/// that load as a ``Model`` with declared weights — enough for analysis; ``RandomWeights``
/// materializes them.
public enum Spec {
    /// The format name reports give spec models.
    public static let format = "zoo-spec"

    /// Largest spec file accepted, in bytes; a spec is a page of text.
    public static let maximumFileSize = 4 << 20

    static let topLevelKeys = ["name", "variant", "source", "description", "input", "inputs", "blocks", "layers", "outputs"]

    /// Loads the spec file at `path`, binding symbolic input dimensions from `inputShapes`.
    public static func load(path: String, inputShapes: [String: Shape] = [:]) throws -> Model {
        let url = URL(fileURLWithPath: path)
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ZooError(.io, "A spec file must be readable. Received: \(path) (\(error.localizedDescription)).", file: path)
        }
        if let size = attributes[.size] as? Int, size > maximumFileSize {
            throw ZooError(.malformedFile, "A spec file must be at most \(maximumFileSize) bytes. Received: \(size) bytes.", file: path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ZooError(.io, "A spec file must be readable. Received: \(path) (\(error.localizedDescription)).", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ZooError(.malformedFile, "A spec file must be UTF-8 text. Received: bytes that are not UTF-8.", file: path)
        }
        return try parse(text, file: path, inputShapes: inputShapes)
    }

    /// Parses spec text; `file` names it in errors.
    public static func parse(_ text: String, file: String, inputShapes: [String: Shape] = [:]) throws -> Model {
        let document: SpecNode
        do {
            // The parser retains the anchors, so `rejectingAliases` can see them while it lives.
            let parser = try Yams.Parser(yaml: text)
            guard let node = try parser.singleRoot() else {
                throw ZooError(.malformedFile, "A spec must be a YAML mapping with name, input and layers. Received: an empty document.", file: file)
            }
            document = try withExtendedLifetime(parser) { try SpecNode(node, file: file).rejectingAliases() }
        } catch let error as ZooError {
            throw error
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw ZooError(.malformedFile, "A spec must be valid YAML. Received: \(error).", file: file)
        }
        var fields: [String: SpecNode] = [:]
        for (key, keyNode, value) in try document.mapping("a spec") {
            guard topLevelKeys.contains(key) else {
                let hint = closestMatch(to: key, in: topLevelKeys).map { " Did you mean '\($0)'?" } ?? ""
                throw keyNode.failure(.invalidGraph, "A spec's top-level keys are \(topLevelKeys.joined(separator: ", ")). Received: unknown key '\(key)'.\(hint)")
            }
            fields[key] = value
        }
        guard let nameNode = fields["name"] else {
            throw document.failure(.invalidGraph, "A spec needs a name. Received: no 'name' key.")
        }
        let name = try nameNode.string("name")
        let inputs = try bound(try parseInputs(fields, document: document), inputShapes, file: file)
        let blocks = try parseBlocks(fields["blocks"])
        guard let layersNode = fields["layers"] else {
            throw document.failure(.invalidGraph, "A spec needs a list of layers. Received: no 'layers' key.")
        }
        let items = try layersNode.sequence("layers")
        guard !items.isEmpty else { throw layersNode.failure(.invalidGraph, "A spec needs at least one layer. Received: an empty list.") }
        var builder = SpecBuilder(file: file, blocks: blocks, inputNames: inputs.map(\.name))
        let last = try builder.expand(items, scope: .init(prefix: "", bindings: [:], block: nil), from: inputs[0].name)
        let outputs: [String]
        if let outputsNode = fields["outputs"] {
            outputs = try outputsNode.sequence("outputs").map { try $0.string("an output name") }
            let known = Set(builder.entries.map(\.name)).union(inputs.map(\.name))
            for output in outputs where !known.contains(output) {
                throw outputsNode.failure(.invalidGraph, "outputs must name layers of the spec. Received: unknown '\(output)'.")
            }
        } else {
            outputs = [last]
        }
        let inputLine = (fields["input"] ?? fields["inputs"])?.line
        let (graph, lines): (Graph, [String: Int])
        do {
            (graph, lines) = try builder.build(inputs: inputs, outputs: outputs)
        } catch let error as ZooError {
            throw error.inFile(file, line: inputLine)
        }
        return Model(
            name: name, format: format, variant: try fields["variant"]?.string("variant"), source: try fields["source"]?.string("source"),
            graph: graph, file: file, layerLines: lines)
    }

    /// `input: [3, 224, 224]` (one input named `input`) or `inputs: [{name, shape, layout}]`;
    /// shapes are per sample, channels first, and the batch `N` is prepended.
    private static func parseInputs(_ fields: [String: SpecNode], document: SpecNode) throws -> [GraphInput] {
        func shape(_ node: SpecNode) throws -> Shape {
            let dims = try node.sequence("an input shape").map { dim -> Dim in
                if let size = dim.node.int {
                    guard size >= 1 else { throw dim.failure(.invalidGraph, "Input sizes must be positive. Received: \(size).") }
                    return .fixed(size)
                }
                return .symbol(try dim.string("an input dimension"))
            }
            guard !dims.isEmpty else { throw node.failure(.invalidGraph, "An input shape needs at least one dimension. Received: [].") }
            return Shape([Dim.symbol("N")] + dims)
        }
        switch (fields["input"], fields["inputs"]) {
        case (let single?, nil):
            return [GraphInput(name: "input", shape: try shape(single))]
        case (nil, let list?):
            let entries = try list.sequence("inputs")
            guard !entries.isEmpty else { throw list.failure(.invalidGraph, "inputs needs at least one entry. Received: [].") }
            return try entries.map { entry in
                var values: [String: SpecNode] = [:]
                for (key, keyNode, value) in try entry.mapping("an input") {
                    guard ["name", "shape", "layout"].contains(key) else {
                        throw keyNode.failure(.invalidGraph, "An input takes name, shape and layout. Received: unknown key '\(key)'.")
                    }
                    values[key] = value
                }
                guard let name = try values["name"]?.string("an input name"), let shapeNode = values["shape"] else {
                    throw entry.failure(.invalidGraph, "An input needs a name and a shape. Received: \(entry.text).")
                }
                let parsed = try shape(shapeNode)
                let layout = try values["layout"].map { Layout(try $0.string("layout")) }
                if let layout, layout.rank != parsed.rank {
                    throw entry.failure(.invalidGraph, "An input layout needs one letter per axis, the batch included. Received: layout \(layout), shape \(parsed).")
                }
                return GraphInput(name: name, shape: parsed, layout: layout)
            }
        case (nil, nil):
            throw document.failure(.invalidGraph, "A spec needs an input shape. Received: neither 'input' nor 'inputs'.")
        case (_?, _?):
            throw document.failure(.invalidGraph, "A spec gives either 'input' or 'inputs'. Received: both.")
        }
    }

    private static func bound(_ inputs: [GraphInput], _ shapes: [String: Shape], file: String) throws -> [GraphInput] {
        for name in shapes.keys where !inputs.contains(where: { $0.name == name }) {
            throw ZooError(
                .invalidGraph, "--input-shape must name a graph input (\(inputs.map(\.name).joined(separator: ", "))). Received: '\(name)'.", file: file)
        }
        return try inputs.map { input in try shapes[input.name].map(input.binding) ?? input }
    }

    /// `blocks: {name: {params: [a, b: default], layers: [...]}}`.
    private static func parseBlocks(_ node: SpecNode?) throws -> [String: SpecBuilder.Block] {
        guard let node else { return [:] }
        var blocks: [String: SpecBuilder.Block] = [:]
        for (name, keyNode, value) in try node.mapping("blocks") {
            guard SpecOps.table[name] == nil else {
                throw keyNode.failure(.invalidGraph, "A block may not take the name of an op. Received: block '\(name)'.")
            }
            var parameters: [(name: String, defaultValue: SpecNode?)] = []
            var body: [SpecNode]?
            for (key, fieldKey, field) in try value.mapping("block '\(name)'") {
                switch key {
                case "params":
                    for parameter in try field.sequence("params of block '\(name)'") {
                        if case .mapping = parameter.node {
                            for (parameterName, _, defaultValue) in try parameter.mapping("a parameter with a default") {
                                parameters.append((parameterName, defaultValue))
                            }
                        } else {
                            parameters.append((try parameter.string("a parameter name"), nil))
                        }
                    }
                case "layers":
                    body = try field.sequence("layers of block '\(name)'")
                default:
                    throw fieldKey.failure(.invalidGraph, "A block takes params and layers. Received: unknown key '\(key)' in block '\(name)'.")
                }
            }
            guard let body, !body.isEmpty else {
                throw value.failure(.invalidGraph, "A block needs a non-empty list of layers. Received: block '\(name)' without layers.")
            }
            let names = parameters.map(\.name)
            if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw value.failure(.invalidGraph, "Block parameters must be unique. Received: '\(duplicate)' twice in block '\(name)'.")
            }
            blocks[name] = SpecBuilder.Block(name: name, parameters: parameters, body: body)
        }
        return blocks
    }

    private static func yamlError(_ error: YamlError, file: String) -> ZooError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ZooError(.malformedFile, "A spec must be valid YAML: \(problem). Received: invalid YAML at column \(mark.column).", file: file, line: mark.line)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ZooError(
                .malformedFile, "Keys of a YAML mapping must be unique. Received: \(duplicates.joined(separator: ", ")) twice.", file: file,
                line: context.mark.line)
        default:
            return ZooError(.malformedFile, "A spec must be valid YAML. Received: \(error).", file: file)
        }
    }
}
