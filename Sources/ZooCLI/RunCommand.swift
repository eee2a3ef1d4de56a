import ArgumentParser
import Foundation
import ZooCore
import ZooExec
import ZooONNX

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model on inputs from files or drawn at random, in zoo's own executor.",
        discussion: """
            Prints each output's shape and statistics (and the top classes of a [N, K] output) \
            and the run's peak live memory. --output writes the outputs (.npy for one, .npz for \
            several, keyed by name); --dump-layers writes every layer's value; --repeat times \
            the run like onnxruntime_perf_test: the first run is the warm-up, then N timed runs.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var runInputs: RunInputOptions

    @Option(help: "Write the outputs here: .npy (one output), .npz (any number, keyed by name) or .pb (one output).")
    var output: String?

    @Option(name: .customLong("dump-layers"), help: ArgumentHelp("Write every layer's value to DIR as NAME.npy, with DIR/index.json mapping layers to files.", valueName: "dir"))
    var dumpLayers: String?

    @Option(name: .customLong("repeat"), help: "Time N runs after the first (the warm-up) and print the median and minimum latency, and the first run's, on stderr.")
    var repeatCount: Int?

    @Flag(help: "With --repeat, print where the time goes per op kind on stderr.")
    var profile = false

    func validate() throws {
        if let repeatCount, repeatCount < 1 { throw ZooError(.usage, "--repeat must be at least 1. Received: \(repeatCount).") }
        if profile, repeatCount == nil { throw ZooError(.usage, "--profile needs --repeat N. Received: --profile alone.") }
        if repeatCount != nil, dumpLayers != nil {
            throw ZooError(.usage, "--repeat times the fused run and --dump-layers needs the unfused one; ask for one at a time. Received: both.")
        }
    }

    func run() throws {
        let early = try runInputs.filesBeforeLoading(model: model.model, isolation: model.hdf5Isolation)
        let loaded = try model.loadWithWeights(seed: runInputs.seed, fileShapes: early?.mapValues { Shape($0.shape) } ?? [:])
        let inputs = try runInputs.tensors(for: loaded.graph, given: early)
        let options = ExecutionOptions(threads: runInputs.threads, fusing: dumpLayers == nil, profiling: profile)
        let executor = try loaded.located {
            try Executor(graph: loaded.graph, inputShapes: inputs.mapValues(\.shape), options: options)
        }
        if let output { try checkOutputPath(output, outputs: executor.graph.outputs.count) }
        var dump = try dumpLayers.map { try LayerDump(folder: $0) }
        if dump != nil {
            for input in executor.graph.inputs {
                if let tensor = inputs[input.name] { try dump?.write(tensor, name: input.name, op: "input") }
            }
        }
        let opNames = Dictionary(executor.graph.layers.map { ($0.name, $0.op.name) }, uniquingKeysWith: { first, _ in first })
        let firstStart = DispatchTime.now().uptimeNanoseconds
        let result = try loaded.located {
            try executor.run(inputs) { name, tensor in try dump?.write(tensor, name: name, op: opNames[name] ?? "") }
        }
        let firstRun = Double(DispatchTime.now().uptimeNanoseconds - firstStart) / 1e6
        try dump?.finish()
        if let output {
            try TensorFile.write(result.outputs.map { ($0.name, $0.tensor) }, to: output)
        }
        Console.out(summary(result))
        if let repeatCount { try time(executor, inputs: inputs, runs: repeatCount, firstRun: firstRun) }
    }

    private func checkOutputPath(_ path: String, outputs: Int) throws {
        let lowered = path.lowercased()
        if outputs > 1, !lowered.hasSuffix(".npz") {
            throw ZooError(.invalidGraph, "A model with several outputs writes them to an .npz. Received: --output '\(path)' for \(outputs) outputs.")
        }
    }

    private func summary(_ result: ExecutionResult) -> String {
        var lines: [String] = []
        for (name, tensor) in result.outputs {
            let values = tensor.storage?.buffer ?? UnsafeBufferPointer(start: nil, count: 0)
            var line = "\(name) \(tensor.shape)"
            if !values.isEmpty {
                let finite = values.filter(\.isFinite)
                let mean = finite.reduce(0.0) { $0 + Double($1) } / Double(max(finite.count, 1))
                line += String(format: "  min %.6g  max %.6g  mean %.6g", finite.min() ?? .nan, finite.max() ?? .nan, mean)
                if finite.count < values.count { line += "  (\(values.count - finite.count) not finite)" }
            }
            lines.append(line)
            if tensor.shape.count == 2, tensor.shape[1] > 1 {
                let classes = tensor.shape[1]
                for row in 0..<min(tensor.shape[0], 4) {
                    let scores = Array(values[(row * classes)..<((row + 1) * classes)])
                    let top = scores.indices.sorted { scores[$0] > scores[$1] || scores[$0] == scores[$1] && $0 < $1 }.prefix(5)
                    lines.append("  [\(row)] top: " + top.map { String(format: "%d (%.4g)", $0, scores[$0]) }.joined(separator: ", "))
                }
            }
        }
        lines.append("peak live values: \(ReportRenderer.humanized(result.peakLiveBytes, binary: true))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Times `runs` runs of `executor` after the first one (`firstRun` milliseconds), which was the warm-up.
    private func time(_ executor: Executor, inputs: [String: Tensor], runs: Int, firstRun: Double) throws {
        var latencies: [Double] = []
        var perOp: [String: (seconds: Double, steps: Int)] = [:]
        var perStep: [String: (op: String, seconds: Double)] = [:]
        var order: [String] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try executor.run(inputs)
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            for timing in result.timings {
                if perOp[timing.op] == nil { order.append(timing.op) }
                perOp[timing.op, default: (0, 0)].seconds += timing.seconds
                perOp[timing.op, default: (0, 0)].steps += 1
                perStep[timing.layer, default: (timing.op, 0)].seconds += timing.seconds
            }
        }
        let sorted = latencies.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        Console.raw(String(format: "latency: median %.2f ms, min %.2f ms over %d runs (first run %.2f ms)\n", median, sorted[0], runs, firstRun))
        guard profile else { return }
        let total = perOp.values.reduce(0) { $0 + $1.seconds }
        let rows = order.sorted { perOp[$0]?.seconds ?? 0 > perOp[$1]?.seconds ?? 0 }.map { op -> [String] in
            let entry = perOp[op] ?? (0, 0)
            return [
                op, String(entry.steps / runs), String(format: "%.2f", entry.seconds * 1000 / Double(runs)),
                String(format: "%.1f%%", total > 0 ? 100 * entry.seconds / total : 0),
            ]
        }
        let table = ReportRenderer.aligned(rows: rows, header: ["op", "layers", "ms per run", "share"], rightAligned: [false, true, true, true])
        Console.raw(table.joined(separator: "\n") + "\n")
        let slowest = perStep.sorted { $0.value.seconds > $1.value.seconds }.prefix(10).map { layer, entry -> [String] in
            [layer, entry.op, String(format: "%.2f", entry.seconds * 1000 / Double(runs))]
        }
        let steps = ReportRenderer.aligned(rows: slowest, header: ["slowest steps", "op", "ms per run"], rightAligned: [false, false, true])
        Console.raw(steps.joined(separator: "\n") + "\n")
    }
}
