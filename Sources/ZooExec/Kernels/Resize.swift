import ZooCore

/// Resampling one resized axis at a time, in axis order (``Resize/resolve(_:)``): each pass
/// views its input as `[outer, in, inner]` and writes `[outer, out, inner]`, output row `x`
/// the weighted sum of the input rows ``Resize/taps(_:)`` lists for it (nearest: a copy of
/// one row), or the extrapolation value where `tf_crop_and_resize` maps `x` outside. Taps are
/// summed in their order, so the result does not depend on the thread count.
struct ResizeKernel: Kernel {
    private struct Pass {
        let outer: Int
        let input: Int
        let output: Int
        let inner: Int
        let taps: Resize.Taps
        /// The pass's output shape.
        let shape: [Int]
    }

    private let passes: [Pass]
    private let outputShape: [Int]
    private let extrapolation: Float

    init(_ resize: Resize, input: [Int], output: [Int]) throws {
        var shape = input
        var passes: [Pass] = []
        for axis in try resize.resolve(Shape(input)) {
            let outer = shape[..<axis.axis].reduce(1, *), inner = shape[(axis.axis + 1)...].reduce(1, *)
            shape[axis.axis] = axis.output
            passes.append(Pass(outer: outer, input: axis.input, output: axis.output, inner: inner, taps: resize.taps(axis), shape: shape))
        }
        guard shape == output else {
            throw ZooError(.shapeMismatch, "resize kernel: the passes give \(shape), the graph says \(output). Received: input \(input).")
        }
        self.passes = passes
        outputShape = output
        extrapolation = resize.extrapolationValue
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        guard !passes.isEmpty else { return try Tensor(shape: outputShape, storage: inputs[0].storage) }
        var current = inputs[0]
        for pass in passes {
            let source = current
            current = try context.tensor(shape: pass.shape) { y in
                Self.resample(source.elements, into: y, pass, extrapolation: extrapolation, threads: context.threads)
            }
        }
        return current
    }

    private static func resample(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>, _ pass: Pass, extrapolation: Float, threads: Int) {
        let taps = pass.taps, width = taps.width, inner = pass.inner, input = pass.input, output = pass.output
        taps.indices.withUnsafeBufferPointer { indices in
            taps.weights.withUnsafeBufferPointer { weights in
                let outside = taps.extrapolated
                if inner == 1 {
                    // The last axis: a gather per element, rows of `output` spread over threads.
                    Parallel.forEach(pass.outer, threads: threads, grain: max(1, 16384 / max(output * width, 1))) { rows in
                        for row in rows {
                            let from = row * input, to = row * output
                            for o in 0..<output {
                                if let outside, outside[o] {
                                    y[to + o] = extrapolation
                                    continue
                                }
                                let first = o * width
                                guard width > 1 else {
                                    y[to + o] = x[from + indices[first]]
                                    continue
                                }
                                var sum = weights[first] * x[from + indices[first]]
                                for k in 1..<width { sum += weights[first + k] * x[from + indices[first + k]] }
                                y[to + o] = sum
                            }
                        }
                    }
                    return
                }
                // Whole rows of `inner` elements: row (outer, o) of the output from rows of the input.
                Parallel.forEach(pass.outer * output, threads: threads, grain: max(1, 16384 / max(inner * width, 1))) { rows in
                    for row in rows {
                        let block = row / output, o = row % output
                        let target = row * inner
                        if let outside, outside[o] {
                            for j in 0..<inner { y[target + j] = extrapolation }
                            continue
                        }
                        let first = o * width, base = block * input
                        let source0 = (base + indices[first]) * inner, weight0 = weights[first]
                        if width == 1 {
                            for j in 0..<inner { y[target + j] = x[source0 + j] }
                            continue
                        }
                        for j in 0..<inner { y[target + j] = weight0 * x[source0 + j] }
                        for k in 1..<width {
                            let source = (base + indices[first + k]) * inner, weight = weights[first + k]
                            for j in 0..<inner { y[target + j] += weight * x[source + j] }
                        }
                    }
                }
            }
        }
    }
}
