import ArgumentParser
import Foundation
import ZooCore

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "The model as a Graphviz graph: nodes labelled with op, output shape, parameters and receptive field.",
        discussion: "DOT goes to stdout (or --output). `--format svg` renders it with Graphviz's `dot`, which must be installed (Debian: apt-get install graphviz).")

    enum GraphFormat: String, ExpressibleByArgument, CaseIterable {
        case dot, svg
    }

    @OptionGroup var model: ModelOptions

    @Option(name: .shortAndLong, help: "dot (Graphviz source) or svg (rendered by `dot`).")
    var format: GraphFormat = .dot

    @Option(name: .shortAndLong, help: "Write to this file (atomically) instead of stdout.")
    var output: String?

    func run() throws {
        let report = try model.load().analyze()
        let source = GraphvizRenderer.dot(report)
        let bytes: Data
        switch format {
        case .dot: bytes = Data(source.utf8)
        case .svg: bytes = try Graphviz.render(source, format: "svg")
        }
        if let output {
            try AtomicOutput.write(output) { try $0.write([UInt8](bytes)) }
        } else {
            FileHandle.standardOutput.write(bytes)
        }
    }
}

/// Runs Graphviz's `dot`.
enum Graphviz {
    /// The path of `dot` on PATH, if installed.
    static func executable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/dot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func render(_ source: String, format: String) throws -> Data {
        guard let dot = executable() else {
            throw ZooError(
                .unsupported,
                "--format svg needs Graphviz's `dot` on PATH; install it (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz) or use --format dot. Received: no `dot` in PATH.")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dot)
        process.arguments = ["-T\(format)"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(Data(source.utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let rendered = output.fileHandleForReading.readDataToEndOfFile()
        let diagnostics = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ZooError(
                .io, "Graphviz `dot -T\(format)` must succeed. Received: exit status \(process.terminationStatus): \(String(decoding: diagnostics, as: UTF8.self)).")
        }
        return rendered
    }
}
