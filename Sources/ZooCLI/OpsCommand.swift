import ArgumentParser
import ZooCore
import ZooKeras
import ZooONNX

struct OpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Every IR op with its short name, inputs, FLOP and receptive-field rules, and its ONNX and Keras spellings.")

    @Option(name: .shortAndLong, help: "Output format: table, json, csv or markdown.")
    var format: ReportFormat = .table

    func run() throws {
        let kinds = Op.allKinds.map { $0.info }
        switch format {
        case .table:
            var lines: [String] = []
            for info in kinds {
                lines.append("\(info.name) (\(info.arityDescription)): \(info.summary)")
                lines.append("    FLOPs: \(info.flopRule)")
                lines.append("    receptive field: \(info.fieldRule)")
                let onnx = ONNXSpelling.spelling(of: info.name)
                lines.append("    ONNX: reads \(onnx.reads); writes \(onnx.writes)")
                let keras = KerasSpelling.spelling(of: info.name)
                lines.append("    Keras: reads \(keras.reads); writes \(keras.writes)")
            }
            Console.out(lines.joined(separator: "\n") + "\n\nConventions:\n" + ReportRenderer.conventions + "\n")
        case .json, .csv, .markdown:
            let rows = kinds.map { info in
                let onnx = ONNXSpelling.spelling(of: info.name), keras = KerasSpelling.spelling(of: info.name)
                return [info.name, info.arityDescription, info.summary, info.flopRule, info.fieldRule, onnx.reads, onnx.writes, keras.reads, keras.writes]
            }
            let header = ["op", "inputs", "computes", "flops", "receptive_field", "onnx_reads", "onnx_writes", "keras_reads", "keras_writes"]
            var text = TableText.render(header: header, rows: rows, format: format, numericColumns: [])
            if format == .markdown { text += "\nConventions:\n\n" + ReportRenderer.conventions + "\n" }
            Console.out(text)
        }
    }
}
