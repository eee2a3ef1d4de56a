import Foundation
import ZooCore

/// Recycles the float buffers of an executor's values across steps and runs.
///
/// A value's storage borrows a block from the pool; when the last tensor using it goes away, the
/// block returns to the pool's free list, and the next value takes the smallest free block that
/// holds it (the most recently freed of those, the likeliest to be in cache). After the first
/// run the kernels write into memory that is already mapped and warm instead of fresh pages
/// (which the kernel would fault in one by one), and values of different sizes share blocks, so
/// a run touches little more memory than it has live at once. The pool is freed with the
/// executor and the last tensor it handed out.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    /// Free blocks and their capacities in floats, the most recently freed last.
    private var free: [(raw: UnsafeMutableRawPointer, capacity: Int)] = []

    /// A block of `count` floats, recycled or new.
    func block(count: Int) throws -> PooledBlock {
        let byteCount = try Checked.multiply(max(count, 1), MemoryLayout<Float>.stride, "a value's byte size")
        try Checked.fitsInMemory(byteCount, "A value of \(count) elements")
        lock.lock()
        var best: Int?
        for index in free.indices.reversed() where free[index].capacity >= count {
            if let chosen = best, free[chosen].capacity <= free[index].capacity { continue }
            best = index
        }
        let recycled = best.map { free.remove(at: $0) }
        lock.unlock()
        if let recycled {
            return PooledBlock(raw: recycled.raw, count: count, capacity: recycled.capacity, pool: self)
        }
        guard let raw = LargeAllocation.allocate(byteCount: byteCount) else {
            throw ZooError(.io, "A value of \(count) elements (\(byteCount) bytes) needs memory the system does not have.")
        }
        return PooledBlock(raw: raw, count: count, capacity: max(count, 1), pool: self)
    }

    /// A tensor of `shape` in a pooled block, every element written by `fill`.
    func tensor(shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) throws -> Tensor {
        let count = try Checked.product(shape, "the element count of \(shape)")
        let block = try block(count: count)
        fill(block.buffer)
        return try Tensor(shape: shape, storage: TensorStorage(borrowing: UnsafeBufferPointer(block.buffer), keepingAlive: block))
    }

    fileprivate func recycle(_ raw: UnsafeMutableRawPointer, capacity: Int) {
        lock.lock()
        free.append((raw, capacity))
        lock.unlock()
    }

    deinit {
        for block in free { LargeAllocation.deallocate(block.raw) }
    }
}

/// One buffer lent by a ``BufferPool``; returns itself to the pool when released.
final class PooledBlock: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Float>
    private let raw: UnsafeMutableRawPointer
    /// The floats the block holds (at least `buffer.count`).
    private let capacity: Int
    private let pool: BufferPool

    fileprivate init(raw: UnsafeMutableRawPointer, count: Int, capacity: Int, pool: BufferPool) {
        self.raw = raw
        self.capacity = capacity
        buffer = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Float.self, capacity: capacity), count: count)
        self.pool = pool
    }

    deinit { pool.recycle(raw, capacity: capacity) }
}
