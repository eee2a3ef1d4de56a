import CZooKernels
import Dispatch
import Foundation
import Testing

/// CZooKernels' thread pool (`zoo_parallel`, under ZooExec's Parallel): every chunk of a region
/// runs once; a region it cannot take (nested, concurrent, too many chunks) runs nothing and says
/// so, never waits. Other tests run executors at the same time, so a region may find the pool
/// busy: the tests try again until one runs.
@Suite("Thread pool", .serialized)
struct ThreadPoolTests {
    /// Runs `chunks` chunks through the pool, each adding one to its own counter; the counters
    /// and whether the pool took the region.
    static func region(_ chunks: Int, during task: (() -> Void)? = nil) -> (ran: Bool, counts: [Int]) {
        var counts = [Int](repeating: 0, count: chunks)
        let ran = counts.withUnsafeMutableBufferPointer { counts in
            var context = (counts: counts.baseAddress, task: task)
            return withUnsafeMutablePointer(to: &context) { pointer in
                zoo_parallel(Int32(chunks), { raw, chunk in
                    guard let context = raw?.assumingMemoryBound(to: (counts: UnsafeMutablePointer<Int>?, task: (() -> Void)?).self) else { return }
                    context.pointee.counts?[Int(chunk)] += 1
                    if chunk == 0 { context.pointee.task?() }
                }, pointer) != 0
            }
        }
        return (ran, counts)
    }

    /// Tries a region until the pool takes it (for up to 20 seconds, another test's region may
    /// hold it that long on a loaded machine); every refused try must have run nothing.
    static func regionOnThePool(_ chunks: Int, during task: (() -> Void)? = nil) -> (ran: Bool, counts: [Int]) {
        let deadline = DispatchTime.now().uptimeNanoseconds + 20_000_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            let result = region(chunks, during: task)
            if result.ran { return result }
            #expect(result.counts == Array(repeating: 0, count: chunks), "a refused region ran \(result.counts)")
            usleep(100)
        }
        return (false, [])
    }

    @Test func everyChunkRunsOnce() {
        for chunks in [2, 3, 5, 2] {
            let (ran, counts) = Self.regionOnThePool(chunks)
            #expect(ran && counts == Array(repeating: 1, count: chunks), "\(chunks) chunks: \(counts)")
        }
        let (ran, counts) = Self.region(1)
        #expect(!ran && counts == [0], "one chunk is the caller's to run")
        #expect(!Self.region(65).ran, "at most 64 chunks")
    }

    /// A region started inside a task of another is refused at once (the caller falls back).
    @Test func aNestedRegionIsRefusedNotAwaited() {
        var inner: (ran: Bool, counts: [Int]) = (true, [])
        let (ran, counts) = Self.regionOnThePool(2) { inner = Self.region(2) }
        #expect(ran && counts == [1, 1])
        #expect(!inner.ran && inner.counts == [0, 0])
    }

    /// Regions from eight threads at once: each either runs all its chunks or none (which ones
    /// the pool takes depends on the timing).
    @Test func concurrentRegionsRunAllOrNothing() {
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: 8 * 200)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for round in 0..<200 {
                let (ran, counts) = Self.region(3)
                results[thread * 200 + round] = ran ? (counts == [1, 1, 1] ? 1 : -1) : (counts == [0, 0, 0] ? 0 : -1)
            }
        }
        #expect(!results.contains(-1))
    }
}
