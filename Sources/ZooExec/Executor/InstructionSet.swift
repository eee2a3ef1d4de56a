import CZooKernels

/// The instruction set zoo's own matrix kernels (the C target CZooKernels) run on.
///
/// The kernels are one C source compiled for each set, each function carrying its own
/// `target` attribute, so the package needs no compiler flags (a package with `unsafeFlags`
/// cannot be another package's dependency) and the same binary runs on any x86-64: the set is
/// picked at run time from what the CPU and the operating system support. Each set rounds its
/// own way (a fused multiply-add or not, different tile sizes), so results can differ between
/// sets in the last bits; on one set they are the same for every thread count.
public enum InstructionSet: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// Portable vector code (SSE2 on x86-64, NEON on arm64): micro-tiles of 6 x 8.
    case generic = 0
    /// AVX2 with FMA: micro-tiles of 6 x 16.
    case avx2 = 1
    /// AVX-512F: micro-tiles of 12 x 32.
    case avx512 = 2

    /// The widest set this machine runs.
    public static let best = InstructionSet(rawValue: zoo_kernels_best_isa()) ?? .generic

    /// Whether this machine runs the set.
    public var isSupported: Bool { zoo_kernels_isa_supported(rawValue) != 0 }

    /// `generic`, `avx2` or `avx512`.
    public var description: String {
        switch self {
        case .generic: "generic"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    /// Rows of a micro-tile.
    var microRows: Int { Int(zoo_kernels_mr(rawValue)) }
    /// Columns of a micro-tile.
    var microColumns: Int { Int(zoo_kernels_nr(rawValue)) }
}
