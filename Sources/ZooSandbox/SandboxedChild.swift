#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZooSandbox
import Foundation
import ZooCore

/// Work on untrusted bytes done in a child process, so that a fault in a library that parses them
/// (a heap overflow, a wild pointer, an endless loop, a runaway allocation) cannot take the caller
/// down or run code with its rights.
///
/// ``start(_:limits:body:)`` forks; the child confines itself (`zoo_sandbox_enter`: descriptor 3,
/// a pipe to the parent, is its only descriptor; it dies with its parent; no core file, no file
/// growth, a CPU-time and an address-space limit; a seccomp filter that fails every system call
/// but memory management, writes to the pipe, exiting, signals to itself, futexes and clocks
/// with EPERM, so it cannot open files, connect, exec or fork), runs `body` with a
/// ``SandboxChannel`` and exits. It inherits the parent's memory copy-on-write, so it reads what
/// the parent mapped (a model file) without a descriptor, and what it sends the parent is
/// checked there like any file's bytes.
///
/// The parent reads the child's output with ``read(into:)``, which watches the child: a child
/// that reports no progress (``SandboxChannel/begin(_:allowing:)``) for
/// ``SandboxLimits/stallSeconds`` (plus what the step asked for) is killed. A child that dies
/// by a signal, stalls, exceeds its CPU time or exits early becomes one ``ZooError``
/// (`malformedFile`) naming the step it was taking: "libhdf5 crashed (SIGSEGV, a memory fault)
/// while reading the attribute 'model_config' of '/'".
///
/// The child is forked from a process that may have other threads, and runs Swift code until it
/// exits: glibc's `fork` leaves `malloc` usable, and a lock that another thread held at the fork
/// (which the child would wait on forever) ends as a stall, never a hang. Linux only: elsewhere
/// ``start(_:limits:body:)`` throws `unsupported`.
public final class SandboxedChild {
    /// What the work is, for messages ("libhdf5").
    public let worker: String
    /// The file the work is about, for messages.
    public let file: String
    private let limits: SandboxLimits
    private let pid: pid_t
    private var channel: Int32
    private let status: SandboxStatus
    private var reaped = false
    private var lastProgress: UInt64 = 0
    private var lastProgressTime: Double

    private init(worker: String, file: String, limits: SandboxLimits, pid: pid_t, channel: Int32, status: SandboxStatus) {
        self.worker = worker
        self.file = file
        self.limits = limits
        self.pid = pid
        self.channel = channel
        self.status = status
        lastProgressTime = Self.now()
    }

    /// Forks a child that runs `body` in the sandbox and then exits; `worker` names the library
    /// doing the work and `file` the file, in messages. `lock`, when given, is held across the
    /// fork: the lock that serializes the library's calls in this process, so that the child
    /// never inherits it halfway through one (the child must not take it).
    public static func start(
        _ worker: String, file: String, limits: SandboxLimits = .standard, forkingUnder lock: (any NSLocking)? = nil,
        body: (SandboxChannel) -> Void
    ) throws(ZooError) -> SandboxedChild {
        #if os(Linux)
        let status = try SandboxStatus()
        var ends: [Int32] = [-1, -1]
        guard zoo_sandbox_pipe(&ends) == 0 else {
            throw ZooError(.io, "The sandbox for \(worker) needs a pipe. Received: \(String(cString: strerror(errno))).", file: file)
        }
        let parent = getpid()
        lock?.lock()
        let pid = fork()
        if pid == 0 {
            close(ends[0])
            let step = zoo_sandbox_enter(ends[1], parent, limits.addressSpace, limits.cpuSeconds)
            if step != 0 { _exit(SandboxExit.setupBase + step) }
            body(SandboxChannel(status: status))
            _exit(0)
        }
        lock?.unlock()
        close(ends[1])
        guard pid > 0 else {
            close(ends[0])
            throw ZooError(.io, "The sandbox for \(worker) needs a child process. Received: fork failed (\(String(cString: strerror(errno)))).", file: file)
        }
        return SandboxedChild(worker: worker, file: file, limits: limits, pid: pid, channel: ends[0], status: status)
        #else
        throw ZooError(.unsupported, "zoo's sandbox for \(worker) runs on Linux only. Received: another system; read the file in process if you trust it.", file: file)
        #endif
    }

    deinit {
        if !reaped {
            kill(pid, SIGKILL)
            var code: Int32 = 0
            _ = waitpid(pid, &code, 0)
        }
        if channel >= 0 { close(channel) }
    }

    /// Fills `buffer` with the child's next bytes.
    ///
    /// - Throws: `malformedFile` when the child dies, stalls or ends before it sent them all.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ZooError) {
        guard let base = buffer.baseAddress else { return }
        var filled = 0
        while filled < buffer.count {
            var descriptor = pollfd(fd: channel, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            if ready < 0 {
                if errno == EINTR { continue }
                throw failure(reading: filled, of: buffer.count)
            }
            if ready == 0 {
                try watch()
                continue
            }
            let count = Self.systemRead(channel, base + filled, buffer.count - filled)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure(reading: filled, of: buffer.count) }
            filled += count
            noteProgress()
        }
    }

    /// Waits for the child to exit after sending everything.
    ///
    /// - Throws: `malformedFile` when it sends more, dies or exits with a failure.
    public func finish() throws(ZooError) {
        var byte: UInt8 = 0
        while true {
            var descriptor = pollfd(fd: channel, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            if ready == 0 {
                try watch()
                continue
            }
            if ready < 0 && errno == EINTR { continue }
            let count = Self.systemRead(channel, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 0 else {
                throw outcome(extra: "it sent more than the reader takes")
            }
            break
        }
        let code = reap()
        guard code.exited && code.status == 0 else { throw outcome(code, extra: nil) }
    }

    /// read(2), which ``read(into:)`` hides by its name.
    private static func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(descriptor, buffer, count)
        #else
        return Darwin.read(descriptor, buffer, count)
        #endif
    }

    // MARK: - Watching

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    private func noteProgress() {
        lastProgress = status.progress
        lastProgressTime = Self.now()
    }

    /// Kills the child when it has made no progress for longer than allowed.
    private func watch() throws(ZooError) {
        let progress = status.progress
        if progress != lastProgress {
            noteProgress()
            return
        }
        let allowed = limits.stallSeconds + status.extraSeconds
        guard Self.now() - lastProgressTime > allowed else { return }
        kill(pid, SIGKILL)
        _ = reap()
        throw ZooError(
            .malformedFile,
            "\(worker) \(SandboxFault.stalled.rule). Received: '\(file)', on which it made no progress for \(Self.seconds(allowed)) while \(status.activity) (stopped).",
            file: file)
    }

    private struct ExitCode {
        var exited: Bool
        var status: Int32
        var signal: Int32
    }

    private func reap() -> ExitCode {
        if channel >= 0 {
            close(channel)
            channel = -1
        }
        guard !reaped else { return ExitCode(exited: false, status: 0, signal: SIGKILL) }
        var code: Int32 = 0
        while waitpid(pid, &code, 0) < 0 && errno == EINTR {}
        reaped = true
        // WIFEXITED, WEXITSTATUS and WTERMSIG, which Swift does not import.
        let signal = code & 0x7f
        return ExitCode(exited: signal == 0, status: (code >> 8) & 0xff, signal: signal)
    }

    private func failure(reading filled: Int, of count: Int) -> ZooError {
        let code = reap()
        return outcome(code, extra: code.exited ? "after \(filled) of the \(count) bytes the reader expected" : nil)
    }

    private func outcome(extra: String) -> ZooError {
        kill(pid, SIGKILL)
        return outcome(reap(), extra: extra)
    }

    /// The error for a child that ended as `code`.
    private func outcome(_ code: ExitCode, extra: String?) -> ZooError {
        let activity = status.activity
        let detail = extra.map { " (\($0))" } ?? ""
        if !code.exited {
            if code.signal == SIGXCPU {
                return ZooError(
                    .malformedFile,
                    "\(worker) \(SandboxFault.cpuTime.rule). Received: '\(file)', on which it used up its \(limits.cpuSeconds) s of CPU time while \(activity)\(detail).",
                    file: file)
            }
            return ZooError(
                .malformedFile,
                "\(worker) \(SandboxFault.crashed.rule). Received: '\(file)', on which it crashed (\(Self.describe(signal: code.signal))) while \(activity)\(detail).",
                file: file)
        }
        if code.status > SandboxExit.setupBase {
            return ZooError(
                .io,
                "The sandbox for \(worker) must be set up. Received: step \(code.status - SandboxExit.setupBase) (\(SandboxExit.step(code.status))) failed for '\(file)'; the file can be read in process if you trust it.",
                file: file)
        }
        return ZooError(
            .malformedFile,
            "\(worker) \(SandboxFault.exitedEarly.rule). Received: '\(file)', on which it exited with status \(code.status) while \(activity)\(detail).",
            file: file)
    }

    private static func describe(signal: Int32) -> String {
        switch signal {
        case SIGSEGV: return "SIGSEGV, a memory fault"
        case SIGBUS: return "SIGBUS, a memory fault"
        case SIGILL: return "SIGILL, a trap"
        case SIGTRAP: return "SIGTRAP, a trap"
        case SIGABRT: return "SIGABRT, an abort"
        case SIGFPE: return "SIGFPE, an arithmetic fault"
        case SIGSYS: return "SIGSYS, a forbidden system call"
        case SIGKILL: return "SIGKILL, killed by the system: out of memory?"
        default: return "signal \(signal)"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(Double(Int(value * 10)) / 10) s"
    }
}

/// Exit statuses of a sandboxed child.
enum SandboxExit {
    /// A child whose `zoo_sandbox_enter` failed exits with this plus the step.
    static let setupBase: Int32 = 100

    static func step(_ status: Int32) -> String {
        switch status - setupBase {
        case 1: return "closing descriptors"
        case 2: return "dying with the parent"
        case 3: return "resetting fault signals"
        case 4: return "setting resource limits"
        case 5: return "forbidding new privileges"
        case 6: return "installing the seccomp filter"
        default: return "unknown"
        }
    }
}
