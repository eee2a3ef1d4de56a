#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Allocation of large buffers (weights, file images) so that first touching them is cheap.
///
/// Touching fresh memory costs a page fault per 4 KiB page, which decides how fast a large model
/// loads (docs/PLATFORM.md: 290-390 ms for 553 MB). Blocks of at least ``hugePageThreshold`` bytes are
/// aligned to 2 MiB and, on Linux, marked `MADV_HUGEPAGE`, so that the kernel can back them with
/// transparent huge pages (one fault per 2 MiB) where it allows that — what NumPy does for its
/// arrays. Smaller blocks are aligned to ``alignment`` bytes. Every block is freed with
/// ``deallocate(_:)``.
public enum LargeAllocation {
    /// Blocks from this size up ask for huge pages (4 MiB, NumPy's threshold).
    public static let hugePageThreshold = 4 << 20
    /// A huge page's size and the alignment of large blocks.
    public static let hugePageSize = 2 << 20
    /// The alignment of every block (a cache line; enough for every SIMD width).
    public static let alignment = 64

    /// `byteCount` uninitialized bytes (at least one), or nil when the system has no memory for them.
    public static func allocate(byteCount: Int) -> UnsafeMutableRawPointer? {
        let size = max(byteCount, 1)
        let large = size >= hugePageThreshold
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, large ? hugePageSize : alignment, size) == 0, let pointer else { return nil }
        #if os(Linux)
        if large {
            // Advice only: without transparent huge pages the block works with small pages.
            _ = madvise(pointer, size, MADV_HUGEPAGE)
        }
        #endif
        return pointer
    }

    /// Frees a block from ``allocate(byteCount:)``.
    public static func deallocate(_ pointer: UnsafeMutableRawPointer) {
        free(pointer)
    }
}
