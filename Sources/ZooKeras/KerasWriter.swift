import Foundation
import ZooCore

/// Writes IR models as Keras 3 files that `keras.models.load_model` and h5py read: a legacy
/// full-model `.h5` (`model_config` + `model_weights`) or a `.keras` archive, by the extension.
///
/// The Keras model is channels-last (TensorFlow's CPU kernels are): the inverse of
/// ``KerasLayout``'s rules. A graph input keeps the source's layout (an NCHW input is taken as
/// is and permuted to channels-last by a `Permute` layer), IR transposes that only move between
/// the two layouts become no layers at all, and outputs come back in the IR's layout. Ops Keras
/// cannot express exactly (LRN, a matmul of two runtime tensors, a division, pow, sqrt, log,
/// abs, reciprocal, erf, a non-scalar constant operand, reflect padding, pools whose padding is
/// neither `valid` nor TensorFlow's `same`) are refused by name; nothing is approximated.
public enum KerasWriter {
    /// The Keras version whose file layout zoo writes.
    public static let kerasVersion = "3.15.1"

    /// Writes `model` to `path` (`.h5` or `.keras`), atomically.
    public static func write(_ model: Model, to path: String) throws {
        let lowered = path.lowercased()
        guard lowered.hasSuffix(".h5") || lowered.hasSuffix(".keras") else {
            throw ZooError(.unsupported, "zoo writes Keras models as .h5 or .keras. Received: '\(path)'.", file: path)
        }
        var filled = model
        filled.graph = try model.graph.fillingDeclaredWeights()
        let built = try model.located { try KerasModelBuilder(filled) }
        if lowered.hasSuffix(".keras") {
            try KerasArchiveWriter.write(built, to: path)
            return
        }
        try AtomicOutput.replace(path) { temporary in
            try HDF5Library.serialized {
                let writer = try HDF5Writer(path: temporary, name: path)
                try writeLegacy(built, into: writer)
                try writer.close()
            }
        }
    }

    /// The legacy layout Keras 3 writes: `model_config`, `keras_version`, `backend` on the root;
    /// `model_weights/<layer>` groups with `weight_names` and datasets
    /// `model_weights/<layer>/<layer>/<weight>`.
    static func writeLegacy(_ built: KerasModelBuilder, into writer: HDF5Writer) throws {
        if let foreign = built.layers.first(where: { $0.module != KerasModelBuilder.KerasLayer.layersModule }) {
            throw ZooError(
                .unsupported,
                "A legacy .h5 holds keras.layers classes only (Keras 3 cannot load keras.applications' own layers from one); write .keras. Received: \(foreign.className) '\(foreign.name)'.",
                layer: foreign.name)
        }
        try writer.setString(try built.configJSON(), name: "model_config", on: "/")
        try writer.setString(kerasVersion, name: "keras_version", on: "/")
        try writer.setString("tensorflow", name: "backend", on: "/")
        try writer.createGroup("/model_weights")
        // Keras's legacy loader pairs the file's layers with the model's by position, in the
        // order its Functional model lists them.
        let ordered = built.kerasOrder()
        try writer.setStrings(ordered.map(\.name), name: "layer_names", on: "/model_weights")
        try writer.setString(kerasVersion, name: "keras_version", on: "/model_weights")
        try writer.setString("tensorflow", name: "backend", on: "/model_weights")
        for layer in ordered {
            let group = "/model_weights/\(layer.name)"
            try writer.createGroup(group)
            try writer.setStrings(layer.weights.map { "\(layer.name)/\($0.name)" }, name: "weight_names", on: group)
            guard !layer.weights.isEmpty else { continue }
            try writer.createGroup("\(group)/\(layer.name)")
            for weight in layer.weights { try writer.writeDataset(weight.tensor, at: "\(group)/\(layer.name)/\(weight.name)") }
        }
    }
}
