import ZooCore

/// One value compared between a candidate model and its reference.
public struct ValueComparison: Sendable {
    /// The value's name in the candidate.
    public let name: String
    /// The matching value's name in the reference.
    public let referenceName: String
    /// The op that produced it in the candidate (`output` rows name the graph output's op).
    public let op: String
    /// How the values were paired: by name, by position, or as graph outputs by position.
    public let pairing: Pairing
    public let comparison: TensorComparison

    public enum Pairing: String, Sendable {
        case name, position, output
    }
}

/// The result of running a candidate model and a reference model on the same inputs and
/// comparing their values layer by layer (DESIGN.md section 6).
public struct VerificationReport: Sendable {
    /// The paired intermediate values, in the candidate's topological order.
    public let layers: [ValueComparison]
    /// The graph outputs, paired by position.
    public let outputs: [ValueComparison]
    /// Candidate layers with no partner in the reference.
    public let unpaired: [String]
    public let tolerance: Tolerance

    /// The first paired value, in the candidate's topological order, that fails the tolerance.
    public var firstDivergence: ValueComparison? {
        layers.first { !$0.comparison.passes } ?? outputs.first { !$0.comparison.passes }
    }

    /// Whether every paired value and every output is within the tolerance.
    public var passes: Bool {
        layers.allSatisfy(\.comparison.passes) && outputs.allSatisfy(\.comparison.passes)
    }
}

/// Runs two graphs on the same inputs and compares their values.
///
/// Values pair by name first (ONNX value names survive conversion); the remaining layers pair by
/// position when both graphs have the same number of them with the same op kinds in the same
/// order; the rest are listed as unpaired. Graph outputs always pair by position. Neither graph is
/// fused, so every layer's value exists.
public enum Verification {
    /// Compares `candidate` with `reference` on `inputs` (keyed by the reference's input names;
    /// the candidate's inputs take them by name, else by position, transposed when the two models
    /// take them in different layouts: NHWC and NCHW).
    public static func run(
        candidate: Graph, reference: Graph, inputs: [String: Tensor], tolerance: Tolerance, threads: Int? = nil
    ) throws -> VerificationReport {
        let options = ExecutionOptions(threads: threads, fusing: false, winograd: false)
        let referenceShapes = inputs.mapValues(\.shape)
        let referenceExecutor = try Executor(graph: reference, inputShapes: referenceShapes, options: options)
        var candidateInputs: [String: Tensor] = [:]
        for (position, input) in candidate.inputs.enumerated() {
            let counterpart = reference.inputs.first { $0.name == input.name } ?? (position < reference.inputs.count ? reference.inputs[position] : nil)
            if let counterpart, let tensor = inputs[counterpart.name] {
                // The shapes decide: a tensor the candidate takes as it is is fed as it is (a
                // Keras model written by zoo keeps an NCHW source's input behind a Permute);
                // otherwise it is moved from the reference's layout to the candidate's.
                let fits = (try? input.binding(Shape(tensor.shape))) != nil
                candidateInputs[input.name] = fits ? tensor : try relayout(tensor, from: counterpart.layout, to: input.layout)
            } else {
                throw ZooError(
                    .invalidGraph,
                    "Both models need the same inputs. Received: the candidate's input '\(input.name)' has no counterpart among the reference's (\(reference.inputs.map(\.name).joined(separator: ", "))).")
            }
        }
        let candidateExecutor = try Executor(graph: candidate, inputShapes: candidateInputs.mapValues(\.shape), options: options)

        let pairs = pairLayers(candidate: candidate, reference: reference)
        let wanted = Set(pairs.values.map(\.name))
        var kept: [String: Tensor] = [:]
        let referenceResult = try referenceExecutor.run(inputs) { name, tensor in
            if wanted.contains(name) { kept[name] = tensor }
        }
        var layers: [ValueComparison] = []
        let opNames = Dictionary(candidate.layers.map { ($0.name, $0.op.name) }, uniquingKeysWith: { first, _ in first })
        let candidateResult = try candidateExecutor.run(candidateInputs) { name, tensor in
            guard let pair = pairs[name], let value = kept[pair.name] else { return }
            layers.append(ValueComparison(
                name: name, referenceName: pair.name, op: opNames[name] ?? "", pairing: pair.pairing,
                comparison: TensorComparison(tensor, reference: value, tolerance: tolerance)))
            kept[pair.name] = nil
        }
        guard candidateResult.outputs.count == referenceResult.outputs.count else {
            throw ZooError(
                .mismatch,
                "Both models need the same number of outputs. Received: \(candidateResult.outputs.count) in the candidate, \(referenceResult.outputs.count) in the reference.")
        }
        let outputs = zip(candidateResult.outputs, referenceResult.outputs).map { actual, expected in
            ValueComparison(
                name: actual.name, referenceName: expected.name, op: opNames[actual.name] ?? "input", pairing: .output,
                comparison: TensorComparison(actual.tensor, reference: expected.tensor, tolerance: tolerance))
        }
        let paired = Set(pairs.keys)
        return VerificationReport(
            layers: layers, outputs: outputs, unpaired: candidate.layers.map(\.name).filter { !paired.contains($0) }, tolerance: tolerance)
    }

    /// `tensor`, held in layout `from`, in layout `to` (an NHWC input fed to a model converted
    /// with `--layout nchw`); unchanged when the layouts agree or are not a permutation of each other.
    static func relayout(_ tensor: Tensor, from: Layout, to: Layout) throws -> Tensor {
        guard from != to, from.rank == to.rank, from.rank == tensor.shape.count, Set(from.axes) == Set(to.axes), from.axes.count == Set(from.axes).count
        else { return tensor }
        let source = Array(from.axes)
        return try tensor.permuted(to.axes.compactMap { axis in source.firstIndex(of: axis) })
    }

    /// Compares the outputs of `graph` on `inputs` with stored `expected` tensors (by position).
    public static func run(
        _ graph: Graph, inputs: [String: Tensor], expected: [Tensor], tolerance: Tolerance, threads: Int? = nil
    ) throws -> VerificationReport {
        let executor = try Executor(graph: graph, inputShapes: inputs.mapValues(\.shape), options: ExecutionOptions(threads: threads, fusing: false, winograd: false))
        let result = try executor.run(inputs)
        guard result.outputs.count == expected.count else {
            throw ZooError(
                .mismatch,
                "The reference must hold one tensor per graph output. Received: \(expected.count) reference outputs, \(result.outputs.count) graph outputs (\(result.outputs.map(\.name).joined(separator: ", "))).")
        }
        let opNames = Dictionary(graph.layers.map { ($0.name, $0.op.name) }, uniquingKeysWith: { first, _ in first })
        let outputs = zip(result.outputs, expected).enumerated().map { index, pair in
            ValueComparison(
                name: pair.0.name, referenceName: "output_\(index)", op: opNames[pair.0.name] ?? "input", pairing: .output,
                comparison: TensorComparison(pair.0.tensor, reference: pair.1, tolerance: tolerance))
        }
        return VerificationReport(layers: [], outputs: outputs, unpaired: [], tolerance: tolerance)
    }

    /// For each candidate layer, its partner in the reference and how they were paired.
    static func pairLayers(candidate: Graph, reference: Graph) -> [String: (name: String, pairing: ValueComparison.Pairing)] {
        let referenceNames = Set(reference.layers.map(\.name))
        var pairs: [String: (name: String, pairing: ValueComparison.Pairing)] = [:]
        for layer in candidate.layers where referenceNames.contains(layer.name) {
            pairs[layer.name] = (layer.name, .name)
        }
        let takenNames = Set(pairs.keys)
        let restCandidate = candidate.layers.filter { pairs[$0.name] == nil }
        let restReference = reference.layers.filter { !takenNames.contains($0.name) }
        if restCandidate.count == restReference.count,
            zip(restCandidate, restReference).allSatisfy({ $0.op.name == $1.op.name })
        {
            for (a, b) in zip(restCandidate, restReference) { pairs[a.name] = (b.name, .position) }
        }
        return pairs
    }
}
