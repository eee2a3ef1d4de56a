import ZooCore

/// MatMul by a constant followed by Add of a constant vector (how exporters write a linear
/// layer without Gemm) becomes one Dense layer with a bias, named after the Add's output.
enum DenseBiasFusion {
    static func fuse(_ layers: [Layer], keeping outputs: Set<String>) -> [Layer] {
        var consumers: [String: Int] = [:]
        for layer in layers {
            for input in layer.inputs { consumers[input, default: 0] += 1 }
        }
        var byName: [String: Int] = [:]
        for (index, layer) in layers.enumerated() { byName[layer.name] = index }
        var removed = Set<Int>()
        var result = layers
        for (index, layer) in layers.enumerated() {
            guard case .add(let add) = layer.op, let constant = add.constant, layer.inputs.count == 1,
                let producerIndex = byName[layer.inputs[0]], case .dense(let dense) = layers[producerIndex].op, dense.bias == nil,
                consumers[layers[producerIndex].name] == 1, !outputs.contains(layers[producerIndex].name),
                constant.tensor.count == dense.units, constant.tensor.shape.last == dense.units || dense.units == 1,
                constant.tensor.shape.dropLast().allSatisfy({ $0 == 1 })
            else { continue }
            guard let bias = try? constant.tensor.reshaped([dense.units]) else { continue }
            var fused = dense
            fused.bias = bias
            result[index] = Layer(layer.name, .dense(fused), inputs: layers[producerIndex].inputs)
            removed.insert(producerIndex)
        }
        return result.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }
}
