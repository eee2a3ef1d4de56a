import ArgumentParser
import ZooCore

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The networks of the zoo with their totals.")

    @Option(name: .shortAndLong, help: "Output format: table, json, csv or markdown.")
    var format: ReportFormat = .table

    func run() throws {
        let rows = try Zoo.names.map { name -> [String] in
            let model = try Zoo.model(named: name)
            let report = try model.analyze()
            let input = report.inputs.map { "\($0.shape)" }.joined(separator: ", ")
            return [
                name, input, String(report.layers.count), String(report.totals.params.trainable),
                String(report.totals.params.total), String(report.totals.macs), String(report.totals.flops),
                model.variant ?? "",
            ]
        }
        let header = ["name", "input", "layers", "params_trainable", "params_total", "macs", "flops", "variant"]
        Console.out(TableText.render(header: header, rows: rows, format: format, numericColumns: [2, 3, 4, 5, 6]))
    }
}
