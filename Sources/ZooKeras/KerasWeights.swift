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
final class KerasWeights {
    private let file: HDF5File
    /// Per Keras layer name, its weights' dataset paths in order.
    private var paths: [String: [String]] = [:]
    private var used = Set<String>()

    private init(file: HDF5File, paths: [String: [String]]) {
        self.file = file
        self.paths = paths
    }

    static func legacy(file: HDF5File, root: HDF5Group) throws -> KerasWeights {
        let group = root.exists("model_weights") ? try root.group("model_weights") : root
        var paths: [String: [String]] = [:]
        for layerName in try group.strings("layer_names") {
            let layerGroup = try group.group(layerName)
            for weightName in try layerGroup.strings("weight_names") {
                let parts = weightName.split(separator: "/").map(String.init)
                let owner = parts.count >= 2 ? parts[parts.count - 2] : layerName
                paths[owner, default: []].append(layerGroup.child(weightName))
            }
        }
        return KerasWeights(file: file, paths: paths)
    }

    static func archive(file: HDF5File, root: HDF5Group) throws -> KerasWeights {
        var paths: [String: [String]] = [:]
        func walk(_ group: HDF5Group, depth: Int) throws {
            guard depth < 64 else {
                throw ZooError(.malformedFile, "Keras weight groups may nest 64 deep at most. Received: '\(group.path)'.", file: file.name)
            }
            guard group.exists("layers") else { return }
            let layers = try group.group("layers")
            for member in try layers.memberNames() {
                let layer = try layers.group(member)
                if layer.exists("vars") {
                    let vars = try layer.group("vars")
                    if let name = try vars.string("name") {
                        let indices = try vars.memberNames().compactMap(Int.init).sorted()
                        guard indices == Array(0..<indices.count) else {
                            throw ZooError(.malformedFile, "A layer's weights must be numbered 0 to n-1. Received: \(indices) in '\(vars.path)'.", file: file.name)
                        }
                        guard paths[name] == nil else {
                            throw ZooError(.malformedFile, "Keras layer names must be unique. Received: weights for '\(name)' twice.", file: file.name)
                        }
                        paths[name] = indices.map { vars.child(String($0)) }
                    }
                }
                try walk(layer, depth: depth + 1)
            }
        }
        try walk(root, depth: 0)
        return KerasWeights(file: file, paths: paths)
    }

    /// The weights of Keras layer `layer`, in the file's order.
    func tensors(for layer: String) throws -> [Tensor] {
        used.insert(layer)
        return try (paths[layer] ?? []).map { path in
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
