/// A loaded model: its graph plus where it came from, so that errors found later (during
/// analysis, after `--input-shape` binding) still point at the file and line of the layer.
public struct Model: Sendable {
    /// The model's name (a spec's `name`, an ONNX graph's name, a file's base name).
    public var name: String
    /// `zoo-spec`, `onnx`, `keras-h5`, ...
    public var format: String
    /// Which variant of the architecture this is, in a few words (a spec's `variant`).
    public var variant: String?
    /// Where the architecture comes from (a spec's `source`), when stated.
    public var source: String?
    public var graph: Graph
    /// The file the model was read from (`zoo/resnet18.yaml` for a built-in spec).
    public var file: String?
    /// The 1-based line of each layer in `file`, where the format has lines.
    public var layerLines: [String: Int]
    /// The ONNX opset of the default domain, for a model read from ONNX.
    public var onnxOpset: Int?
    /// The graph inputs in the source file's order, including those bound to constants (the
    /// order of the ONNX test data's `input_K.pb` files); empty when the format has no such list.
    public var sourceInputs: [String] = []
    /// The layout rules the reader applied, one line per layer (`conv1: kernel [3, 3, 3, 8] HWIO ->
    /// OIHW [8, 3, 3, 3]`), for `zoo convert --explain`; empty when the source needs none.
    public var layoutRules: [String] = []

    public init(
        name: String, format: String, variant: String? = nil, source: String? = nil, graph: Graph, file: String? = nil,
        layerLines: [String: Int] = [:]
    ) {
        self.name = name
        self.format = format
        self.variant = variant
        self.source = source
        self.graph = graph
        self.file = file
        self.layerLines = layerLines
    }

    /// `error` with this model's file, and the line of the layer it names, filled in.
    public func locate(_ error: ZooError) -> ZooError {
        guard let file else { return error }
        return error.inFile(file, line: error.layer.flatMap { layerLines[$0] })
    }

    /// Runs `body`, locating any ``ZooError`` it throws in this model's file.
    public func located<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ZooError {
            throw locate(error)
        }
    }

    /// The analysis report of this model (errors located in its file).
    public func analyze() throws -> Report {
        try located { try Analyzer.analyze(graph, model: name, format: format) }
    }

    /// The model with some input shapes bound (`--input-shape`).
    public func binding(_ shapes: [String: Shape]) throws -> Model {
        guard !shapes.isEmpty else { return self }
        var copy = self
        copy.graph = try located { try graph.binding(shapes) }
        return copy
    }
}
