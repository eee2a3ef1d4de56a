import CZooKernels
import Dispatch

/// Spreads independent items over threads: CZooKernels' pool (workers that spin briefly between
/// regions, so that a small layer's share is not spent waking a thread), or libdispatch when the
/// pool is busy. Every item is computed by the same code whatever the split, so results never
/// depend on the thread count.
enum Parallel {
    /// Calls `body` on consecutive sub-ranges of `0..<count` covering it, on up to `threads`
    /// threads; `grain` is the smallest range worth a thread of its own.
    static func forEach(_ count: Int, threads: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        forEachChunk(count, threads: threads, grain: grain) { range, _ in body(range) }
    }

    /// ``forEach(_:threads:grain:_:)`` that also passes each chunk's index, below `threads`:
    /// distinct for chunks that run at the same time, so it can name a per-thread scratch slice.
    static func forEachChunk(_ count: Int, threads: Int, grain: Int = 1, _ body: (Range<Int>, _ chunk: Int) -> Void) {
        guard count > 0 else { return }
        let chunks = min(max(threads, 1), max(count / max(grain, 1), 1))
        if chunks == 1 {
            body(0..<count, 0)
            return
        }
        withoutActuallyEscaping(body) { body in
            var region = Region(count: count, chunks: chunks, body: body)
            let ran = withUnsafeMutablePointer(to: &region) { pointer in
                zoo_parallel(Int32(chunks), { context, chunk in
                    context?.assumingMemoryBound(to: Region.self).pointee.run(Int(chunk))
                }, pointer) != 0
            }
            guard !ran else { return }
            // The pool is running another region (this one started inside it, or on another thread).
            let box = UncheckedSendable(region)
            DispatchQueue.concurrentPerform(iterations: chunks) { box.value.run($0) }
        }
    }

    /// `count` items cut into `chunks` consecutive ranges, and what runs on each.
    private struct Region {
        let count: Int, chunks: Int
        let body: (Range<Int>, Int) -> Void

        func run(_ chunk: Int) {
            body((count * chunk / chunks)..<(count * (chunk + 1) / chunks), chunk)
        }
    }
}

/// Carries a value that is only read while a parallel loop runs across its threads.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
