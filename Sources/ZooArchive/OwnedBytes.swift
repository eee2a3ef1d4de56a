import ZooCore

/// Bytes in memory this object owns (allocated by ``LargeAllocation``, freed when it goes away):
/// an archive entry read whole, or a copy of a caller's buffer, that tensors may borrow from.
public final class OwnedBytes: @unchecked Sendable {
    /// The bytes, valid for this object's lifetime.
    public let bytes: UnsafeMutableRawBufferPointer

    /// `count` uninitialized bytes; fails when the system has no memory for them.
    public init(count: Int) throws {
        guard count >= 0, let pointer = LargeAllocation.allocate(byteCount: count) else {
            throw ZooError(.io, "A buffer of \(count) bytes needs memory the system does not have.")
        }
        bytes = UnsafeMutableRawBufferPointer(start: pointer, count: count)
    }

    /// A copy of `source`.
    public convenience init(copying source: UnsafeRawBufferPointer) throws {
        try self.init(count: source.count)
        if let base = source.baseAddress, let destination = bytes.baseAddress {
            destination.copyMemory(from: base, byteCount: source.count)
        }
    }

    deinit {
        if let base = bytes.baseAddress { LargeAllocation.deallocate(base) }
    }
}
