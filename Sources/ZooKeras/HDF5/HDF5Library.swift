import Foundation

/// libhdf5 as Debian builds it (serial, without its thread-safe option) allows one caller at a
/// time: every use of it in this process — writing a file, an in-process read — and every fork
/// of a sandboxed read holds ``lock``, so that calls never overlap and a child never inherits
/// libhdf5 halfway through a call on another thread.
enum HDF5Library {
    static let lock = NSLock()

    /// Runs `body` holding ``lock``.
    static func serialized<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
