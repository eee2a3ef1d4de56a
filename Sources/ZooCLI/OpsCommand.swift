import ArgumentParser
import ZooCore

struct OpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Every IR op with its short name, inputs, FLOP rule and receptive-field rule.")

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
            }
            Console.out(lines.joined(separator: "\n") + "\n\nConventions:\n" + ReportRenderer.conventions + "\n")
        case .json, .csv, .markdown:
            let rows = kinds.map { [$0.name, $0.arityDescription, $0.summary, $0.flopRule, $0.fieldRule] }
            let header = ["op", "inputs", "computes", "flops", "receptive_field"]
            var text = TableText.render(header: header, rows: rows, format: format, numericColumns: [])
            if format == .markdown { text += "\nConventions:\n\n" + ReportRenderer.conventions + "\n" }
            Console.out(text)
        }
    }
}
