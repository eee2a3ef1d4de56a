import ZooCore

/// How a ``SandboxedChild`` ended on its input when that ending is the library's fault, not a
/// refusal: the library crashed, stalled, ran out of CPU time or exited halfway.
///
/// The error ``SandboxedChild`` throws for each states the broken rule in a fixed phrase
/// (``rule``), which ``init(_:)`` recognizes: fuzzers and tests tell a contained libhdf5 fault
/// from an ordinary "malformed file" refusal by it.
public enum SandboxFault: String, CaseIterable, Sendable {
    /// Killed by a signal: a memory fault, a trap, an abort, the kernel's OOM killer.
    case crashed
    /// No progress for the allowed seconds; the parent killed it.
    case stalled
    /// Used up its CPU seconds (SIGXCPU).
    case cpuTime
    /// Exited without sending everything, with a status of its own.
    case exitedEarly

    /// The rule the error states, after the library's name ("libhdf5 must read a file without
    /// crashing").
    public var rule: String {
        switch self {
        case .crashed: return "must read a file without crashing"
        case .stalled: return "must finish reading a file in bounded time"
        case .cpuTime: return "must read a file within its CPU time"
        case .exitedEarly: return "must read a file to the end"
        }
    }

    /// The fault an error of ``SandboxedChild`` reports, or nil for any other error.
    public init?(_ error: ZooError) {
        guard error.kind == .malformedFile,
              let fault = Self.allCases.first(where: { error.message.contains(" \($0.rule). Received: ") })
        else { return nil }
        self = fault
    }
}
