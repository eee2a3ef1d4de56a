import ZooCore

/// Resampling one resized axis at a time, in axis order (``Resize/resolve(_:)``): each pass
/// views its input as `[outer, in, inner]` and writes `[outer, out, inner]`, output row `x`
/// the weighted sum of the input rows ``Resize/taps(_:)`` lists for it (nearest: a copy of
/// one row), or the extrapolation value where `tf_crop_and_resize` maps `x` outside. Taps are
/// summed in their order, so the result does not depend on the thread count.
///
/// When exactly the last two axes change (an image resize) both passes run row by row instead:
/// each output row is first the weighted sum of its input rows (kept in a buffer of one row;
/// nearest reads the row itself), then resampled along the row. The sums are the two passes'
/// own, in the same order, so the result is the same bits with one pass over memory.
struct ResizeKernel: Kernel {
    /// The last two axes resampled together.
    private struct Planar {
        let outer: Int
        let inputHeight: Int
        let inputWidth: Int
        let outputHeight: Int
        let outputWidth: Int
        let rows: Resize.Taps
        let columns: Resize.Taps
    }

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
    private let planar: Planar?
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
        let rank = input.count
        if passes.count == 2, passes[0].inner == input[rank - 1], passes[1].inner == 1, passes[0].taps.extrapolated == nil,
            passes[1].taps.extrapolated == nil
        {
            planar = Planar(
                outer: passes[0].outer, inputHeight: passes[0].input, inputWidth: passes[1].input, outputHeight: passes[0].output,
                outputWidth: passes[1].output, rows: passes[0].taps, columns: passes[1].taps)
        } else {
            planar = nil
        }
    }

    func run(_ inputs: [Tensor], context: KernelContext) throws -> Tensor {
        guard !passes.isEmpty else { return try Tensor(shape: outputShape, storage: inputs[0].storage) }
        if let planar {
            let x = inputs[0].elements
            return try context.tensor(shape: outputShape) { y in Self.resample(x, into: y, planar, threads: context.threads) }
        }
        var current = inputs[0]
        for pass in passes {
            let source = current
            current = try context.tensor(shape: pass.shape) { y in
                Self.resample(source.elements, into: y, pass, extrapolation: extrapolation, threads: context.threads)
            }
        }
        return current
    }

    private static func resample(_ x: UnsafeBufferPointer<Float>, into y: UnsafeMutableBufferPointer<Float>, _ plane: Planar, threads: Int) {
        let (inputHeight, inputWidth, outputHeight, outputWidth) = (plane.inputHeight, plane.inputWidth, plane.outputHeight, plane.outputWidth)
        let rowWidth = plane.rows.width, columnWidth = plane.columns.width
        plane.rows.indices.withUnsafeBufferPointer { rowIndices in
            plane.rows.weights.withUnsafeBufferPointer { rowWeights in
                plane.columns.indices.withUnsafeBufferPointer { columnIndices in
                    plane.columns.weights.withUnsafeBufferPointer { columnWeights in
                        guard let input = x.baseAddress, let output = y.baseAddress else { return }
                        Parallel.forEach(plane.outer * outputHeight, threads: threads, grain: max(1, 16384 / max(outputWidth * columnWidth, 1))) { range in
                            // One input-width row: the weighted sum of the rows an output row reads.
                            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: rowWidth > 1 ? inputWidth : 0)
                            defer { buffer.deallocate() }
                            for row in range {
                                let plane = row / outputHeight, o = row % outputHeight
                                let base = input + plane * inputHeight * inputWidth, first = o * rowWidth
                                let source: UnsafePointer<Float>
                                if rowWidth == 1 {
                                    source = base + rowIndices[first] * inputWidth
                                } else {
                                    let row0 = base + rowIndices[first] * inputWidth, weight0 = rowWeights[first]
                                    for j in 0..<inputWidth { buffer[j] = weight0 * row0[j] }
                                    for k in 1..<rowWidth {
                                        let rowK = base + rowIndices[first + k] * inputWidth, weight = rowWeights[first + k]
                                        for j in 0..<inputWidth { buffer[j] += weight * rowK[j] }
                                    }
                                    source = UnsafePointer(buffer)
                                }
                                let target = output + row * outputWidth
                                if columnWidth == 1 {
                                    for c in 0..<outputWidth { target[c] = source[columnIndices[c]] }
                                    continue
                                }
                                for c in 0..<outputWidth {
                                    let tap = c * columnWidth
                                    var sum = columnWeights[tap] * source[columnIndices[tap]]
                                    for k in 1..<columnWidth { sum += columnWeights[tap + k] * source[columnIndices[tap + k]] }
                                    target[c] = sum
                                }
                            }
                        }
                    }
                }
            }
        }
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
