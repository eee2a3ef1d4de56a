/// Float32 elements that a ``Tensor`` reads: either owned (allocated and freed here) or borrowed
/// from a buffer that this object keeps alive, such as a memory-mapped file or an unpacked
/// protobuf message, so that readers never copy weights they can borrow.
///
/// The elements never change after initialization, which makes the storage safe to share
/// across threads. (One exception no holder can see: ZooExec's executor may write a step's
/// output over a value of its own buffer pool that nothing else holds and that only that step
/// still reads, as a residual sum over its residual.)
public final class TensorStorage: @unchecked Sendable {
    /// The elements, valid for the lifetime of this object.
    public let buffer: UnsafeBufferPointer<Float>
    private let owner: Owner

    private enum Owner {
        case allocated(UnsafeMutableRawPointer)
        case borrowed(AnyObject)
    }

    /// Allocation alignment in bytes (a cache line; enough for every SIMD width; large tensors
    /// are aligned to huge pages, see ``LargeAllocation``).
    public static let alignment = LargeAllocation.alignment

    /// Allocates `count` elements and lets `initialize` write every one of them; fails when
    /// the byte size does not fit in an `Int`.
    public init(count: Int, initialize: (UnsafeMutableBufferPointer<Float>) -> Void) throws(ZooError) {
        guard count >= 0 else {
            throw ZooError(.invalidGraph, "A tensor's element count must not be negative. Received: \(count).")
        }
        let byteCount = try Checked.multiply(max(count, 1), MemoryLayout<Float>.stride, "a tensor's byte size")
        try Checked.fitsInMemory(byteCount, "A tensor of \(count) elements")
        guard let raw = LargeAllocation.allocate(byteCount: byteCount) else {
            throw ZooError(.io, "A tensor of \(count) elements (\(byteCount) bytes) needs memory the system does not have.")
        }
        let typed = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        let mutable = UnsafeMutableBufferPointer(start: typed, count: count)
        initialize(mutable)
        buffer = UnsafeBufferPointer(mutable)
        owner = .allocated(raw)
    }

    /// Copies `values` into new storage.
    public convenience init(_ values: [Float]) throws(ZooError) {
        try self.init(count: values.count) { destination in
            _ = destination.initialize(from: values)
        }
    }

    /// Borrows `buffer` without copying; `owner` is kept alive as long as this storage is.
    public init(borrowing buffer: UnsafeBufferPointer<Float>, keepingAlive owner: AnyObject) {
        self.buffer = buffer
        self.owner = .borrowed(owner)
    }

    /// The object whose buffer this storage borrows, or nil for owned elements.
    public var borrowedOwner: AnyObject? {
        if case .borrowed(let object) = owner { return object }
        return nil
    }

    /// Whether the elements live in memory this object allocated.
    public var isOwned: Bool {
        if case .allocated = owner { return true }
        return false
    }

    deinit {
        if case .allocated(let raw) = owner { LargeAllocation.deallocate(raw) }
    }
}
