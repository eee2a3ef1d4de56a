import ZooCore

/// A Keras tensor as the IR holds it: the IR value's name, the tensor's Keras rank (batch
/// included), and whether a channels-last tensor is held channels-first (its last Keras axis moved
/// to axis 1).
struct KerasValue {
    let name: String
    let rank: Int
    let channelsFirst: Bool
}

/// The state of one Keras -> IR import: the IR layers so far, every Keras tensor's IR value, the
/// layout rules applied (for `--explain`), and where weights come from.
final class KerasImporter {
    let file: String
    /// The Keras version that wrote the file (`hard_sigmoid` changed meaning in Keras 3).
    let kerasMajorVersion: Int
    private(set) var layers: [Layer] = []
    private(set) var inputs: [GraphInput] = []
    private(set) var explanations: [String] = []
    private var values: [String: KerasValue] = [:]
    private var used = Set<String>()
    private var transposed: [String: KerasValue] = [:]
    /// Whether the layers being imported are frozen (`trainable: false` on them or on a model
    /// that contains them).
    var frozen = false
    /// The weights of a layer by its Keras name, in Keras's order.
    private let weightSource: (String) throws -> [Tensor]

    init(file: String, kerasMajorVersion: Int, weights: @escaping (String) throws -> [Tensor]) {
        self.file = file
        self.kerasMajorVersion = kerasMajorVersion
        weightSource = weights
    }

    /// The weights of Keras layer `name`, in Keras's order.
    func weights(_ name: String) throws -> [Tensor] { try weightSource(name) }

    // MARK: Values

    func value(_ reference: KerasTensorRef, for layer: String) throws -> KerasValue {
        // Keras 2 numbers a nested model's calls from its own first call (made when it was
        // built), which the outer configuration does not list: a layer called once is that call.
        let value = values[reference.key] ?? singleCalls[reference.layer + ":" + String(reference.tensor)]
        guard let value else {
            throw ZooError(
                .invalidGraph,
                "A Keras layer's inputs must be produced by earlier layers. Received: '\(reference.layer)' (call \(reference.node), output \(reference.tensor)) read by '\(layer)'.",
                layer: layer)
        }
        return value
    }

    func setValue(_ value: KerasValue, for reference: KerasTensorRef) {
        values[reference.key] = value
        singleCalls[reference.layer + ":" + String(reference.tensor)] = value
    }

    private var singleCalls: [String: KerasValue] = [:]

    /// A layer name not used yet, from `base`.
    func freshName(_ base: String) -> String {
        var name = base, index = 1
        while used.contains(name) {
            name = "\(base)_\(index)"
            index += 1
        }
        return name
    }

    /// Appends an IR layer and returns its value.
    @discardableResult
    func append(_ name: String, _ op: Op, inputs: [KerasValue], rank: Int, channelsFirst: Bool) throws -> KerasValue {
        guard !used.contains(name) else {
            throw ZooError(.invalidGraph, "Keras layer names must be unique. Received: '\(name)' twice.", layer: name)
        }
        used.insert(name)
        layers.append(Layer(name, op, inputs: inputs.map(\.name), frozen: frozen))
        return KerasValue(name: name, rank: rank, channelsFirst: channelsFirst)
    }

    func addInput(_ input: GraphInput) {
        used.insert(input.name)
        inputs.append(input)
    }

    func explain(_ layer: String, _ rule: String) { explanations.append(KerasLayout.explanation(layer: layer, rule: rule)) }

    // MARK: Layouts

    /// `value` held channels-first (a transpose inserted once per value when it is not).
    func channelsFirst(_ value: KerasValue, for layer: String) throws -> KerasValue {
        guard value.rank >= 3, !value.channelsFirst else { return value }
        return try relayout(value, channelsFirst: true, for: layer)
    }

    /// `value` in Keras's own element order (a transpose back when it is held channels-first).
    func kerasOrder(_ value: KerasValue, for layer: String) throws -> KerasValue {
        guard value.channelsFirst else { return value }
        return try relayout(value, channelsFirst: false, for: layer)
    }

    /// `value` transposed to channels-first or back to channels-last, once per value and direction.
    private func relayout(_ value: KerasValue, channelsFirst: Bool, for layer: String) throws -> KerasValue {
        let key = value.name + (channelsFirst ? "/nc" : "/nl")
        if let done = transposed[key] { return done }
        let permutation = channelsFirst ? KerasLayout.toChannelsFirst(rank: value.rank) : KerasLayout.toChannelsLast(rank: value.rank)
        let result = try append(
            freshName(value.name + (channelsFirst ? "/channels_first" : "/channels_last")), .transpose(Transpose(permutation: permutation)),
            inputs: [value], rank: value.rank, channelsFirst: channelsFirst)
        explain(
            layer,
            channelsFirst
                ? "its channels-last input is transposed to channels-first \(permutation)"
                : "its input is transposed back to Keras's channels-last order \(permutation) first")
        transposed[key] = result
        return result
    }
}
