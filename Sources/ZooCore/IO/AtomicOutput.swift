#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing an output file (a model, a tensor file, a graph) so that it appears whole or not at
/// all: the bytes go to a new
/// temporary file in the destination's folder, which rename(2) then moves over the destination
/// in one step.
///
/// The previous file at the destination is replaced, never written into: a model or tensor read
/// from it (whose floats may be borrowed from its mapping) stays valid. On any failure the temporary file is
/// removed and the destination is left as it was.
public enum AtomicOutput {
    /// Calls `produce` with the path of a temporary file next to `path` that does not exist
    /// yet; `produce` creates and fills it. The file is then renamed over `path`.
    public static func replace(_ path: String, produce: (String) throws -> Void) throws {
        let temporary = temporaryPath(for: path)
        do {
            try produce(temporary)
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ZooError(.io, "An output file's destination must be replaceable. Received: '\(path)' (\(reason)).", file: path)
        }
    }

    /// Writes the chunks that `body` hands to the sink into a new file, renamed over `path`.
    public static func write(_ path: String, _ body: (Sink) throws -> Void) throws {
        try replace(path) { temporary in
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            guard descriptor >= 0 else {
                throw ZooError(.io, "An output file's folder must exist and be writable. Received: '\(path)' (\(String(cString: strerror(errno)))).", file: path)
            }
            let sink = Sink(descriptor: descriptor, path: path)
            do {
                try body(sink)
            } catch {
                close(descriptor)
                throw error
            }
            guard close(descriptor) == 0 else {
                throw ZooError(.io, "An output file must be written whole. Received: '\(path)' (\(String(cString: strerror(errno)))).", file: path)
            }
        }
    }

    /// An open temporary file that takes bytes in order.
    public struct Sink {
        public let descriptor: Int32
        public let path: String

        /// Writes all of `bytes`, retrying interrupted and partial writes.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            guard var next = bytes.baseAddress else { return }
            var remaining = bytes.count
            while remaining > 0 {
                let written = systemWrite(descriptor, next, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw ZooError(.io, "An output file must be written whole. Received: '\(path)' (\(String(cString: strerror(errno)))).", file: path)
                }
                next += written
                remaining -= written
            }
        }

        public func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }
    }

    /// `.<name>.zoo-<pid>-<random>.tmp` in the destination's folder (rename(2) needs the same
    /// file system).
    private static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(folder).\(name).zoo-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).tmp"
    }
}

/// write(2), under a name the sink's own `write` methods do not hide.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}
