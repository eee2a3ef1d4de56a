/// What a ``SandboxedChild`` may use.
public struct SandboxLimits: Sendable, Equatable {
    /// Bytes of address space the child may map beyond what it inherits from its parent
    /// (`RLIMIT_AS`): an allocation past it fails in the child.
    public var addressSpace: UInt64
    /// CPU seconds the child may use (`RLIMIT_CPU`); past them it ends with SIGXCPU.
    public var cpuSeconds: UInt64
    /// Seconds the child may go without progress (a ``SandboxChannel/begin(_:allowing:)`` or
    /// bytes sent) before the parent kills it.
    public var stallSeconds: Double

    public init(addressSpace: UInt64, cpuSeconds: UInt64, stallSeconds: Double) {
        self.addressSpace = addressSpace
        self.cpuSeconds = cpuSeconds
        self.stallSeconds = stallSeconds
    }

    /// 4 GiB of address space, 120 s of CPU time, 5 s without progress.
    public static let standard = SandboxLimits(addressSpace: 4 << 30, cpuSeconds: 120, stallSeconds: 5)
}
