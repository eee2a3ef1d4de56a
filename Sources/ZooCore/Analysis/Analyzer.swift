/// Computes a ``Report`` for a graph in one pass over its layers in topological order: shape
/// inference, parameters, cost, receptive field and activation bytes per layer.
///
/// Conventions (stated once here, in `zoo ops` and in the report footer):
/// - Parameters: trainable and non-trainable separately; total = both (Keras's convention). A
///   frozen layer's trainable weights count as non-trainable. Every stored tensor counts once,
///   at the first layer that holds it (ONNX initializers may be shared); constant operands the
///   file stores (an initializer added or multiplied in) are parameters, constants standing for
///   an attribute (Keras `Rescaling`) are not.
/// - MACs: multiply-accumulates of conv, dense and matmul. FLOPs: one rule per op, see each op's
///   ``OpInfo/flopRule``.
/// - Figures are for the shapes shown with a symbolic dimension (the batch) counted as 1, i.e.
///   per sample.
/// - Receptive fields per spatial axis (``AxisField``); null when global.
public enum Analyzer {
    /// Bytes per activation element (float32).
    public static let bytesPerElement = 4

    /// Analyses `graph`. Errors name the layer they concern.
    public static func analyze(_ graph: Graph, model: String, format: String) throws -> Report {
        let shapes = try ShapeInference.infer(graph)
        var fields: [String: ReceptiveField] = [:]
        for input in graph.inputs {
            fields[input.name] = ReceptiveField.input(layout: input.layout, rank: input.shape.rank)
        }
        var layers: [Report.LayerReport] = []
        layers.reserveCapacity(graph.layers.count)
        var totals = Report.Totals(params: .init(), macs: 0, flops: 0, activationBytes: 0, uncountedLayers: 0)
        var counted = Set<ObjectIdentifier>()
        for layer in graph.layers {
            do {
                let report = try analyze(layer, shapes: shapes, fields: &fields, counted: &counted)
                totals.params.trainable = try Checked.add(totals.params.trainable, report.params.trainable, "the parameter total")
                totals.params.nonTrainable = try Checked.add(totals.params.nonTrainable, report.params.nonTrainable, "the parameter total")
                totals.macs = try Checked.add(totals.macs, report.macs, "the MAC total")
                totals.flops = try Checked.add(totals.flops, report.flops, "the FLOP total")
                totals.activationBytes = try Checked.add(totals.activationBytes, report.activationBytes, "the activation total")
                if !report.counted { totals.uncountedLayers += 1 }
                layers.append(report)
            } catch let error as ZooError {
                throw error.at(layer: layer.name)
            }
        }
        let layout = graph.inputs.first.map { Layout.channelsFirst(rank: $0.shape.rank) } ?? .nchw
        return Report(
            model: model, format: format, layout: layout,
            inputs: graph.inputs.map { Report.Value(name: $0.name, shape: $0.shape, sourceLayout: $0.layout) },
            outputs: graph.outputs.map { output in
                let shape = shapes[output.name] ?? Shape([Dim]())
                return Report.Value(name: output.name, shape: shape, sourceLayout: output.layout ?? .channelsFirst(rank: shape.rank))
            },
            layers: layers, totals: totals)
    }

    /// One layer's report; `counted` holds the storage of the tensors earlier layers counted.
    private static func analyze(
        _ layer: Layer, shapes: [String: Shape], fields: inout [String: ReceptiveField], counted: inout Set<ObjectIdentifier>
    ) throws -> Report.LayerReport {
        let op = layer.op.semantics
        let inputShapes = layer.inputs.compactMap { shapes[$0] }
        guard let output = shapes[layer.name] else {
            throw ZooError(.invalidGraph, "Every layer needs an inferred output shape. Received: none for '\(layer.name)'.")
        }
        var params = Report.Parameters()
        for weight in op.weights {
            if let storage = weight.tensor.storage, !counted.insert(ObjectIdentifier(storage)).inserted { continue }
            switch weight.role {
            case .trainable where !layer.frozen: params.trainable = try Checked.add(params.trainable, weight.tensor.count, "a parameter count")
            case .trainable, .nonTrainable: params.nonTrainable = try Checked.add(params.nonTrainable, weight.tensor.count, "a parameter count")
            case .constant: break
            }
        }
        let cost = try op.cost(inputs: inputShapes, output: output)
        let field = try ReceptiveField.propagate(
            try op.fieldStep(inputs: inputShapes, output: output),
            inputs: layer.inputs.map { fields[$0] ?? .none }, shapes: inputShapes, output: output)
        fields[layer.name] = field
        let bytes = try Checked.multiply(try output.elementCountPerSample(), bytesPerElement, "the activation size")
        return Report.LayerReport(
            name: layer.name, op: layer.op.name, inputs: layer.inputs, outputShape: output,
            attributes: op.attributes(inputs: inputShapes).map { Report.Attribute(name: $0.0, value: $0.1) },
            params: params, macs: cost.macs, flops: cost.flops, counted: cost.counted, activationBytes: bytes,
            receptiveField: field.axes.map { axes in
                Report.Field(
                    size: axes.map(\.size), stride: axes.map(\.stride), padding: axes.map(\.padding),
                    minSize: axes.map(\.minSize), aligned: axes.allSatisfy(\.aligned))
            },
            fieldState: field)
    }
}
