import ZooCore

/// A prepared computation for one layer: built once for the layer's concrete input shapes (with
/// its weights repacked or folded as the kernel prefers), then run any number of times.
///
/// Kernels are immutable after preparation and safe to run from any thread. Each op's kernel
/// lives in `Kernels/`, in the file named like the op's file in `ZooCore/Ops`.
protocol Kernel: Sendable {
    /// The output for `inputs`, whose shapes are those the kernel was prepared for.
    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor

    /// The algorithm `run` uses, as profiles name it (`gemm`, `winograd`, `depthwise`, ...): a
    /// kernel with a choice of paths says which one it took at preparation.
    var algorithm: String { get }

    /// The input whose storage `run` can take for its output (computing each element from that
    /// input's element at the same place before writing it), when the executor offers it
    /// (``KernelContext/overwritable``); nil for none.
    var overwritableInput: Int? { get }
}

extension Kernel {
    /// Loops written for the op alone.
    var algorithm: String { "direct" }
    var overwritableInput: Int? { nil }
}

/// What a kernel may use while it runs.
struct KernelContext: Sendable {
    /// How many threads the kernel may spread its work over.
    let threads: Int
    /// Where output and scratch buffers come from.
    let pool: BufferPool
    /// The kernel's ``Kernel/overwritableInput`` when this step may write over it: its last
    /// use, a value no other live value, graph input or observer shares, and no other input of
    /// the step. A residual sum written over its residual saves the output's fresh buffer (and
    /// the memory traffic of filling it) where activations exceed the caches.
    var overwritable: Int? = nil

    /// A new output tensor of `shape` whose every element `fill` writes.
    func tensor(shape: [Int], _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) throws -> Tensor {
        try pool.tensor(shape: shape, fill)
    }

    /// Scratch memory for `count` floats, returned to the pool when the block is released.
    func scratch(count: Int) throws -> PooledBlock {
        try pool.block(count: count)
    }
}

/// A kernel that only relabels its input's shape and shares its storage (reshape, flatten,
/// dropout and identity at inference).
struct AliasKernel: Kernel {
    let shape: [Int]
    var algorithm: String { "alias" }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        try Tensor(shape: shape, storage: inputs[0].storage)
    }
}

extension Tensor {
    /// The elements of a materialized tensor (kernels only see materialized ones).
    var elements: UnsafeBufferPointer<Float> {
        storage?.buffer ?? UnsafeBufferPointer(start: nil, count: 0)
    }
}

/// Row-major strides of `shape`.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = Array(repeating: 1, count: shape.count)
    var step = 1
    for axis in shape.indices.reversed() {
        strides[axis] = step
        step *= shape[axis]
    }
    return strides
}
