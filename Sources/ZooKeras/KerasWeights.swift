import Foundation
import ZooCore

/// The weights of a Keras file by layer name, in Keras's order for each layer.
///
/// - Legacy `.h5` (``legacy(file:root:)``): found through `model_weights`' `layer_names` and each
///   layer group's `weight_names` (never guessed from paths): a weight named `conv1/kernel:0` or
///   `conv1/kernel` belongs to the Keras layer `conv1` (the name before the last `/`), which also
///   finds the layers of a nested model inside its group.
/// - Keras 3 weights files (`model.weights.h5` of a `.keras`, ``archive(file:root:)``): every
///   group `layers/<name>/vars` holds a layer's weights as datasets `0 ... n-1` and its layer name
///   as the attribute `name`; nested models repeat the structure below `layers/<name>/layers`.
///   tf-keras writes `.keras` files without that attribute: there a group is known by the key
///   Keras's saving library gives it (``savedKeys(_:)``), from the configuration.
final class KerasWeights {
    private let file: HDF5Contents
    /// Per Keras layer name, its weights' dataset paths in order.
    private var paths: [String: [String]] = [:]
    private var used = Set<String>()

    /// The position of each owner in the file, for pairing by order.
    private var order: [String: Int] = [:]

    private init(file: HDF5Contents, paths: [String: [String]], order: [String]) {
        self.file = file
        self.paths = paths
        for (index, owner) in order.enumerated() where self.order[owner] == nil { self.order[owner] = index }
    }

    /// The weights of `file` in whichever layout it has: legacy (`layer_names`, at the root or
    /// under `model_weights`) or Keras 3's (`layers/<name>/vars`).
    static func read(file: HDF5Contents, root: HDF5Group, config: KerasModelConfig? = nil) throws -> KerasWeights {
        root.hasLayerNames || root.exists("model_weights")
            ? try legacy(file: file, root: root) : try archive(file: file, root: root, config: config)
    }

    /// The group key Keras's `.keras` saving library gives each layer of a functional
    /// container: its class name in snake case (`Conv2D` -> `conv2d`, `BatchNormalization` ->
    /// `batch_normalization`), numbered `_1`, `_2`, ... after the first in the container's
    /// order (saving_lib's `_save_container_state`, the same in tf-keras and Keras 3).
    static func savedKeys(_ layers: [KerasLayerConfig]) -> [String: KerasLayerConfig] {
        var used: [String: Int] = [:], keys: [String: KerasLayerConfig] = [:]
        for layer in layers {
            var key = snakeCase(layer.className)
            if let count = used[key] {
                used[key] = count + 1
                key += "_\(count + 1)"
            } else {
                used[key] = 0
            }
            keys[key] = layer
        }
        return keys
    }

    /// Keras's `to_snake_case`: `_` before a capitalized word and between a lower-case letter
    /// and a capital, lower-cased; a leading `_` becomes `private_`.
    static func snakeCase(_ name: String) -> String {
        var text = name
        for pattern in ["(.)([A-Z][a-z0-9]+)", "([a-z])([A-Z])"] {
            guard let expression = try? NSRegularExpression(pattern: pattern) else { continue }
            text = expression.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1_$2")
        }
        let lower = text.lowercased()
        return lower.hasPrefix("_") ? "private" + lower : lower
    }

    static func legacy(file: HDF5Contents, root: HDF5Group) throws -> KerasWeights {
        let group = root.exists("model_weights") ? try root.group("model_weights") : root
        var paths: [String: [String]] = [:]
        var order: [String] = []
        for layerName in try group.strings("layer_names") {
            let layerGroup = try group.group(layerName)
            for weightName in try layerGroup.strings("weight_names") {
                let parts = weightName.split(separator: "/").map(String.init)
                let owner = parts.count >= 2 ? parts[parts.count - 2] : layerName
                paths[owner, default: []].append(layerGroup.child(weightName))
                order.append(owner)
            }
        }
        return KerasWeights(file: file, paths: paths, order: order)
    }

    static func archive(file: HDF5Contents, root: HDF5Group, config: KerasModelConfig? = nil) throws -> KerasWeights {
        var paths: [String: [String]] = [:]
        var order: [String] = []
        /// The layers of a functional container by saved key, for groups without a `name`.
        func container(_ layers: [KerasLayerConfig]?, functional: Bool) -> [String: KerasLayerConfig] {
            guard functional, let layers else { return [:] }
            return savedKeys(layers)
        }
        func walk(_ group: HDF5Group, depth: Int, keys: [String: KerasLayerConfig]) throws {
            guard depth < 64 else {
                throw ZooError(.malformedFile, "Keras weight groups may nest 64 deep at most. Received: '\(group.path)'.", file: file.name)
            }
            guard group.exists("layers") else { return }
            let layers = try group.group("layers")
            for member in try layers.memberNames() {
                let layer = try layers.group(member)
                let configured = keys[member]
                if layer.exists("vars") {
                    let vars = try layer.group("vars")
                    if let name = try vars.string("name") ?? configured?.name {
                        let indices = try vars.memberNames().compactMap(Int.init).sorted()
                        guard indices == Array(0..<indices.count) else {
                            throw ZooError(.malformedFile, "A layer's weights must be numbered 0 to n-1. Received: \(indices) in '\(vars.path)'.", file: file.name)
                        }
                        guard paths[name] == nil else {
                            throw ZooError(.malformedFile, "Keras layer names must be unique. Received: weights for '\(name)' twice.", file: file.name)
                        }
                        paths[name] = indices.map { vars.child(String($0)) }
                        order.append(name)
                    }
                }
                let nested = configured.flatMap { KerasModelConfig.modelClasses.contains($0.className) ? try? KerasModelConfig($0.entry) : nil }
                try walk(layer, depth: depth + 1, keys: container(nested?.layers, functional: nested?.isFunctional ?? false))
            }
        }
        try walk(root, depth: 0, keys: container(config?.layers, functional: config?.isFunctional ?? false))
        return KerasWeights(file: file, paths: paths, order: order)
    }

    /// Checks the weights against what the configuration's layers declare, before any is read,
    /// and reports every problem at once: layers missing weights, weights no layer takes, and
    /// shapes that contradict the configuration. A layer whose name has no weights in the file
    /// takes, in order, the weights of a file layer no configuration layer names (a model
    /// rebuilt with other automatic names), when their shapes agree.
    /// `expected` gives each layer's weight shapes: `nil` for a size that may be any, a `nil`
    /// shape for a weight of any shape.
    func check(_ expected: [(layer: String, shapes: [[Int?]?])]) throws {
        var problems: [String] = []
        var missing = false, wrongShape = false
        let named = Set(expected.map(\.layer))
        var spare = paths.keys.filter { !named.contains($0) && !(paths[$0]?.isEmpty ?? true) }.sorted { order[$0, default: 0] < order[$1, default: 0] }
        for (layer, shapes) in expected {
            if paths[layer] == nil || paths[layer]?.isEmpty == true, !shapes.isEmpty {
                if let index = try spare.firstIndex(where: { try fits($0, shapes) }) {
                    paths[layer] = paths[spare[index]]
                    paths[spare[index]] = nil
                    spare.remove(at: index)
                    continue
                }
                problems.append("'\(layer)' has no weights (needs \(shapes.count))")
                missing = true
                continue
            }
            let listed = paths[layer] ?? []
            let absent = listed.filter { !file.root.exists(String($0.dropFirst())) }
            guard absent.isEmpty else {
                problems.append("'\(layer)' lists \(absent.joined(separator: ", ")), which the file lacks")
                missing = true
                continue
            }
            let found = try listed.map { try HDF5Dataset(file: file, path: $0).shape }
            guard found.count == shapes.count else {
                problems.append("'\(layer)' has \(found.count) weights \(found), needs \(shapes.count)")
                missing = missing || found.count < shapes.count
                continue
            }
            for (actual, wanted) in zip(found, shapes) where !Self.matches(actual, wanted) {
                problems.append("'\(layer)' weight \(actual) where the configuration needs \(wanted.map { "\($0.map { $0.map(String.init) ?? "?" })" } ?? "any shape")")
                wrongShape = true
            }
        }
        for layer in spare { problems.append("'\(layer)' holds weights no layer of the configuration takes") }
        guard !problems.isEmpty else { return }
        throw ZooError(
            missing ? .missingWeight : wrongShape ? .shapeMismatch : .invalidGraph,
            "Every weight must fit a layer of the configuration. Received: \(Self.firstFew(problems)).", file: file.name)
    }

    /// The first eight problems, then how many more: one error line, however broken the file.
    static func firstFew(_ problems: [String]) -> String {
        let shown = problems.prefix(8).joined(separator: "; ")
        return problems.count > 8 ? "\(shown); and \(problems.count - 8) more" : shown
    }

    private func fits(_ owner: String, _ shapes: [[Int?]?]) throws -> Bool {
        let listed = paths[owner] ?? []
        guard listed.allSatisfy({ file.root.exists(String($0.dropFirst())) }) else { return false }
        let found = try listed.map { try HDF5Dataset(file: file, path: $0).shape }
        return found.count == shapes.count && zip(found, shapes).allSatisfy { Self.matches($0, $1) }
    }

    private static func matches(_ actual: [Int], _ wanted: [Int?]?) -> Bool {
        guard let wanted else { return true }
        return actual.count == wanted.count && zip(actual, wanted).allSatisfy { $1 == nil || $0 == $1 }
    }

    /// The weights of Keras layer `layer`, in the file's order.
    func tensors(for layer: String) throws -> [Tensor] {
        used.insert(layer)
        return try (paths[layer] ?? []).enumerated().map { index, path in
            guard file.root.exists(String(path.dropFirst())) else {
                throw ZooError(
                    .missingWeight, "A Keras file must hold every weight it lists. Received: layer '\(layer)' lists '\(path)', which the file lacks.",
                    layer: layer, file: file.name)
            }
            return try HDF5Dataset(file: file, path: path).floats()
        }
    }

    /// Refuses weights that no layer of the configuration took.
    func checkAllUsed() throws {
        let extra = paths.keys.filter { !used.contains($0) && !(paths[$0]?.isEmpty ?? true) }.sorted()
        guard extra.isEmpty else {
            throw ZooError(
                .invalidGraph,
                "Every weight in a Keras file must belong to a layer of its configuration. Received: weights of \(extra.map { "'\($0)'" }.joined(separator: ", ")), which no layer reads (\(extra.flatMap { paths[$0] ?? [] }.prefix(4).joined(separator: ", "))).")
        }
    }
}
