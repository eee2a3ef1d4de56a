import ArgumentParser
import ZooCore

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Per-layer shapes, parameters, MACs, FLOPs and receptive fields of a model.",
        discussion: "The table's footer states the counting conventions; `--format json` is the stable interface for scripts.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let loaded = try model.load()
        Console.out(ReportRenderer.render(try loaded.analyze(), as: output.format))
    }
}
