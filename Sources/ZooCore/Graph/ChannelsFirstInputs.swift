/// `zoo convert --layout nchw`: a model whose inputs are channels-last (a Keras or TensorFlow
/// model's NHWC) rewritten to take channels-first inputs.
extension Graph {
    /// This graph with every channels-last input (`NHWC`, `NWC`) taking its channels-first shape
    /// instead. A transpose to channels-first right after the input (what the Keras and ONNX
    /// readers insert) disappears; other readers get the channels-last tensor back from one
    /// inserted transpose named `<input>/channels_last`.
    public func withChannelsFirstInputs() throws -> Graph {
        var inputs = self.inputs
        var layers = self.layers
        let outputNames = Set(self.outputs.map(\.name))
        var prepended: [Layer] = []
        for (index, input) in inputs.enumerated() {
            let rank = input.shape.rank
            guard rank >= 3, input.layout.axes.last == "C", input.layout.axes.first == "N" else { continue }
            let toFirst = [0, rank - 1] + Array(1..<(rank - 1))
            let toLast = [0] + Array(2..<rank) + [1]
            inputs[index] = GraphInput(name: input.name, shape: Shape(toFirst.map { input.shape[$0] }), layout: .channelsFirst(rank: rank))
            // Transposes that only undo the layout become the input itself.
            var renamed: [String: String] = [:]
            layers.removeAll { layer in
                guard case .transpose(let transpose) = layer.op, layer.inputs == [input.name], transpose.permutation == toFirst,
                    !outputNames.contains(layer.name)
                else { return false }
                renamed[layer.name] = input.name
                return true
            }
            let stillReadsInput = layers.contains { $0.inputs.contains(input.name) } || outputNames.contains(input.name)
            let channelsLast = input.name + "/channels_last"
            layers = layers.map { layer in
                var copy = layer
                copy.inputs = layer.inputs.map { renamed[$0] ?? ($0 == input.name ? channelsLast : $0) }
                return copy
            }
            if stillReadsInput {
                prepended.append(Layer(channelsLast, .transpose(Transpose(permutation: toLast)), inputs: [input.name]))
            }
        }
        let outputs = self.outputs.map { output in
            prepended.contains { $0.inputs.first == output.name } ? GraphOutput(name: output.name + "/channels_last", layout: output.layout) : output
        }
        return try Graph(inputs: inputs, layers: prepended + layers, outputs: outputs)
    }
}
