import ArgumentParser
import ZooCore
import ZooExec
import ZooKeras
import ZooONNX

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a model to another format: ONNX (.onnx) or Keras (.h5, .keras).",
        discussion: """
            MODEL, the source, is a network of the zoo, a spec file, an ONNX model or a Keras \
            model; OUTPUT's extension picks the format (.onnx, .h5 or .keras). A spec has no \
            weights: they are drawn at random, reproducibly, from --seed (0 unless given). ONNX -> \
            ONNX writes a normalized model. The output appears whole or not at all, and never \
            over the input.
            """)

    @OptionGroup var model: ModelOptions

    @Argument(help: "The file to write: .onnx, .h5 (Keras legacy full model) or .keras.")
    var output: String

    @Option(help: "Seed for the random weights of a spec and for the random inputs of --verify (default 0).")
    var seed: UInt64?

    @Option(help: "ONNX opset to write (11 to 25); by default an ONNX source's own opset (at least 11), else 13.")
    var opset: Int?

    @Flag(help: "Write the large weights to OUTPUT.data beside the model (ONNX external data); automatic past protobuf's 2 GB limit.")
    var externalData = false

    @Option(help: ArgumentHelp("The converted model's input layout: source (as the source takes them) or nchw (channels-first, as PyTorch and ONNX models usually do).", valueName: "source|nchw"))
    var layout: InputLayout = .source

    enum InputLayout: String, ExpressibleByArgument {
        case source, nchw
    }

    @Flag(help: "List every layout permutation applied to the source, layer by layer (Keras: kernels HWIO -> OIHW, transposes around channels-last tensors).")
    var explain = false

    @Flag(help: "Read OUTPUT back and run it against MODEL on seeded random inputs, layer by layer (as zoo verify); exit 1 on a mismatch.")
    var verify = false

    @Option(help: "Relative tolerance of --verify.")
    var rtol: Float = 1e-4

    @Option(help: "Absolute tolerance of --verify.")
    var atol: Float = 1e-5

    func validate() throws {
        try VerificationText.checkTolerance(rtol: rtol, atol: atol)
    }

    func run() throws {
        let source = try model.loadWithWeights(seed: seed)
        var loaded = source
        if layout == .nchw { loaded.graph = try loaded.located { try loaded.graph.withChannelsFirstInputs() } }
        if explain {
            Console.out(loaded.layoutRules.isEmpty
                ? "no layout permutation applied: \(loaded.format) is channels-first like the IR\n"
                : loaded.layoutRules.map { $0 + "\n" }.joined())
        }
        let lowered = output.lowercased()
        if lowered.hasSuffix(".h5") || lowered.hasSuffix(".keras") {
            try Progress.step("writing \(output)", bytes: 0) { try KerasWriter.write(loaded, to: output) }
        } else {
            guard lowered.hasSuffix(".onnx") else {
                throw ZooError(.unsupported, "convert writes ONNX (.onnx) and Keras (.h5, .keras) files. Received: '\(output)'.", file: output)
            }
            let weightBytes = loaded.graph.layers.reduce(0) { total, layer in
                layer.op.weights.reduce(total) { $0 &+ $1.tensor.count &* MemoryLayout<Float>.stride }
            }
            let target = opset ?? loaded.onnxOpset.map { max($0, ONNXWriter.opsets.lowerBound) } ?? ONNXWriter.defaultOpset
            try Progress.step("writing \(output)", bytes: weightBytes) {
                try ONNXWriter.write(loaded, to: output, opset: target, externalData: externalData)
            }
        }
        guard verify else { return }
        // OUT against the source as it was read (not against the relayout for --layout nchw);
        // OUT's inputs take their shapes from the source's inputs, transposed where its layout differs.
        let written = try ModelFile.load(path: output, inputShapes: [:], isolation: model.hdf5Isolation)
        let inputs = try RandomWeights.inputs(source.graph.inputs, seed: seed ?? 0)
        let report = try Verification.run(
            candidate: written.graph, reference: source.graph, inputs: inputs, tolerance: Tolerance(rtol: rtol, atol: atol))
        Console.out(VerificationText.render(report, format: .table))
        try VerificationText.conclude(report, what: "'\(output)' against its source '\(model.model)'")
    }
}
