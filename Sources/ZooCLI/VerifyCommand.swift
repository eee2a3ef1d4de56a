import ArgumentParser
import Foundation
import ZooCore
import ZooExec
import ZooONNX

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run two models on the same inputs and compare them layer by layer, or a model against stored outputs.",
        discussion: """
            `zoo verify A B`: A is the reference, B the candidate (say, A converted). Values pair by \
            name, then by position where names differ; graph outputs pair by position. Each row \
            gives max-abs, max-rel and cosine similarity; a value passes when every element has \
            |b - a| <= atol + rtol |a|. The first value in B's topological order that fails is \
            named, and the exit status is 1.

            `zoo verify MODEL --reference DIR`: DIR holds test_data_set_N/input_K.pb and \
            output_K.pb (ONNX test data; DIR may also be one such set). Input K feeds the model's \
            K-th graph input; inputs the model takes as weights (Conv's W in the ONNX node tests) \
            are bound as constants.
            """)

    @Argument(help: "The reference model: a zoo network, a spec file, an ONNX model or a Keras model (.h5, .keras).")
    var reference: String

    @Argument(help: "The candidate model, of any of the same kinds, compared with the reference.")
    var candidate: String?

    @Option(name: .customLong("reference"), help: ArgumentHelp("Compare the reference model's outputs with the ONNX test data in DIR instead of a candidate's.", valueName: "dir"))
    var referenceData: String?

    @OptionGroup var runInputs: RunInputOptions

    @Option(help: "Relative tolerance.")
    var rtol: Float = 1e-4

    @Option(help: "Absolute tolerance.")
    var atol: Float = 1e-5

    @Option(
        name: .customLong("input-shape"),
        help: ArgumentHelp("Bind an input's shape of the reference model, batch first: NAME=1,3,224,224 (repeatable); the candidate takes the shapes of the inputs it is fed.", valueName: "name=dims"))
    var inputShapes: [String] = []

    @Flag(name: .customLong("hdf5-in-process"), help: HDF5IsolationFlag.help)
    var hdf5InProcess = false

    @OptionGroup var format: FormatOption

    func validate() throws {
        try VerificationText.checkTolerance(rtol: rtol, atol: atol)
        if candidate == nil, referenceData == nil {
            throw ZooError(.usage, "verify compares two models (zoo verify A B) or a model with stored outputs (--reference DIR). Received: one model only.")
        }
        if candidate != nil, referenceData != nil {
            throw ZooError(.usage, "verify takes a second model or --reference DIR, not both. Received: both.")
        }
    }

    func run() throws {
        let tolerance = Tolerance(rtol: rtol, atol: atol)
        if let referenceData {
            try verifyStored(referenceData, tolerance: tolerance)
            return
        }
        guard let candidate else { return }
        let referenceModel = try modelOptions(reference).loadWithWeights(seed: runInputs.seed)
        // --input-shape binds the reference's inputs; the candidate's shapes come from the inputs
        // it is fed (its layout may differ from the reference's).
        let candidateModel = try modelOptions(candidate, bindingShapes: false).loadWithWeights(seed: runInputs.seed)
        let inputs = try runInputs.tensors(for: referenceModel.graph)
        let report = try Verification.run(
            candidate: candidateModel.graph, reference: referenceModel.graph, inputs: inputs, tolerance: tolerance, threads: runInputs.threads)
        Console.out(VerificationText.render(report, format: format.format))
        try VerificationText.conclude(report, what: "'\(candidate)' against '\(reference)'")
    }

    private func modelOptions(_ path: String, bindingShapes: Bool = true) throws -> ModelOptions {
        var arguments = [path]
        for binding in inputShapes where bindingShapes { arguments += ["--input-shape", binding] }
        if hdf5InProcess { arguments.append("--hdf5-in-process") }
        return try ModelOptions.parse(arguments)
    }

    /// `--reference DIR`: every test data set in DIR.
    private func verifyStored(_ folder: String, tolerance: Tolerance) throws {
        let sets = try ReferenceData.sets(in: folder)
        var failed: [String] = []
        for set in sets {
            let model = try load(with: set.inputs)
            var inputs: [String: Tensor] = [:]
            let order = model.sourceInputs.isEmpty ? model.graph.inputs.map(\.name) : model.sourceInputs
            for (position, name) in order.enumerated() where position < set.inputs.count {
                inputs[name] = set.inputs[position]
            }
            for input in model.graph.inputs where inputs[input.name] == nil {
                throw ZooError(
                    .invalidGraph,
                    "Reference data needs one input_K.pb per graph input. Received: none for input '\(input.name)' in '\(set.folder)'.", file: set.folder)
            }
            let runtime = inputs.filter { name, _ in model.graph.inputs.contains { $0.name == name } }
            let report = try model.located {
                try Verification.run(model.graph, inputs: runtime, expected: set.outputs, tolerance: tolerance, threads: runInputs.threads)
            }
            if sets.count > 1 { Console.out("\(set.folder):\n") }
            Console.out(VerificationText.render(report, format: format.format))
            if !report.passes { failed.append(set.folder) }
        }
        if !failed.isEmpty {
            throw ZooError(
                .mismatch,
                "Verification failed: the outputs differ from the reference beyond rtol \(rtol), atol \(atol). Received: \(failed.count) of \(sets.count) data sets fail (\(failed.joined(separator: ", "))).")
        }
    }

    /// The model with the graph inputs it takes as weights bound to `inputs` (ONNX), by position.
    private func load(with inputs: [Tensor]) throws -> Model {
        let options = try modelOptions(reference)
        guard FileManager.default.fileExists(atPath: reference), try ModelFile.kind(of: reference) == .onnx else {
            return try options.loadWithWeights(seed: runInputs.seed)
        }
        let names = try ONNXReader.inputNames(path: reference)
        guard inputs.count == names.count else {
            throw ZooError(
                .invalidGraph,
                "Reference data needs one input_K.pb per graph input (\(names.count): \(names.joined(separator: ", "))). Received: \(inputs.count).",
                file: reference)
        }
        let weightInputs = Dictionary(zip(names, inputs), uniquingKeysWith: { first, _ in first })
        // The data's own shapes bind the model's symbolic sizes where --input-shape does not.
        let shapes = try options.parsedInputShapes().merging(weightInputs.mapValues { Shape($0.shape) }) { given, _ in given }
        return try ONNXReader.load(path: reference, inputShapes: shapes, weightInputs: weightInputs)
    }
}

/// ONNX test data: `test_data_set_N/input_K.pb` and `output_K.pb`.
enum ReferenceData {
    struct DataSet {
        let folder: String
        let inputs: [Tensor]
        let outputs: [Tensor]
    }

    /// The sets in `folder` (its `test_data_set_*` subfolders in numeric order, or the folder
    /// itself when it holds `input_0.pb`).
    static func sets(in folder: String) throws -> [DataSet] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ZooError(.io, "--reference needs a folder of ONNX test data. Received: '\(folder)', which is not a folder.", file: folder)
        }
        let path = { (name: String) in (folder as NSString).appendingPathComponent(name) }
        if manager.fileExists(atPath: path("input_0.pb")) || manager.fileExists(atPath: path("output_0.pb")) {
            return [try read(folder)]
        }
        let entries = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
        let sets = entries.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("test_data_set_"), let index = Int(name.dropFirst("test_data_set_".count)) else { return nil }
            return (index, path(name))
        }.sorted { $0.0 < $1.0 }
        guard !sets.isEmpty else {
            throw ZooError(
                .io, "--reference needs test_data_set_N folders or input_K.pb/output_K.pb files. Received: '\(folder)', which holds neither.", file: folder)
        }
        return try sets.map { try read($0.1) }
    }

    private static func read(_ folder: String) throws -> DataSet {
        func tensors(_ prefix: String) throws -> [Tensor] {
            var list: [Tensor] = []
            while true {
                let file = (folder as NSString).appendingPathComponent("\(prefix)_\(list.count).pb")
                guard FileManager.default.fileExists(atPath: file) else { return list }
                list.append(try TensorFile.readOne(path: file))
            }
        }
        let outputs = try tensors("output")
        guard !outputs.isEmpty else {
            throw ZooError(.io, "A test data set needs output_0.pb. Received: '\(folder)' without it.", file: folder)
        }
        return DataSet(folder: folder, inputs: try tensors("input"), outputs: outputs)
    }
}

/// Rendering a verification report and turning a failed one into exit status 1.
enum VerificationText {
    /// Refuses tolerances that are negative or not finite (`--rtol`, `--atol` of verify and convert --verify).
    static func checkTolerance(rtol: Float, atol: Float) throws {
        guard rtol >= 0, atol >= 0, rtol.isFinite, atol.isFinite else {
            throw ZooError(.usage, "--rtol and --atol must be finite and non-negative. Received: rtol \(rtol), atol \(atol).")
        }
    }

    static func render(_ report: VerificationReport, format: ReportFormat) -> String {
        let rows = (report.layers + report.outputs).map { row -> [String] in
            let c = row.comparison
            let total = c.shape.reduce(1, *)
            let status = c.passes ? "ok" : c.shape != c.referenceShape ? "SHAPE \(c.referenceShape)" : "FAIL \(c.failures)/\(total)"
            let name = row.pairing == .output ? "\(row.name) (output)" : row.name
            return [name, row.referenceName == row.name ? "" : row.referenceName, row.op, "\(c.shape)", figure(c.maxAbs), figure(c.maxRel), cosine(c.cosine), status]
        }
        var text = TableText.render(
            header: ["value", "reference", "op", "shape", "max-abs", "max-rel", "cosine", "status"], rows: rows, format: format, numericColumns: [])
        guard format == .table else { return text }
        let byName = report.layers.filter { $0.pairing == .name }.count
        let byPosition = report.layers.filter { $0.pairing == .position }.count
        var summary = "compared \(report.layers.count) layers (\(byName) by name, \(byPosition) by position) and \(report.outputs.count) outputs"
        if !report.unpaired.isEmpty { summary += "; \(report.unpaired.count) layers have no counterpart" }
        summary += String(format: "; tolerance rtol %g, atol %g", report.tolerance.rtol, report.tolerance.atol)
        text += summary + "\n"
        if report.passes { text += "verified: every compared value is within the tolerance\n" }
        return text
    }

    /// Throws the `mismatch` error (exit status 1) naming the first divergence.
    static func conclude(_ report: VerificationReport, what: String) throws {
        guard let first = report.firstDivergence else { return }
        let c = first.comparison
        var detail: String
        if c.shape != c.referenceShape {
            detail = "shape \(c.shape) vs the reference's \(c.referenceShape)"
        } else {
            detail = "\(c.failures) of \(c.shape.reduce(1, *)) elements outside the tolerance, max-abs \(figure(c.maxAbs)), cosine \(cosine(c.cosine))"
            if let index = c.firstFailure, let values = c.firstFailureValues {
                detail += ", first at \(multiIndex(index, shape: c.shape)): \(values.actual) vs \(values.reference)"
            }
        }
        throw ZooError(
            .mismatch,
            "Verification of \(what) failed: the first value outside the tolerance is '\(first.name)' (\(first.op)). Received: \(detail).")
    }

    static func figure(_ value: Double) -> String {
        value.isNaN ? "-" : String(format: "%.3g", value)
    }

    static func cosine(_ value: Double) -> String {
        value.isNaN ? "-" : String(format: "%.9f", value)
    }

    static func multiIndex(_ flat: Int, shape: [Int]) -> String {
        var rest = flat
        var index = Array(repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return "\(index)"
    }
}
