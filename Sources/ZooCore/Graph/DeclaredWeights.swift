import Foundation

/// Declared weights (``Tensor/storage`` nil): what writing them out would cost, and writing out
/// those whose value is known (``Tensor/fill``). Nothing is allocated for a declared weight
/// before one of these checks has passed: a small file may declare weights of any size.
extension Graph {
    /// Refuses, before anything is allocated, declared weights whose float32 bytes exceed the
    /// machine's memory; `what` names the purpose in the error ("Random weights").
    public func checkDeclaredWeightsFit(what: String) throws {
        let memory = ProcessInfo.processInfo.physicalMemory
        var bytes = 0
        for layer in layers {
            do {
                for weight in layer.op.weights where !weight.tensor.isMaterialized {
                    let size = try Checked.multiply(weight.tensor.count, MemoryLayout<Float>.stride, "the byte size of \(weight.name) \(weight.tensor.shape)")
                    bytes = try Checked.add(bytes, size, "the declared weight bytes")
                    guard UInt64(bytes) <= memory else {
                        throw ZooError(
                            .unsupported,
                            "\(what) must fit in the machine's memory. Received: \(bytes) bytes of declared weights up to \(weight.name) \(weight.tensor.shape), \(memory) bytes of memory.")
                    }
                }
            } catch let error as ZooError {
                throw error.at(layer: layer.name)
            }
        }
    }

    /// Whether some weight is declared with a known fill value.
    public var hasFilledWeights: Bool {
        layers.contains { layer in layer.op.weights.contains { !$0.tensor.isMaterialized && $0.tensor.fill != nil } }
    }

    /// The graph with every declared weight that has a ``Tensor/fill`` written out, after
    /// ``checkDeclaredWeightsFit(what:)``; other weights are kept as they are.
    public func fillingDeclaredWeights() throws -> Graph {
        guard hasFilledWeights else { return self }
        try checkDeclaredWeightsFit(what: "Weights made by ConstantOfShape")
        return try mappingOps { layer in
            var op = layer.op
            do {
                try op.visitWeights { _, _, tensor in
                    if let filled = try tensor.filledOut() { tensor = filled }
                }
            } catch let error as ZooError {
                throw error.at(layer: layer.name)
            }
            return op
        }
    }
}
