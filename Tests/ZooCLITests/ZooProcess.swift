import Foundation
import Testing
import ZooTestSupport

/// What one run of the `zoo` binary produced.
struct ZooResult: Sendable, CustomStringConvertible {
    /// The exit status, or the signal number when `signaled`.
    let status: Int32
    /// Whether the process ended by a signal (a crash, or killed after the timeout).
    let signaled: Bool
    let stdout: String
    let stderr: String

    /// The non-empty lines of stderr.
    var stderrLines: [String] {
        stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    var description: String {
        "status \(status)\(signaled ? " (signal)" : ""), stdout \(stdout.count) chars, stderr: \(stderr)"
    }
}

/// Runs the built `zoo` executable, as a user would from a shell.
enum ZooProcess {
    struct NotFound: Error, CustomStringConvertible {
        let searched: [String]
        var description: String { "The zoo executable was not found; build it first (swift build). Searched: \(searched.joined(separator: ", "))." }
    }

    /// Longest a single run may take before it is killed (and reported as signaled).
    static let timeout: TimeInterval = 60

    /// Folders that may hold the `zoo` product, best first: the products folder of the running
    /// test bundle (on Linux the folder holding the `.xctest` executable; on macOS the folder
    /// holding the `.xctest` bundle), then `.build/debug` of the package.
    static let candidateFolders: [URL] = {
        var folders: [URL] = []
        if let override = ProcessInfo.processInfo.environment["ZOO_EXECUTABLE"] {
            folders.append(URL(fileURLWithPath: override).deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        if let first = CommandLine.arguments.first {
            let executable = URL(fileURLWithPath: first).resolvingSymlinksInPath()
            folders.append(executable.deletingLastPathComponent())
            var folder = executable
            while folder.pathComponents.count > 1 {
                folder = folder.deletingLastPathComponent()
                if folder.pathExtension == "xctest" { folders.append(folder.deletingLastPathComponent()) }
            }
        }
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        folders.append(Fixtures.packageRoot.appendingPathComponent(".build/debug"))
        return folders
    }()

    /// The `zoo` executable: the first regular, executable file named `zoo` in the candidate folders.
    static let executable: URL? = {
        for folder in candidateFolders {
            let candidate = folder.appendingPathComponent("zoo")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
        }
        return nil
    }()

    /// Runs `zoo args...` with `stdin` as its standard input (empty when nil) and returns its
    /// exit status and output. `environment` replaces the inherited environment when given.
    static func run(
        _ args: [String], stdin: String? = nil, environment: [String: String]? = nil, in directory: URL? = nil,
        executable override: URL? = nil
    ) throws -> ZooResult {
        guard let executable = override ?? executable else { throw NotFound(searched: candidateFolders.map(\.path)) }
        // stdout and stderr go to files, not pipes, so that large outputs cannot fill a pipe
        // and block the child while the parent waits for it.
        let scratch = try TemporaryDirectory()
        let outURL = scratch.url.appendingPathComponent("stdout")
        let errURL = scratch.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }

        let process = Process()
        process.executableURL = executable
        process.arguments = args
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = outHandle
        process.standardError = errHandle
        var inHandle: FileHandle?
        if let stdin {
            let inURL = scratch.url.appendingPathComponent("stdin")
            try Data(stdin.utf8).write(to: inURL)
            inHandle = try FileHandle(forReadingFrom: inURL)
            process.standardInput = inHandle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        defer { try? inHandle?.close() }

        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            finished.wait()
        }
        process.waitUntilExit()

        let stdout = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        return ZooResult(
            status: process.terminationStatus,
            signaled: timedOut || process.terminationReason == .uncaughtSignal,
            stdout: stdout,
            stderr: timedOut ? "[killed after \(timeout) s] " + stderr : stderr)
    }
}

/// The 1-based number of the first line of `text` that contains `marker`.
func lineNumber(of marker: String, in text: String) -> Int? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return lines.firstIndex { $0.contains(marker) }.map { $0 + 1 }
}

/// Checks the shape of a usage or input failure: status 2 by exit (not a signal), nothing on
/// stdout, and exactly one stderr line `zoo: error: ...`. Returns that line ("" when missing).
@discardableResult
func expectOneErrorLine(_ result: ZooResult, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    #expect(!result.signaled, "zoo must not crash: \(result)", sourceLocation: sourceLocation)
    #expect(result.status == 2, "exit status must be 2: \(result)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "stdout must be empty on an error, got: \(result.stdout.prefix(300))", sourceLocation: sourceLocation)
    let lines = result.stderrLines
    #expect(lines.count == 1, "stderr must be one line, got \(lines.count): \(result.stderr)", sourceLocation: sourceLocation)
    let line = lines.first ?? ""
    #expect(line.hasPrefix("zoo: error: "), "stderr must start with 'zoo: error: ', got: \(line)", sourceLocation: sourceLocation)
    return line
}
