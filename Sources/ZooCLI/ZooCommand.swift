import ArgumentParser
import Foundation
import ZooCore
import ZooKeras

/// The `zoo` command: analyze, convert, run, verify, explain, graph, list and ops.
///
/// Exit status: 0 on success, 1 when a verification finds a mismatch, 2 for bad input or usage
/// (swift-argument-parser's own usage status 64 is mapped to 2). Data goes to stdout; errors
/// and warnings go to stderr.
@main
struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Analyze, convert and verify CNNs across Keras, ONNX and the lecture's model zoo.",
        discussion: """
            MODEL is a network of the zoo (`zoo list`), a spec file (.yaml, zoo/README.md \
            documents the format), an ONNX model (.onnx) or a Keras model (.h5, .keras); a \
            weights-only Keras file (.weights.h5, save_weights .h5) takes its architecture from \
            --architecture.
            """,
        version: "0.1.0",
        subcommands: [
            AnalyzeCommand.self, ConvertCommand.self, RunCommand.self, VerifyCommand.self, ExplainCommand.self, GraphCommand.self, ListCommand.self,
            OpsCommand.self,
        ])

    static func main() {
        // Anything refused while parsing — unknown options, bad values, and the ZooErrors the
        // commands' validate() throws (which argument-parser wraps, so they would exit 1) — is
        // a usage error: one line, status 2. Help and --version still exit 0.
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            guard exitCode(for: error) != .success else { exit(withError: error) }
            let message = fullMessage(for: error)
            Console.error(message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message)
            Foundation.exit(2)
        }
        do {
            try command.run()
        } catch let error as ZooError {
            Console.error(error.description)
            Foundation.exit(error.kind == .mismatch ? 1 : 2)
        } catch {
            exit(withError: error)
        }
    }
}

/// Writing to the standard streams.
enum Console {
    /// Writes `text` to stdout as it is (callers end it with a newline).
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes `zoo: error: message` to stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("zoo: error: \(message)\n".utf8))
    }

    /// Writes `zoo: note: message` to stderr.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("zoo: note: \(message)\n".utf8))
    }

    /// Writes `text` to stderr as it is (timings, profiles).
    static func raw(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Writes `zoo: warning: message` to stderr.
    static func warning(_ message: String) {
        FileHandle.standardError.write(Data("zoo: warning: \(message)\n".utf8))
    }
}
