import Foundation
import ZooCore

/// Writing output files so that they appear whole or not at all: the bytes go to a temporary
/// file in the same folder, which is then renamed over the destination.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        let destination = URL(fileURLWithPath: path)
        let folder = destination.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(destination.lastPathComponent).zoo-\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary, options: [.withoutOverwriting])
            if FileManager.default.fileExists(atPath: destination.path) {
                _ = try FileManager.default.replaceItemAt(destination, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: destination)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ZooError(.io, "The output file must be writable. Received: '\(path)' (\(error.localizedDescription)).", file: path)
        }
    }
}
