#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZooSandbox

/// The child's side of a ``SandboxedChild``: what it tells the parent.
public struct SandboxChannel {
    let status: SandboxStatus

    /// Names the step the child is about to take (the parent's message names it if the child
    /// dies or stalls there, as "while <activity>") and restarts the stall clock; a step that
    /// may take long (decompressing a large dataset) asks for `extraSeconds` more.
    public func begin(_ activity: String, allowing extraSeconds: Double = 0) {
        status.begin(activity, extraSeconds: extraSeconds)
    }

    /// Sends `bytes` to the parent, whole. Returns false when the parent is gone.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard var next = bytes.baseAddress else { return true }
        var left = bytes.count
        while left > 0 {
            let count = write(zoo_sandbox_channel(), next, left)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            next += count
            left -= count
            status.tick()
        }
        return true
    }
}
