import Foundation
import ZooCore

/// How an ``Executor`` runs a graph.
public struct ExecutionOptions: Sendable {
    /// How many threads the kernels spread their work over; results are bit-identical for every count.
    public var threads: Int
    /// Whether to fold batch normalization into the preceding convolution and apply a following
    /// activation inside the convolution's kernel. Fused layers' intermediate values are never
    /// computed, so comparisons and layer dumps turn fusion off.
    public var fusing: Bool
    /// Whether large 3x3 stride-1 convolutions may use Winograd's F(4x4, 3x3), which needs a
    /// quarter of the multiplications and rounds differently: on random data its worst error
    /// relative to `sum |x| |w|` is about ten times the direct method's (2e-6 against 2e-7 at 16
    /// channels), inside the classical `k 2^-24` bound of a `k`-term dot product. Verification
    /// turns it off, so that comparisons see the direct method's rounding.
    public var winograd: Bool
    /// Whether to time every layer (``ExecutionResult/timings``).
    public var profiling: Bool
    /// The instruction set of zoo's own matrix kernels: the widest this machine runs unless set
    /// (an unsupported one is refused when the executor is built).
    public var instructionSet: InstructionSet

    /// - Parameter threads: nil uses every active processor.
    public init(
        threads: Int? = nil, fusing: Bool = true, winograd: Bool = true, profiling: Bool = false, instructionSet: InstructionSet = .best
    ) {
        self.threads = max(threads ?? ProcessInfo.processInfo.activeProcessorCount, 1)
        self.fusing = fusing
        self.winograd = winograd
        self.profiling = profiling
        self.instructionSet = instructionSet
    }
}

/// What one run produced.
public struct ExecutionResult: Sendable {
    /// The graph outputs, in the graph's order.
    public var outputs: [(name: String, tensor: Tensor)]
    /// The largest number of bytes held at once by live values (graph inputs, layer outputs not
    /// yet past their last use, graph outputs); weights are not counted. A value that shares
    /// another's storage (reshape, flatten) is counted once. A batch run image by image counts
    /// the batch's inputs and outputs and, for each thread, the most one of its images held.
    public var peakLiveBytes: Int
    /// Per step, when profiling: the layer (the last one of a fused group), its op, and seconds.
    public var timings: [LayerTiming]
}

/// The time one step of a run took.
public struct LayerTiming: Sendable {
    public var layer: String
    /// The op name, with `+` joining fused ops (`conv+batchnorm+relu`).
    public var op: String
    /// The algorithm the step's kernel runs (`gemm`, `gemm-pointwise`, `winograd-f4x4`,
    /// `depthwise`, `sgemm (OpenBLAS)`, ...; `direct` for an op's own loops).
    public var kernel: String
    /// The floating-point operations of the step's first op for the whole batch, by zoo's
    /// counting rules (`zoo ops`: a multiply-accumulate is 2); a fused activation or batch norm
    /// adds none.
    public var flops: Int
    public var seconds: Double
}
