import ArgumentParser
import ZooCore
import ZooKeras
import ZooONNX

struct OpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Every IR op with its short name, inputs, FLOP and receptive-field rules, and its ONNX and Keras spellings.",
        discussion: """
            JSON rows also give the spellings as data: `onnx_op_types` ({op_type, first, last}: the \
            node types read and their opsets), `keras_classes` and `keras_activations`.
            """)

    @Option(name: .shortAndLong, help: "Output format: table, json, csv or markdown.")
    var format: ReportFormat = .table

    /// One op kind with its two format rows.
    private struct Entry {
        let info: OpInfo
        let onnx: ONNXOpRow?
        let keras: KerasOpRow?

        var onnxReads: String { onnx?.readsText ?? "-" }
        var onnxWrites: String { onnx?.writes ?? "-" }
        var kerasReads: String { keras?.readsText ?? "-" }
        var kerasWrites: String { keras?.writes ?? "-" }
    }

    func run() throws {
        let entries = Op.allKinds.map { Entry(info: $0.info, onnx: ONNXOpTable.row(for: $0), keras: KerasOpTable.row(for: $0)) }
        switch format {
        case .table:
            var lines: [String] = []
            for entry in entries {
                let info = entry.info
                lines.append("\(info.name) (\(info.arityDescription)): \(info.summary)")
                lines.append("    FLOPs: \(info.flopRule)")
                lines.append("    receptive field: \(info.fieldRule)")
                lines.append("    ONNX: reads \(entry.onnxReads); writes \(entry.onnxWrites)")
                lines.append("    Keras: reads \(entry.kerasReads); writes \(entry.kerasWrites)")
            }
            Console.out(lines.joined(separator: "\n") + "\n\nConventions:\n" + ReportRenderer.conventions + "\n")
        case .json:
            let objects = entries.map { entry -> JSONValue in
                let info = entry.info
                let types = (entry.onnx?.reads ?? []).map { type in
                    JSONValue.object([
                        ("op_type", .string(type.opType)), ("first", .int(type.opsets.lowerBound)), ("last", .int(type.opsets.upperBound)),
                    ])
                }
                return .object([
                    ("op", .string(info.name)), ("inputs", .string(info.arityDescription)), ("computes", .string(info.summary)),
                    ("flops", .string(info.flopRule)), ("receptive_field", .string(info.fieldRule)),
                    ("onnx_reads", .string(entry.onnxReads)), ("onnx_writes", .string(entry.onnxWrites)), ("onnx_op_types", .array(types)),
                    ("keras_reads", .string(entry.kerasReads)), ("keras_writes", .string(entry.kerasWrites)),
                    ("keras_classes", .array((entry.keras?.classes ?? []).map(JSONValue.string))),
                    ("keras_activations", .array((entry.keras?.activations ?? []).map(JSONValue.string))),
                ])
            }
            Console.out(JSONValue.array(objects).rendered())
        case .csv, .markdown:
            let rows = entries.map { entry in
                let info = entry.info
                return [info.name, info.arityDescription, info.summary, info.flopRule, info.fieldRule, entry.onnxReads, entry.onnxWrites, entry.kerasReads, entry.kerasWrites]
            }
            let header = ["op", "inputs", "computes", "flops", "receptive_field", "onnx_reads", "onnx_writes", "keras_reads", "keras_writes"]
            var text = TableText.render(header: header, rows: rows, format: format, numericColumns: [])
            if format == .markdown { text += "\nConventions:\n\n" + ReportRenderer.conventions + "\n" }
            Console.out(text)
        }
    }
}
