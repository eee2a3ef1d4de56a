import Foundation
import ZooCore

/// Recycles the float buffers of an executor's values across steps and runs.
///
/// A value's storage borrows a block from the pool; when the last tensor using it goes away, the
/// block returns to the pool's free list for its exact size, and the next value of that size
/// takes it. Networks allocate the same sizes run after run, so after the first run the kernels
/// write into memory that is already mapped and warm instead of fresh pages (which the kernel
/// would fault in one by one). The pool holds at most the buffers a run had live at once per
/// size; it is freed with the executor and the last tensor it handed out.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]

    /// A block of `count` floats, recycled or new.
    func block(count: Int) throws -> PooledBlock {
        let byteCount = try Checked.multiply(max(count, 1), MemoryLayout<Float>.stride, "a value's byte size")
        try Checked.fitsInMemory(byteCount, "A value of \(count) elements")
        lock.lock()
        let recycled = free[count]?.popLast()
        lock.unlock()
        guard let raw = recycled ?? LargeAllocation.allocate(byteCount: byteCount) else {
            throw ZooError(.io, "A value of \(count) elements (\(byteCount) bytes) needs memory the system does not have.")
        }
        return PooledBlock(raw: raw, count: count, pool: self)
    }

    /// A tensor of `shape` in a pooled block, every element written by `fill`.
    func tensor(shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) throws -> Tensor {
        let count = try Checked.product(shape, "the element count of \(shape)")
        let block = try block(count: count)
        fill(block.buffer)
        return try Tensor(shape: shape, storage: TensorStorage(borrowing: UnsafeBufferPointer(block.buffer), keepingAlive: block))
    }

    fileprivate func recycle(_ raw: UnsafeMutableRawPointer, count: Int) {
        lock.lock()
        free[count, default: []].append(raw)
        lock.unlock()
    }

    deinit {
        for list in free.values {
            for raw in list { LargeAllocation.deallocate(raw) }
        }
    }
}

/// One buffer lent by a ``BufferPool``; returns itself to the pool when released.
final class PooledBlock: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Float>
    private let raw: UnsafeMutableRawPointer
    private let pool: BufferPool

    fileprivate init(raw: UnsafeMutableRawPointer, count: Int, pool: BufferPool) {
        self.raw = raw
        buffer = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Float.self, capacity: max(count, 1)), count: count)
        self.pool = pool
    }

    deinit { pool.recycle(raw, count: buffer.count) }
}
