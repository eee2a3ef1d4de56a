import ArgumentParser
import ZooCore

struct OpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Every IR op with its short name, inputs, FLOP rule and receptive-field rule.")

    @Option(name: .shortAndLong, help: "Output format: table, json, csv or markdown.")
    var format: ReportFormat = .table

    func run() throws {
        let rows = Op.allKinds.map { kind in
            [kind.info.name, kind.info.arityDescription, kind.info.summary, kind.info.flopRule, kind.info.fieldRule]
        }
        let header = ["op", "inputs", "computes", "flops", "receptive_field"]
        var text = TableText.render(header: header, rows: rows, format: format, numericColumns: [])
        if format == .table || format == .markdown { text += "\nConventions:\n" + ReportRenderer.conventions + "\n" }
        Console.out(text)
    }
}
