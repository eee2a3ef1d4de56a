import ArgumentParser
import Foundation
import ZooCore

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Per-layer shapes, parameters, MACs, FLOPs and receptive fields of a model.",
        discussion: "The table's footer states the counting conventions; `--format json` is the stable interface for scripts.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var output: FormatOption

    @Flag(help: "Print on stderr where the time went (loading, analysis) and the resident memory after loading and at its peak.")
    var timings = false

    func run() throws {
        let start = Date()
        let loaded = try model.load()
        let afterLoad = Date()
        let memory = MemoryStats.resident()
        let report = try loaded.analyze()
        let afterAnalysis = Date()
        Console.out(ReportRenderer.render(report, as: output.format))
        guard timings else { return }
        var lines = [
            String(format: "load %.1f ms, analysis %.1f ms", afterLoad.timeIntervalSince(start) * 1000, afterAnalysis.timeIntervalSince(afterLoad) * 1000)
        ]
        if let memory {
            lines.append("resident memory after loading \(ReportRenderer.humanized(memory.current, binary: true)), peak \(ReportRenderer.humanized(memory.peak, binary: true))")
        }
        FileHandle.standardError.write(Data(lines.map { "zoo: \($0)\n" }.joined().utf8))
    }
}
