import Foundation
import ZooCore

/// Writing output files so that they appear whole or not at all: the bytes go to a temporary
/// file in the same folder, which rename(2) then moves over the destination in one step.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        let destination = URL(fileURLWithPath: path)
        let temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).zoo-\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary, options: [.withoutOverwriting])
        } catch {
            throw ZooError(.io, "The output file's folder must be writable. Received: '\(path)' (\(error.localizedDescription)).", file: path)
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ZooError(.io, "The output file must be replaceable. Received: '\(path)' (\(reason)).", file: path)
        }
    }
}
