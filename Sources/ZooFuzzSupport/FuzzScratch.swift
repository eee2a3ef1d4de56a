import Foundation

/// A folder of this fuzzing process's own, where each input is written as a file so that the
/// readers' path entry points (mapping, external data, format detection by content) see it as a
/// user's file would be seen. In /dev/shm when it exists, so a write costs microseconds.
public struct FuzzScratch: Sendable {
    /// The folder, made when the process starts and never cleaned (a crash leaves its last input).
    public let folder: String

    /// Makes the folder (`zoo-fuzz-<reader>-<pid>`) and copies `companions` (paths of files the
    /// inputs may refer to, such as an external-data file) into it under their own names.
    public init(reader: String, companions: [String] = []) {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        folder = "\(base)/zoo-fuzz-\(reader)-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for companion in companions {
            let target = "\(folder)/\((companion as NSString).lastPathComponent)"
            if !FileManager.default.fileExists(atPath: target) {
                try? FileManager.default.copyItem(atPath: companion, toPath: target)
            }
        }
    }

    /// Writes `bytes` to `name` in the folder, replacing what was there; returns the path.
    public func write(_ bytes: UnsafeRawBufferPointer, as name: String) -> String {
        let path = "\(folder)/\(name)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// What a libFuzzer entry point does with an input: writes it to `name` and hands the path
    /// to `read`, whose errors are the expected outcome for a bad file (only a crash is a bug).
    /// Returns 0, libFuzzer's "keep going".
    public func feed(_ data: UnsafePointer<UInt8>?, _ size: Int, as name: String, to read: (String) throws -> Void) -> CInt {
        guard let data else { return 0 }
        try? read(write(UnsafeRawBufferPointer(start: data, count: size), as: name))
        return 0
    }
}
