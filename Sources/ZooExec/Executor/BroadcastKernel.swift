import ZooCore

/// A binary function of two elements (add, sub, mul, div), stated in each op's kernel file.
/// Kernels call ``combine(_:_:_:_:_:count:)`` on a whole row, so that the loop is compiled for
/// each concrete function.
protocol BinaryFunction: Sendable {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
    /// `y[k] = f(a[k sa], b[k sb])` for `k < count`, the strides being 0 (broadcast) or more.
    func combine(_ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int, _ y: UnsafeMutablePointer<Float>, count: Int)
}

extension BinaryFunction {
    func combine(_ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch (sa, sb) {
        case (1, 1): for k in 0..<count { y[k] = self(a[k], b[k]) }
        case (1, 0):
            let scalar = b[0]
            for k in 0..<count { y[k] = self(a[k], scalar) }
        case (0, 1):
            let scalar = a[0]
            for k in 0..<count { y[k] = self(scalar, b[k]) }
        default: for k in 0..<count { y[k] = self(a[k * sa], b[k * sb]) }
        }
    }
}

/// An element-wise binary op with NumPy broadcasting over two or more operands, folded left to
/// right (`((a op b) op c)`, as ONNX Sum), one operand possibly a stored constant.
///
/// Before running, adjacent axes that every operand reads the same way (all contiguous, or all
/// broadcast) are merged, so that `[N, C, H, W] + [1, C, 1, 1]` runs as `[N, C, HW]` with a long
/// inner loop.
struct BroadcastKernel: Kernel {
    private let function: any BinaryFunction
    /// An activation applied to the result (a fused `add -> relu`).
    private let epilogue: (any Epilogue)?
    private let constant: Tensor?
    private let constantFirst: Bool
    private let outputShape: [Int]
    /// For each fold step, the merged shape and the strides of its left and right operands.
    private let plans: [Plan]

    struct Plan: Sendable {
        /// The step's result shape, before merging.
        var result: [Int] = []
        /// The merged shape.
        let shape: [Int]
        let left: [Int]
        let right: [Int]
    }

    init(function: any BinaryFunction, constant: ConstantOperand?, inputs: [[Int]], output: [Int], epilogue: (any Epilogue)? = nil) throws {
        self.function = function
        self.epilogue = epilogue
        self.constant = constant?.tensor
        constantFirst = constant?.isFirst ?? false
        outputShape = output
        var operands = inputs
        if let constant { operands.insert(constant.tensor.shape, at: constant.isFirst ? 0 : operands.count) }
        var plans: [Plan] = []
        var left = operands[0]
        for right in operands.dropFirst() {
            let rank = max(left.count, right.count)
            let shape = try Broadcasting.shape([Shape(left), Shape(right)], op: "broadcast").concrete ?? output
            var plan = Self.plan(shape: shape, left: left, right: right, rank: rank)
            plan.result = shape
            plans.append(plan)
            left = shape
        }
        self.plans = plans
    }

    /// Broadcast strides of `operand` against `shape`, then merged axes.
    static func plan(shape: [Int], left: [Int], right: [Int], rank: Int) -> Plan {
        func strides(_ operand: [Int]) -> [Int] {
            let padded = Array(repeating: 1, count: rank - operand.count) + operand
            return zip(contiguousStrides(padded), padded).enumerated().map { axis, pair in
                pair.1 == 1 && shape[axis] != 1 ? 0 : pair.0
            }
        }
        var dims = shape, a = strides(left), b = strides(right)
        // Drop size-1 axes, then merge neighbours that both operands step through alike.
        let kept = dims.indices.filter { dims[$0] != 1 }
        dims = kept.map { dims[$0] }
        a = kept.map { a[$0] }
        b = kept.map { b[$0] }
        var axis = dims.count - 1
        while axis > 0 {
            if a[axis - 1] == a[axis] * dims[axis], b[axis - 1] == b[axis] * dims[axis] {
                dims[axis - 1] *= dims[axis]
                a[axis - 1] = a[axis]
                b[axis - 1] = b[axis]
                dims.remove(at: axis)
                a.remove(at: axis)
                b.remove(at: axis)
            }
            axis -= 1
        }
        if dims.isEmpty { return Plan(shape: [1], left: [0], right: [0]) }
        return Plan(shape: dims, left: a, right: b)
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        var operands = inputs
        if let constant { operands.insert(constant, at: constantFirst ? 0 : operands.count) }
        var accumulated = operands[0]
        for (index, plan) in plans.enumerated() {
            let shape = index == plans.count - 1 ? outputShape : plan.result
            let last = index == plans.count - 1
            accumulated = try apply(
                plan, accumulated.elements, operands[index + 1].elements, shape: shape, epilogue: last ? epilogue : nil, context: context)
        }
        return accumulated
    }

    private func apply(
        _ plan: Plan, _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, shape: [Int], epilogue: (any Epilogue)?,
        context: KernelContext
    ) throws -> Tensor {
        let function = function
        let rank = plan.shape.count
        let inner = plan.shape[rank - 1]
        let innerA = plan.left[rank - 1], innerB = plan.right[rank - 1]
        let rows = plan.shape.dropLast().reduce(1, *)
        if rank == 2, inner < Self.shortRun, let repeated = plan.left == [inner, 1] && plan.right == [0, 1] ? 1 : plan.left == [0, 1] && plan.right == [inner, 1] ? 0 : nil {
            return try applyRepeatingRun(a, b, repeated: repeated, rows: rows, inner: inner, shape: shape, epilogue: epilogue, context: context)
        }
        if rows == 1 {
            // One run (same-shape operands, a residual sum): its pieces go to the threads.
            return try context.tensor(shape: shape) { y in
                guard let aBase = a.baseAddress, let bBase = b.baseAddress, let yBase = y.baseAddress else { return }
                Parallel.forEach(inner, threads: context.threads, grain: 16384) { range in
                    let out = yBase + range.lowerBound
                    function.combine(aBase + range.lowerBound * innerA, innerA, bBase + range.lowerBound * innerB, innerB, out, count: range.count)
                    epilogue?.map(out, out, count: range.count)
                }
            }
        }
        return try context.tensor(shape: shape) { y in
            guard let aBase = a.baseAddress, let bBase = b.baseAddress, let yBase = y.baseAddress else { return }
            Parallel.forEach(rows, threads: context.threads, grain: max(1, 16384 / max(inner, 1))) { range in
                for row in range {
                    var offsetA = 0, offsetB = 0, rest = row
                    for axis in stride(from: rank - 2, through: 0, by: -1) {
                        let index = rest % plan.shape[axis]
                        rest /= plan.shape[axis]
                        offsetA += index * plan.left[axis]
                        offsetB += index * plan.right[axis]
                    }
                    let out = yBase + row * inner
                    function.combine(aBase + offsetA, innerA, bBase + offsetB, innerB, out, count: inner)
                    epilogue?.map(out, out, count: inner)
                }
            }
        }
    }

    /// Inner runs shorter than this are combined a block of rows at a time.
    private static let shortRun = 256

    /// `[R, I]` against a run of `I` repeated along the rows (a per-channel constant over a
    /// channels-last tensor: `[N, H, W, C] + [C]`), with `I` short: the run is tiled once to a
    /// block of rows, and each block of rows is one combine over thousands of contiguous
    /// elements instead of one call per row. `repeated` is the operand that repeats (0 or 1);
    /// every element is the same function of the same two values.
    private func applyRepeatingRun(
        _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, repeated: Int, rows: Int, inner: Int, shape: [Int],
        epilogue: (any Epilogue)?, context: KernelContext
    ) throws -> Tensor {
        let function = function
        let block = max(1, 4096 / max(inner, 1))
        let run = repeated == 0 ? a : b, full = repeated == 0 ? b : a
        let tiled = try context.scratch(count: block * inner)
        return try context.tensor(shape: shape) { y in
            guard let runBase = run.baseAddress, let fullBase = full.baseAddress, let tileBase = tiled.buffer.baseAddress, let yBase = y.baseAddress else {
                return
            }
            for row in 0..<min(block, rows) { (tileBase + row * inner).update(from: runBase, count: inner) }
            let blocks = (rows + block - 1) / block
            Parallel.forEach(blocks, threads: context.threads, grain: max(1, 16384 / (block * inner))) { range in
                for index in range {
                    let start = index * block * inner, count = min(block, rows - index * block) * inner
                    let (left, right) = repeated == 0 ? (UnsafePointer(tileBase), fullBase + start) : (fullBase + start, UnsafePointer(tileBase))
                    function.combine(left, 1, right, 1, yBase + start, count: count)
                    epilogue?.map(yBase + start, yBase + start, count: count)
                }
            }
            withExtendedLifetime(tiled) {}
        }
    }
}
