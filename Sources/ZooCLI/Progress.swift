import Foundation

/// Progress lines on stderr for large files, and only when stderr is a terminal (scripts and
/// CI see none).
enum Progress {
    /// Files over this many bytes get progress lines.
    static let threshold = 50 << 20

    static let isTerminal = isatty(STDERR_FILENO) == 1

    /// Runs `body`, announcing it first and giving its duration after, when `bytes` is large
    /// and stderr a terminal.
    static func step<T>(_ description: String, bytes: Int, _ body: () throws -> T) rethrows -> T {
        guard isTerminal, bytes > threshold else { return try body() }
        let megabytes = Double(bytes) / 1_048_576
        FileHandle.standardError.write(Data("zoo: \(description) (\(String(format: "%.0f", megabytes)) MiB)...".utf8))
        let start = Date()
        let result = try body()
        FileHandle.standardError.write(Data(" \(String(format: "%.2f", Date().timeIntervalSince(start))) s\n".utf8))
        return result
    }

    /// The size of the file at `path`, or 0.
    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
