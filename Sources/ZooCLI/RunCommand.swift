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

    @Option(name: .customLong("profile-steps"), help: ArgumentHelp("With --profile, list the N slowest steps (0: every step, slowest first).", valueName: "n"))
    var profileSteps = 10

    func validate() throws {
        if let repeatCount, repeatCount < 1 { throw ZooError(.usage, "--repeat must be at least 1. Received: \(repeatCount).") }
        if profile, repeatCount == nil { throw ZooError(.usage, "--profile needs --repeat N. Received: --profile alone.") }
        if profileSteps < 0 { throw ZooError(.usage, "--profile-steps must be 0 (every step) or more. Received: \(profileSteps).") }
        if repeatCount != nil, dumpLayers != nil {
            throw ZooError(.usage, "--repeat times the fused run and --dump-layers needs the unfused one; ask for one at a time. Received: both.")
        }
    }

    func run() throws {
        let readStart = DispatchTime.now().uptimeNanoseconds
        let early = try runInputs.filesBeforeLoading(model: model.model, isolation: model.hdf5Isolation)
        let loaded = try model.loadWithWeights(seed: runInputs.seed, fileShapes: early?.mapValues { Shape($0.shape) } ?? [:])
        let inputs = try runInputs.tensors(for: loaded.graph, given: early)
        let options = ExecutionOptions(threads: runInputs.threads, fusing: dumpLayers == nil, profiling: profile)
        let prepareStart = DispatchTime.now().uptimeNanoseconds
        let executor = try loaded.located {
            try Executor(graph: loaded.graph, inputShapes: inputs.mapValues(\.shape), options: options)
        }
        let loading = (read: Self.milliseconds(since: readStart, until: prepareStart), prepare: Self.milliseconds(since: prepareStart))
        if let output { try checkOutputPath(output, outputs: executor.graph.outputs.count) }
        var dump = try dumpLayers.map { try LayerDump(folder: $0) }
        if dump != nil {
            for input in executor.graph.inputs {
                if let tensor = inputs[input.name] { try dump?.write(tensor, name: input.name, op: "input") }
            }
        }
        let opNames = Dictionary(executor.graph.layers.map { ($0.name, $0.op.name) }, uniquingKeysWith: { first, _ in first })
        let firstStart = DispatchTime.now().uptimeNanoseconds
        // Observing only to dump: an observed run keeps every value whole (no output written
        // over a residual), so its peak is not the plain run's.
        let result = try loaded.located {
            guard dump != nil else { return try executor.run(inputs) }
            return try executor.run(inputs) { name, tensor in try dump?.write(tensor, name: name, op: opNames[name] ?? "") }
        }
        let firstRun = Self.milliseconds(since: firstStart)
        try dump?.finish()
        if let output {
            try TensorFile.write(result.outputs.map { ($0.name, $0.tensor) }, to: output)
        }
        Console.out(summary(result))
        if let repeatCount { try time(executor, inputs: inputs, runs: repeatCount, firstRun: firstRun, loading: loading) }
    }

    private static func milliseconds(since start: UInt64, until end: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Double {
        Double(end - start) / 1e6
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

    /// Times `runs` runs of `executor` after the first one (`firstRun` milliseconds), which was
    /// the warm-up. With --profile, also prints the load (reading the model and the inputs, then
    /// preparing the executor: shapes, fusion, weights packed for the kernels), the time per op
    /// and kernel, and the slowest steps (--profile-steps of them, 0 for all), each with its GFLOP/s (the FLOPs of the step's first op,
    /// `zoo ops`'s rules, over its median time).
    private func time(_ executor: Executor, inputs: [String: Tensor], runs: Int, firstRun: Double, loading: (read: Double, prepare: Double)) throws {
        var latencies: [Double] = []
        var perStep: [String: [Double]] = [:]
        var steps: [LayerTiming] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try executor.run(inputs)
            latencies.append(Self.milliseconds(since: start))
            if steps.isEmpty { steps = result.timings }
            for timing in result.timings { perStep[timing.layer, default: []].append(timing.seconds * 1000) }
        }
        Console.raw(String(format: "latency: median %.2f ms, min %.2f ms over %d runs (first run %.2f ms)\n", Self.median(latencies), latencies.min() ?? 0, runs, firstRun))
        guard profile else { return }
        Console.raw(String(format: "load: read %.1f ms, prepare %.1f ms (shapes, fusion, weights packed for the kernels)\n", loading.read, loading.prepare))
        // Each step at its median time; the groups add the medians.
        let timed = steps.map { (timing: $0, ms: Self.median(perStep[$0.layer] ?? [0])) }
        let total = timed.reduce(0) { $0 + $1.ms }
        func rate(flops: Int, ms: Double) -> String { flops > 0 && ms > 0 ? String(format: "%.1f", Double(flops) / ms / 1e6) : "-" }
        var groups: [String: (op: String, kernel: String, steps: Int, ms: Double, flops: Int)] = [:]
        for (timing, ms) in timed {
            let key = timing.op + "\u{0}" + timing.kernel
            let entry = groups[key] ?? (timing.op, timing.kernel, 0, 0, 0)
            groups[key] = (entry.op, entry.kernel, entry.steps + 1, entry.ms + ms, entry.flops + timing.flops)
        }
        let rows = groups.values.sorted { $0.ms > $1.ms || $0.ms == $1.ms && $0.op < $1.op }.map { entry -> [String] in
            [
                entry.op, entry.kernel, String(entry.steps), String(format: "%.2f", entry.ms), String(format: "%.1f%%", total > 0 ? 100 * entry.ms / total : 0),
                rate(flops: entry.flops, ms: entry.ms),
            ]
        }
        let table = ReportRenderer.aligned(
            rows: rows, header: ["op", "kernel", "steps", "ms per run", "share", "GFLOP/s"], rightAligned: [false, false, true, true, true, true])
        Console.raw(table.joined(separator: "\n") + "\n")
        let slowest = timed.sorted { $0.ms > $1.ms }.prefix(profileSteps == 0 ? timed.count : profileSteps).map { timing, ms -> [String] in
            [timing.layer, timing.op, timing.kernel, String(timing.flops), String(format: "%.3f", ms), rate(flops: timing.flops, ms: ms)]
        }
        let table2 = ReportRenderer.aligned(
            rows: slowest, header: ["slowest steps", "op", "kernel", "FLOPs", "ms per run", "GFLOP/s"],
            rightAligned: [false, false, false, true, true, true])
        Console.raw(table2.joined(separator: "\n") + "\n")
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
