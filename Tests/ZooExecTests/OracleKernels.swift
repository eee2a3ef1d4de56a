import Foundation
import ZooCore

/// A row-major array of doubles: the oracle's own tensor, sharing nothing with ZooExec.
struct OracleArray: Equatable {
    var shape: [Int]
    var values: [Double]

    init(shape: [Int], values: [Double]) {
        precondition(values.count == shape.reduce(1, *), "oracle array \(shape) needs \(shape.reduce(1, *)) values")
        self.shape = shape
        self.values = values
    }

    init(shape: [Int], repeating value: Double = 0) {
        self.init(shape: shape, values: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// The elements of a materialized tensor, widened to double.
    init(_ tensor: Tensor) {
        self.init(shape: tensor.shape, values: (tensor.values ?? []).map(Double.init))
    }

    var count: Int { values.count }
    var rank: Int { shape.count }

    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        for axis in shape.indices.reversed().dropFirst() { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }

    func offset(_ index: [Int]) -> Int {
        zip(index, Self.strides(shape)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The multi-index of the element at `offset`.
    func index(ofOffset offset: Int) -> [Int] {
        var rest = offset
        return Self.strides(shape).map { stride in
            defer { rest %= stride }
            return rest / stride
        }
    }

    subscript(_ index: [Int]) -> Double {
        get { values[offset(index)] }
        set { values[offset(index)] = newValue }
    }

    /// Calls `body` with every multi-index of `shape` in row-major order.
    static func forEachIndex(_ shape: [Int], _ body: ([Int]) -> Void) {
        guard shape.allSatisfy({ $0 > 0 }) else { return }
        var index = Array(repeating: 0, count: shape.count)
        while true {
            body(index)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}

/// Plain reference kernels written straight from the formulas in `Sources/ZooCore/Ops`, in
/// double precision. They share no code with ZooExec (nor with ZooCore's padding resolver or
/// broadcasting): the point is an independent second computation to check the fast kernels.
enum Oracle {
    /// Evaluates `op` on `inputs` (runtime inputs in order; a stored constant operand is added
    /// at its position). Exhaustive over ``Op``: a new op needs an oracle.
    static func evaluate(_ op: Op, _ inputs: [OracleArray]) -> OracleArray {
        switch op {
        case .conv(let conv): return self.conv(inputs[0], conv)
        case .convTranspose(let op): return convTranspose(inputs[0], op)
        case .maxPool(let pool): return maxPool(inputs[0], pool)
        case .averagePool(let pool): return averagePool(inputs[0], pool)
        case .globalAveragePool: return globalPool(inputs[0], max: false)
        case .globalMaxPool: return globalPool(inputs[0], max: true)
        case .dense(let dense): return self.dense(inputs[0], dense)
        case .matMul: return matMul(inputs[0], inputs[1])
        case .batchNorm(let norm): return batchNorm(inputs[0], norm)
        case .normalization(let norm):
            // (x - mean) / max(sqrt(variance), epsilon), the denominator rounded to float32 as Keras holds it.
            let denominator = OracleArray(norm.variance).values.map { Double(max(Float($0).squareRoot(), norm.epsilon)) }
            let centred = elementwise([inputs[0], OracleArray(norm.mean)], -)
            return elementwise([centred, OracleArray(shape: norm.variance.shape, values: denominator)], /)
        case .relu, .clip, .sigmoid, .tanh, .leakyRelu, .hardSigmoid, .hardSwish, .silu, .elu, .selu, .softplus, .gelu, .sqrt, .exp, .log, .neg, .abs, .reciprocal, .erf,
            .dropout, .identity:
            let function = activation(op)
            return OracleArray(shape: inputs[0].shape, values: inputs[0].values.map(function))
        case .softmax(let softmax): return self.softmax(inputs[0], axis: softmax.axis)
        case .lrn(let lrn): return self.lrn(inputs[0], lrn)
        case .add(let add): return elementwise(operands(inputs, add.constant), +)
        case .sub(let sub): return elementwise(operands(inputs, sub.constant), -)
        case .mul(let mul): return elementwise(operands(inputs, mul.constant), *)
        case .div(let div): return elementwise(operands(inputs, div.constant), /)
        case .prelu(let prelu): return elementwise([inputs[0], OracleArray(prelu.slope)]) { x, slope in x < 0 ? slope * x : x }
        case .pow(let pow):
            switch pow.exponent {
            case .scalar(let e): return OracleArray(shape: inputs[0].shape, values: inputs[0].values.map { Foundation.pow($0, Double(e)) })
            case .tensor(let e): return elementwise([inputs[0], OracleArray(e)], Foundation.pow)
            }
        case .concat(let concat): return self.concat(inputs, axis: concat.axis)
        case .flatten(let flatten): return self.flatten(inputs[0], axis: flatten.axis)
        case .reshape(let reshape): return self.reshape(inputs[0], target: reshape.target, allowZero: reshape.allowZero)
        case .transpose(let transpose): return self.transpose(inputs[0], permutation: transpose.permutation)
        case .pad(let pad): return self.pad(inputs[0], pad)
        case .resize(let op): return resize(inputs[0], op)
        case .slice(let slice): return self.slice(inputs[0], slice)
        case .gather(let gather): return self.gather(inputs[0], gather)
        case .expand(let expand): return self.expand(inputs[0], shape: expand.shape)
        case .reduceMean(let op): return reduce(inputs[0], axes: op.axes, keepDims: op.keepDims) { $0.reduce(0, +) / Double($0.count) }
        case .reduceSum(let op): return reduce(inputs[0], axes: op.axes, keepDims: op.keepDims) { $0.reduce(0, +) }
        case .reduceMax(let op): return reduce(inputs[0], axes: op.axes, keepDims: op.keepDims) { $0.reduce(-.infinity, Swift.max) }
        case .reduceMin(let op): return reduce(inputs[0], axes: op.axes, keepDims: op.keepDims) { $0.reduce(.infinity, Swift.min) }
        case .mean(let op):
            let all = operands(inputs, op.constant)
            let sum = elementwise(all, +)
            return OracleArray(shape: sum.shape, values: sum.values.map { $0 / Double(all.count) })
        case .maximum(let op): return elementwise(operands(inputs, op.constant), Swift.max)
        case .minimum(let op): return elementwise(operands(inputs, op.constant), Swift.min)
        case .layerNorm(let op):
            let axis = op.axis < 0 ? op.axis + inputs[0].rank : op.axis
            let length = inputs[0].shape[axis...].reduce(1, *)
            return normalize(inputs[0], epsilon: op.epsilon, groupOf: { $0 / length }) { offset in
                (op.scale?.values?[offset % length], op.bias?.values?[offset % length])
            }
        case .instanceNorm(let op):
            let x = inputs[0], plane = x.shape.dropFirst(2).reduce(1, *)
            return normalize(x, epsilon: op.epsilon, groupOf: { $0 / plane }) { offset in
                let c = (offset / plane) % x.shape[1]
                return (op.scale.values?[c], op.bias.values?[c])
            }
        case .groupNorm(let op):
            let x = inputs[0], plane = x.shape.dropFirst(2).reduce(1, *), perGroup = x.shape[1] / op.groups
            return normalize(x, epsilon: op.epsilon, groupOf: { offset in
                let n = offset / (plane * x.shape[1]), c = (offset / plane) % x.shape[1]
                return n * op.groups + c / perGroup
            }) { offset in
                let c = (offset / plane) % x.shape[1]
                // per channel [C], or per group [groups] (GroupNormalization-18)
                func value(_ tensor: Tensor?) -> Float? {
                    guard let tensor else { return nil }
                    return tensor.values?[tensor.shape == [x.shape[1]] ? c : c / perGroup]
                }
                return (value(op.scale), value(op.bias))
            }
        case .logSoftmax(let op): return logSoftmax(inputs[0], axis: op.axis)
        }
    }

    // MARK: Reductions and normalizations

    /// `Y[kept] = f(the elements of X whose kept indices are those)`, `axes` empty meaning every
    /// axis; a reduced axis stays as size 1 with `keepDims`, else it is dropped.
    static func reduce(_ x: OracleArray, axes: [Int], keepDims: Bool, _ f: ([Double]) -> Double) -> OracleArray {
        let reduced = Set(axes.isEmpty ? Array(0..<x.rank) : axes.map { $0 < 0 ? $0 + x.rank : $0 })
        let kept = x.shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        var groups = Array(repeating: [Double](), count: kept.reduce(1, *))
        OracleArray.forEachIndex(x.shape) { index in
            let target = index.enumerated().map { reduced.contains($0.offset) ? 0 : $0.element }
            groups[OracleArray(shape: kept).offset(target)].append(x[index])
        }
        let shape = keepDims ? kept : x.shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        return OracleArray(shape: shape, values: groups.map(f))
    }

    /// `Y = (X - mean_g) / sqrt(variance_g + epsilon) * scale + shift`, the group `g` of each
    /// element (by row-major offset) from `groupOf`, the biased variance, and the element's
    /// scale and shift (1 and 0 when absent) from `affine`.
    static func normalize(
        _ x: OracleArray, epsilon: Float, groupOf: (Int) -> Int, affine: (Int) -> (Float?, Float?)
    ) -> OracleArray {
        var members: [Int: [Int]] = [:]
        for offset in 0..<x.count { members[groupOf(offset), default: []].append(offset) }
        var y = x
        for offsets in members.values {
            let mean = offsets.map { x.values[$0] }.reduce(0, +) / Double(offsets.count)
            let variance = offsets.map { (x.values[$0] - mean) * (x.values[$0] - mean) }.reduce(0, +) / Double(offsets.count)
            for offset in offsets {
                let (scale, shift) = affine(offset)
                let normalized = (x.values[offset] - mean) / (variance + Double(epsilon)).squareRoot()
                y.values[offset] = normalized * Double(scale ?? 1) + Double(shift ?? 0)
            }
        }
        return y
    }

    /// `Y[..., i, ...] = X[..., i, ...] - log sum_j exp(X[..., j, ...])` along `axis`.
    static func logSoftmax(_ x: OracleArray, axis: Int) -> OracleArray {
        let axis = axis < 0 ? axis + x.rank : axis
        var y = x
        OracleArray.forEachIndex(x.shape) { index in
            var position = index
            var sum = 0.0
            for j in 0..<x.shape[axis] {
                position[axis] = j
                sum += exp(x[position])
            }
            y[index] = x[index] - log(sum)
        }
        return y
    }

    /// Every value of `graph` (inputs and layer outputs, by name), evaluated layer by layer in
    /// topological order with the op oracles.
    static func evaluate(_ graph: Graph, _ inputs: [String: OracleArray]) -> [String: OracleArray] {
        var values = inputs
        for layer in graph.layers {
            values[layer.name] = evaluate(layer.op, layer.inputs.map { values[$0] ?? OracleArray(shape: [0]) })
        }
        return values
    }

    // MARK: Element-wise functions

    /// The scalar formula of an element-wise unary op (dropout and identity are `x`).
    static func activation(_ op: Op) -> (Double) -> Double {
        switch op {
        case .relu: return { max($0, 0) }
        case .clip(let clip):
            let low = clip.min.map(Double.init) ?? -.infinity, high = clip.max.map(Double.init) ?? .infinity
            return { min(max($0, low), high) }
        case .sigmoid: return { 1 / (1 + exp(-$0)) }
        case .tanh: return { Foundation.tanh($0) }
        case .leakyRelu(let leaky):
            let alpha = Double(leaky.alpha)
            return { $0 >= 0 ? $0 : alpha * $0 }
        case .hardSigmoid(let hard):
            let alpha = Double(hard.alpha), beta = Double(hard.beta)
            return { max(0, min(1, alpha * $0 + beta)) }
        case .hardSwish: return { $0 * max(0, min(1, $0 / 6 + 0.5)) }
        case .silu: return { $0 / (1 + exp(-$0)) }
        case .elu(let elu):
            let alpha = Double(elu.alpha)
            return { $0 < 0 ? alpha * (exp($0) - 1) : $0 }
        case .selu(let selu):
            let alpha = Double(selu.alpha), gamma = Double(selu.gamma)
            return { $0 <= 0 ? gamma * (alpha * exp($0) - alpha) : gamma * $0 }
        case .softplus: return { log(exp($0) + 1) }
        case .gelu(let gelu) where gelu.approximate == .tanh:
            return { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
        case .gelu: return { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
        case .sqrt: return { Foundation.sqrt($0) }
        case .exp: return { Foundation.exp($0) }
        case .log: return { Foundation.log($0) }
        case .neg: return { -$0 }
        case .abs: return { Swift.abs($0) }
        case .reciprocal: return { 1 / $0 }
        case .erf: return { Foundation.erf($0) }
        default: return { $0 }
        }
    }

    // MARK: Window geometry (Padding.swift and SpatialWindow.swift, recomputed here)

    /// One spatial axis of a window op.
    struct WindowAxis {
        var input: Int, kernel: Int, stride: Int, dilation: Int
        var padBegin: Int, padEnd: Int, output: Int

        /// The axis a 1-D op gets in front of its one spatial axis to run as 2-D.
        static let trivial = WindowAxis(input: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, output: 1)
    }

    /// Resolves spatial axis `axis`: dilated extent `k' = d (k - 1) + 1`; `same` pads to
    /// `out = ceil(in / s)` with total `max((out - 1) s + k' - in, 0)` split in half, the odd
    /// element at the `extra` edge; `out = floor((in + p_b + p_e - k') / s) + 1`, or with
    /// `ceilMode` rounded up unless that last window would start at or past `in + p_b` (inside
    /// the end padding), which PyTorch and ONNX drop.
    static func window(
        axis: Int, input: Int, kernel: Int, stride: Int, dilation: Int, padding: Padding, ceilMode: Bool
    ) -> WindowAxis {
        let extent = dilation * (kernel - 1) + 1
        var begin = 0, end = 0
        switch padding {
        case .valid:
            break
        case .same(let extra):
            let output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + extent - input, 0)
            let small = total / 2
            (begin, end) = extra == .end ? (small, total - small) : (total - small, small)
        case .explicit(let begins, let ends):
            (begin, end) = (begins[axis], ends[axis])
        }
        let span = input + begin + end - extent
        var output = span / stride + 1
        if ceilMode, span % stride != 0 {
            output += 1
            if (output - 1) * stride >= input + begin { output -= 1 }
        }
        return WindowAxis(input: input, kernel: kernel, stride: stride, dilation: dilation, padBegin: begin, padEnd: end, output: output)
    }

    /// The (height, width) axes of a window over `x` (rank 3: a trivial height in front).
    static func windowAxes(
        _ x: OracleArray, kernel: [Int], stride: [Int], dilation: [Int], padding: Padding, ceilMode: Bool
    ) -> (h: WindowAxis, w: WindowAxis) {
        let axes = kernel.indices.map { axis in
            window(
                axis: axis, input: x.shape[2 + axis], kernel: kernel[axis], stride: stride[axis], dilation: dilation[axis],
                padding: padding, ceilMode: ceilMode)
        }
        return axes.count == 2 ? (axes[0], axes[1]) : (.trivial, axes[0])
    }

    /// The output shape `[N, channels, out...]` of a window op over `x`.
    static func windowOutputShape(_ x: OracleArray, channels: Int, _ h: WindowAxis, _ w: WindowAxis) -> [Int] {
        x.rank == 4 ? [x.shape[0], channels, h.output, w.output] : [x.shape[0], channels, w.output]
    }

    // MARK: Convolution and pools

    /// `Y[n, o, y, x] = B[o] + sum_{c < C/G, i, j} W[o, c, i, j] Xpad[n, g(o) C/G + c, y s_h + i d_h, x s_w + j d_w]`
    /// with `g(o) = o / (O / G)` and `Xpad` zero outside the input.
    static func conv(_ x: OracleArray, _ op: Conv) -> OracleArray {
        let (h, w) = windowAxes(x, kernel: op.kernelSize, stride: op.stride, dilation: op.dilation, padding: op.padding, ceilMode: false)
        let kernel = (op.kernel.values ?? []).map(Double.init)
        let bias = op.bias.map { ($0.values ?? []).map(Double.init) }
        let batch = x.shape[0], channels = x.shape[1], filters = op.kernel.shape[0], perGroupIn = op.kernel.shape[1]
        let perGroupOut = filters / op.groups
        var y = OracleArray(shape: windowOutputShape(x, channels: filters, h, w))
        var out = 0
        for n in 0..<batch {
            for o in 0..<filters {
                let group = o / perGroupOut
                for oy in 0..<h.output {
                    for ox in 0..<w.output {
                        var sum = bias?[o] ?? 0
                        for c in 0..<perGroupIn {
                            for i in 0..<h.kernel {
                                let iy = oy * h.stride + i * h.dilation - h.padBegin
                                guard iy >= 0, iy < h.input else { continue }
                                for j in 0..<w.kernel {
                                    let ix = ox * w.stride + j * w.dilation - w.padBegin
                                    guard ix >= 0, ix < w.input else { continue }
                                    let weight = kernel[((o * perGroupIn + c) * h.kernel + i) * w.kernel + j]
                                    let input = x.values[((n * channels + group * perGroupIn + c) * h.input + iy) * w.input + ix]
                                    sum += weight * input
                                }
                            }
                        }
                        y.values[out] = sum
                        out += 1
                    }
                }
            }
        }
        return y
    }

    /// One spatial axis of a transposed convolution: `k' = d (k - 1) + 1`, the full output
    /// `s (in - 1) + output_padding + k'`, the crops (explicit; none for `valid`; for `same` the
    /// total `full - target`, `target = outputShape` or `in s`, halved toward negative infinity
    /// with the odd element at the `extra` edge) and `out = full - p_begin - p_end`.
    static func transposedAxis(_ op: ConvTranspose, axis: Int, input: Int) -> WindowAxis {
        let kernel = op.kernelSize[axis], stride = op.stride[axis], dilation = op.dilation[axis]
        let full = stride * (input - 1) + op.outputPadding[axis] + dilation * (kernel - 1) + 1
        var begin = 0, end = 0
        switch op.padding {
        case .valid:
            break
        case .explicit(let begins, let ends):
            (begin, end) = (begins[axis], ends[axis])
        case .same(let extra):
            let total = full - (op.outputShape?[axis] ?? input * stride)
            let small = Int((Double(total) / 2).rounded(.down))
            (begin, end) = extra == .end ? (small, total - small) : (total - small, small)
        }
        return WindowAxis(
            input: input, kernel: kernel, stride: stride, dilation: dilation, padBegin: begin, padEnd: end, output: full - begin - end)
    }

    /// `Y[n, g M_g + m, y s_h + i d_h - p_top, x s_w + j d_w - p_left] += W[g C_g + c, m, i, j] X[n, g C_g + c, y, x]`
    /// over every input element and tap, onto `Y` = the bias; products outside `Y` are dropped.
    static func convTranspose(_ x: OracleArray, _ op: ConvTranspose) -> OracleArray {
        let axes = (0..<op.kernelSize.count).map { transposedAxis(op, axis: $0, input: x.shape[2 + $0]) }
        let (h, w) = axes.count == 2 ? (axes[0], axes[1]) : (.trivial, axes[0])
        let kernel = (op.kernel.values ?? []).map(Double.init)
        let bias = op.bias.map { ($0.values ?? []).map(Double.init) }
        let batch = x.shape[0], channels = x.shape[1], perGroupOut = op.kernel.shape[1]
        let perGroupIn = channels / op.groups, filters = perGroupOut * op.groups
        var y = OracleArray(shape: windowOutputShape(x, channels: filters, h, w))
        let plane = h.output * w.output
        for n in 0..<batch {
            for o in 0..<filters {
                for k in 0..<plane { y.values[(n * filters + o) * plane + k] = bias?[o] ?? 0 }
            }
            for c in 0..<channels {
                let group = c / perGroupIn
                for iy in 0..<h.input {
                    for ix in 0..<w.input {
                        let value = x.values[((n * channels + c) * h.input + iy) * w.input + ix]
                        for m in 0..<perGroupOut {
                            let o = group * perGroupOut + m
                            for i in 0..<h.kernel {
                                let oy = iy * h.stride + i * h.dilation - h.padBegin
                                guard oy >= 0, oy < h.output else { continue }
                                for j in 0..<w.kernel {
                                    let ox = ix * w.stride + j * w.dilation - w.padBegin
                                    guard ox >= 0, ox < w.output else { continue }
                                    let weight = kernel[((c * perGroupOut + m) * h.kernel + i) * w.kernel + j]
                                    y.values[((n * filters + o) * h.output + oy) * w.output + ox] += weight * value
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// The taps of one pooling window: values inside the input, and how many taps fall inside
    /// the padded input `[0, in + p_b + p_e)` (a ceil-mode window may reach past it; those taps
    /// count for nothing, as in PyTorch and the ONNX reference).
    private static func poolTaps(
        _ x: OracleArray, plane: Int, _ h: WindowAxis, _ w: WindowAxis, oy: Int, ox: Int
    ) -> (inside: [Double], withinPadding: Int) {
        var inside: [Double] = []
        var withinPadding = 0
        for i in 0..<h.kernel {
            let py = oy * h.stride + i * h.dilation
            guard py < h.input + h.padBegin + h.padEnd else { continue }
            for j in 0..<w.kernel {
                let px = ox * w.stride + j * w.dilation
                guard px < w.input + w.padBegin + w.padEnd else { continue }
                withinPadding += 1
                let iy = py - h.padBegin, ix = px - w.padBegin
                if iy >= 0, iy < h.input, ix >= 0, ix < w.input {
                    inside.append(x.values[(plane * h.input + iy) * w.input + ix])
                }
            }
        }
        return (inside, withinPadding)
    }

    /// Applies `reduce` to the taps of every window of every plane of `x`.
    private static func pool(
        _ x: OracleArray, _ window: SpatialWindow, _ reduce: (_ inside: [Double], _ withinPadding: Int) -> Double
    ) -> OracleArray {
        let (h, w) = windowAxes(
            x, kernel: window.kernel, stride: window.stride, dilation: window.dilation, padding: window.padding, ceilMode: window.ceilMode)
        var y = OracleArray(shape: windowOutputShape(x, channels: x.shape[1], h, w))
        var out = 0
        for plane in 0..<(x.shape[0] * x.shape[1]) {
            for oy in 0..<h.output {
                for ox in 0..<w.output {
                    let taps = poolTaps(x, plane: plane, h, w, oy: oy, ox: ox)
                    y.values[out] = reduce(taps.inside, taps.withinPadding)
                    out += 1
                }
            }
        }
        return y
    }

    /// `Y = max over the window's taps inside the input` (padding is negative infinity).
    static func maxPool(_ x: OracleArray, _ op: MaxPool) -> OracleArray {
        pool(x, op.window) { inside, _ in inside.max() ?? -.infinity }
    }

    /// `Y = (1 / count) sum over the taps inside the input`, `count` the taps inside the input, or
    /// with `countIncludePad` the taps inside the padded input (`k_h k_w` unless a ceil-mode
    /// window overhangs the end padding).
    static func averagePool(_ x: OracleArray, _ op: AveragePool) -> OracleArray {
        pool(x, op.window) { inside, withinPadding in
            inside.reduce(0, +) / Double(op.countIncludePad ? withinPadding : inside.count)
        }
    }

    /// The mean or maximum over every axis from 2 on, kept as size-1 axes.
    static func globalPool(_ x: OracleArray, max useMax: Bool) -> OracleArray {
        let planes = x.shape[0] * x.shape[1]
        let size = x.count / max(planes, 1)
        var y = OracleArray(shape: Array(x.shape.prefix(2)) + Array(repeating: 1, count: x.rank - 2))
        for plane in 0..<planes {
            let slice = x.values[(plane * size)..<((plane + 1) * size)]
            y.values[plane] = useMax ? (slice.max() ?? -.infinity) : slice.reduce(0, +) / Double(size)
        }
        return y
    }

    // MARK: Dense, matmul, normalization

    /// `Y[..., o] = B[o] + sum_i X[..., i] W[o, i]`, `W` stored `[out, in]` or `[in, out]`.
    static func dense(_ x: OracleArray, _ op: Dense) -> OracleArray {
        let weight = (op.weight.values ?? []).map(Double.init)
        let bias = op.bias.map { ($0.values ?? []).map(Double.init) }
        let outIn = op.weightOrder == .outIn
        let units = op.weight.shape[outIn ? 0 : 1], features = op.weight.shape[outIn ? 1 : 0]
        let rows = x.count / features
        var y = OracleArray(shape: Array(x.shape.dropLast()) + [units])
        for r in 0..<rows {
            for o in 0..<units {
                var sum = bias?[o] ?? 0
                for i in 0..<features { sum += x.values[r * features + i] * weight[outIn ? o * features + i : i * units + o] }
                y.values[r * units + o] = sum
            }
        }
        return y
    }

    /// NumPy matmul: `[..., M, K] x [..., K, N] -> [..., M, N]`, the leading axes broadcast, a
    /// rank-1 first operand promoted to `[1, K]` and a rank-1 second to `[K, 1]`, the promoted
    /// axes removed from the result.
    static func matMul(_ a: OracleArray, _ b: OracleArray) -> OracleArray {
        let aShape = a.rank == 1 ? [1] + a.shape : a.shape
        let bShape = b.rank == 1 ? b.shape + [1] : b.shape
        let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1], n = bShape[bShape.count - 1]
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        let batch = broadcastShape([aBatch, bBatch])
        var resultShape = batch
        if a.rank > 1 { resultShape.append(m) }
        if b.rank > 1 { resultShape.append(n) }
        var y = OracleArray(shape: resultShape)
        var out = 0
        OracleArray.forEachIndex(batch + [m, n]) { index in
            let batchIndex = Array(index.prefix(batch.count))
            let row = index[batch.count], column = index[batch.count + 1]
            let aBase = broadcastOffset(batchIndex, into: aBatch) * m * k
            let bBase = broadcastOffset(batchIndex, into: bBatch) * k * n
            var sum = 0.0
            for p in 0..<k { sum += a.values[aBase + row * k + p] * b.values[bBase + p * n + column] }
            y.values[out] = sum
            out += 1
        }
        return y
    }

    /// `Y = gamma[c] (X - mean[c]) / sqrt(variance[c] + epsilon) + beta[c]` over axis 1.
    static func batchNorm(_ x: OracleArray, _ op: BatchNorm) -> OracleArray {
        func doubles(_ tensor: Tensor?) -> [Double]? { tensor.map { ($0.values ?? []).map(Double.init) } }
        let gamma = doubles(op.gamma), beta = doubles(op.beta)
        let mean = doubles(op.mean) ?? [], variance = doubles(op.variance) ?? []
        let channels = x.shape[1]
        let inner = x.shape.dropFirst(2).reduce(1, *)
        var y = x
        for offset in 0..<x.count {
            let c = (offset / inner) % channels
            let normalized = (x.values[offset] - mean[c]) / (variance[c] + Double(op.epsilon)).squareRoot()
            y.values[offset] = (gamma?[c] ?? 1) * normalized + (beta?[c] ?? 0)
        }
        return y
    }

    /// `Y[..., i, ...] = exp(X[..., i, ...]) / sum_j exp(X[..., j, ...])` along `axis`.
    static func softmax(_ x: OracleArray, axis: Int) -> OracleArray {
        let axis = axis < 0 ? axis + x.rank : axis
        var y = x
        OracleArray.forEachIndex(x.shape) { index in
            guard index[axis] == 0 else { return }
            var position = index
            var sum = 0.0
            for j in 0..<x.shape[axis] {
                position[axis] = j
                sum += exp(x[position])
            }
            for j in 0..<x.shape[axis] {
                position[axis] = j
                y[position] = exp(x[position]) / sum
            }
        }
        return y
    }

    /// `Y = X / (bias + alpha / size * sum_{c'} X[n, c', ...]^2)^beta`, `c'` from
    /// `c - floor((size - 1) / 2)` to `c + ceil((size - 1) / 2)`, clipped to the channels.
    static func lrn(_ x: OracleArray, _ op: LRN) -> OracleArray {
        let channels = x.shape[1]
        let inner = x.shape.dropFirst(2).reduce(1, *)
        let below = (op.size - 1) / 2, above = op.size - 1 - below
        var y = x
        for offset in 0..<x.count {
            let c = (offset / inner) % channels
            let base = offset - c * inner
            var sum = 0.0
            for other in max(c - below, 0)...min(c + above, channels - 1) {
                let value = x.values[base + other * inner]
                sum += value * value
            }
            let scale = Double(op.bias) + Double(op.alpha) / Double(op.size) * sum
            y.values[offset] = x.values[offset] / pow(scale, Double(op.beta))
        }
        return y
    }

    // MARK: Broadcasting element-wise ops

    /// The operands of an element-wise binary op: the runtime inputs, with the stored constant
    /// first or last.
    static func operands(_ inputs: [OracleArray], _ constant: ConstantOperand?) -> [OracleArray] {
        guard let constant else { return inputs }
        let array = OracleArray(constant.tensor)
        return constant.isFirst ? [array] + inputs : inputs + [array]
    }

    /// NumPy broadcasting: shapes aligned at the last axis, a missing axis counts as 1, each axis
    /// takes the size that is not 1.
    static func broadcastShape(_ shapes: [[Int]]) -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        return (0..<rank).map { axis in
            shapes.compactMap { shape -> Int? in
                let offset = axis - (rank - shape.count)
                return offset >= 0 ? shape[offset] : nil
            }.filter { $0 != 1 }.first ?? 1
        }
    }

    /// The row-major offset in an operand of `shape` that output multi-index `index` reads (a
    /// size-1 or missing axis is read at 0).
    static func broadcastOffset(_ index: [Int], into shape: [Int]) -> Int {
        var offset = 0
        for (axis, size) in shape.enumerated() {
            let position = index[index.count - shape.count + axis]
            offset = offset * size + (size == 1 ? 0 : position)
        }
        return offset
    }

    /// `f(f(a, b), c) ...` element by element over the broadcast shape.
    static func elementwise(_ operands: [OracleArray], _ f: (Double, Double) -> Double) -> OracleArray {
        let shape = broadcastShape(operands.map(\.shape))
        var y = OracleArray(shape: shape)
        var out = 0
        OracleArray.forEachIndex(shape) { index in
            var result = operands[0].values[broadcastOffset(index, into: operands[0].shape)]
            for operand in operands.dropFirst() {
                result = f(result, operand.values[broadcastOffset(index, into: operand.shape)])
            }
            y.values[out] = result
            out += 1
        }
        return y
    }

    // MARK: Data movement

    /// The inputs laid end to end along `axis`.
    static func concat(_ inputs: [OracleArray], axis: Int) -> OracleArray {
        let axis = axis < 0 ? axis + inputs[0].rank : axis
        var shape = inputs[0].shape
        shape[axis] = inputs.map { $0.shape[axis] }.reduce(0, +)
        var y = OracleArray(shape: shape)
        var start = 0
        for input in inputs {
            OracleArray.forEachIndex(input.shape) { index in
                var target = index
                target[axis] += start
                y[target] = input[index]
            }
            start += input.shape[axis]
        }
        return y
    }

    /// `[d_0 ... d_{axis-1}, d_axis ... d_n]`, the elements in the same order.
    static func flatten(_ x: OracleArray, axis: Int) -> OracleArray {
        let split = axis < 0 ? axis + x.rank : axis
        return OracleArray(shape: [x.shape[..<split].reduce(1, *), x.shape[split...].reduce(1, *)], values: x.values)
    }

    /// The elements in the same order under `target`: `-1` takes the remaining size, `0` copies the
    /// input's size on that axis unless `allowZero`.
    static func reshape(_ x: OracleArray, target: [Int], allowZero: Bool) -> OracleArray {
        var shape = target.enumerated().map { axis, size in size == 0 && !allowZero ? x.shape[axis] : size }
        if let inferred = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            shape[inferred] = known == 0 ? 0 : x.count / known
        }
        return OracleArray(shape: shape, values: x.values)
    }

    /// Output axis `i` is input axis `permutation[i]`; nil reverses the axes.
    static func transpose(_ x: OracleArray, permutation: [Int]?) -> OracleArray {
        let perm = permutation ?? Array((0..<x.rank).reversed())
        var y = OracleArray(shape: perm.map { x.shape[$0] })
        var out = 0
        OracleArray.forEachIndex(y.shape) { index in
            var source = Array(repeating: 0, count: x.rank)
            for (axis, inputAxis) in perm.enumerated() { source[inputAxis] = index[axis] }
            y.values[out] = x[source]
            out += 1
        }
        return y
    }

    /// ONNX Pad plus the lecture's symmetric mode. For output position `p` of an axis of size `d`
    /// padded by `b` before, `j = p - b`, the source index is: `constant` none (the value) when
    /// `j` is outside; `reflect` `-j` / `2 (d - 1) - j`; `edge` clamped; `wrap` `j mod d`;
    /// `symmetric` `-j - 1` / `2 d - 1 - j`.
    static func pad(_ x: OracleArray, _ op: Pad) -> OracleArray {
        let rank = x.rank
        let shape = (0..<rank).map { x.shape[$0] + op.pads[$0] + op.pads[$0 + rank] }
        var y = OracleArray(shape: shape)
        var out = 0
        OracleArray.forEachIndex(shape) { index in
            var source: [Int] = []
            for axis in 0..<rank {
                let d = x.shape[axis]
                let j = index[axis] - op.pads[axis]
                if j >= 0, j < d {
                    source.append(j)
                    continue
                }
                switch op.mode {
                case .constant: break
                case .reflect: source.append(j < 0 ? -j : 2 * (d - 1) - j)
                case .edge: source.append(min(max(j, 0), d - 1))
                case .wrap: source.append(((j % d) + d) % d)
                case .symmetric: source.append(j < 0 ? -j - 1 : 2 * d - 1 - j)
                }
                if op.mode == .constant { break }
            }
            y.values[out] = source.count == rank ? x[source] : Double(op.value)
            out += 1
        }
        return y
    }

    /// ONNX Resize read from its text and from the reference implementation's tap rule: per
    /// listed axis the output size (floor(scale in), the size, or a policy's common scale), `x_in`
    /// by the coordinate mode, then every input index `i` with `|i - x_in| s' < R` (the kernel's
    /// support, `s' = min(scale, 1)` with antialias) weighted by the triangle or Keys' kernel at
    /// `(i - x_in) s'`, normalized with antialias, outside indices clamped or (exclude_outside)
    /// dropped; nearest rounds `x_in` by its mode. The N-D output is one direct sum over the
    /// product of the axes' taps, not axis by axis as the kernel computes it.
    static func resize(_ x: OracleArray, _ op: Resize) -> OracleArray {
        let rank = x.rank
        let listed = (op.axes ?? Array(0..<rank)).map { $0 < 0 ? $0 + rank : $0 }
        var scale = Array(repeating: 1.0, count: rank), out = x.shape
        var start = Array(repeating: 0.0, count: rank), end = Array(repeating: 1.0, count: rank)
        switch op.target {
        case .scales(let given):
            for (index, axis) in listed.enumerated() {
                scale[axis] = Double(given[index])
                out[axis] = Int((scale[axis] * Double(x.shape[axis])).rounded(.down))
            }
        case .sizes(let given, let policy):
            let ratios = listed.enumerated().map { Double(given[$0.offset]) / Double(x.shape[$0.element]) }
            let common = policy == .notLarger ? ratios.min() ?? 1 : ratios.max() ?? 1
            for (index, axis) in listed.enumerated() {
                scale[axis] = policy == .stretch ? ratios[index] : common
                out[axis] = policy == .stretch ? given[index] : Int(common * Double(x.shape[axis]) + 0.5)
            }
        }
        if op.coordinateMode == .tfCropAndResize, let roi = op.roi {
            for (index, axis) in listed.enumerated() {
                start[axis] = Double(roi[index])
                end[axis] = Double(roi[listed.count + index])
            }
        }
        let a = Double(op.cubicCoefficient)
        func kernel(_ d: Double) -> Double {
            let t = abs(d)
            switch op.interpolation {
            case .linear: return max(0, 1 - t)
            default:
                if t <= 1 { return (a + 2) * t * t * t - (a + 3) * t * t + 1 }
                return t < 2 ? a * t * t * t - 5 * a * t * t + 8 * a * t - 4 * a : 0
            }
        }
        // Per axis, per output index: (input index, weight) pairs, or nil for an extrapolated output.
        var taps: [[[(Int, Double)]?]] = []
        for axis in 0..<rank {
            let size = x.shape[axis], s = scale[axis], length = s * Double(size), last = Double(size - 1)
            let unchanged = abs(s - 1) <= 1e-9 && out[axis] == size && start[axis] == 0 && end[axis] == 1
            taps.append((0..<out[axis]).map { o -> [(Int, Double)]? in
                if unchanged { return [(o, 1)] }
                let xo = Double(o)
                let xIn: Double
                switch op.coordinateMode {
                case .halfPixel: xIn = (xo + 0.5) / s - 0.5
                case .halfPixelSymmetric: xIn = Double(size) / 2 * (1 - Double(out[axis]) / length) + (xo + 0.5) / s - 0.5
                case .pytorchHalfPixel: xIn = length == 1 ? -0.5 : (xo + 0.5) / s - 0.5
                case .alignCorners: xIn = length == 1 ? 0 : xo * last / (length - 1)
                case .asymmetric: xIn = xo / s
                case .tfHalfPixelForNN: xIn = (xo + 0.5) / s
                case .tfCropAndResize:
                    xIn = (length == 1 ? (end[axis] - start[axis]) * last / 2 : xo * (end[axis] - start[axis]) * last / (length - 1)) + start[axis] * last
                    if xIn < 0 || xIn > last { return nil }
                }
                if op.interpolation == .nearest {
                    let lower = xIn.rounded(.down), fraction = xIn - lower
                    let index: Double
                    switch op.nearestRounding {
                    case .roundPreferFloor: index = fraction > 0.5 ? lower + 1 : lower
                    case .roundPreferCeil: index = fraction >= 0.5 ? lower + 1 : lower
                    case .floor: index = lower
                    case .ceil: index = xIn.rounded(.up)
                    }
                    return [(Int(min(max(index, 0), last)), 1)]
                }
                let stretch = op.antialias ? min(s, 1) : 1, support = op.interpolation == .linear ? 1.0 : 2.0
                var pairs: [(Int, Double)] = []
                var i = Int((xIn - support / stretch).rounded(.down))
                while Double(i) < xIn + support / stretch {
                    let weight = kernel((Double(i) - xIn) * stretch)
                    if abs(Double(i) - xIn) * stretch < support, !(op.excludeOutside && (i < 0 || i > size - 1)) { pairs.append((i, weight)) }
                    i += 1
                }
                let total = pairs.reduce(0) { $0 + $1.1 }
                if op.antialias || op.excludeOutside, total != 0 { pairs = pairs.map { ($0.0, $0.1 / total) } }
                return pairs.map { (min(max($0.0, 0), size - 1), $0.1) }
            })
        }
        var y = OracleArray(shape: out)
        var position = 0
        OracleArray.forEachIndex(out) { index in
            let perAxis = (0..<rank).map { taps[$0][index[$0]] }
            guard perAxis.allSatisfy({ $0 != nil }) else {
                y.values[position] = Double(op.extrapolationValue)
                position += 1
                return
            }
            var sum = 0.0
            var source = Array(repeating: 0, count: rank)
            func accumulate(_ axis: Int, _ weight: Double) {
                guard axis < rank else {
                    sum += weight * x[source]
                    return
                }
                for (input, w) in perAxis[axis] ?? [] {
                    source[axis] = input
                    accumulate(axis + 1, weight * w)
                }
            }
            accumulate(0, 1)
            y.values[position] = sum
            position += 1
        }
        return y
    }

    /// ONNX Slice-13, read from its text: per listed axis of size `d`, negative `start`/`end`
    /// get `+ d`; `step > 0` clamps both to `[0, d]`, `step < 0` clamps start to `[0, d - 1]`
    /// and end to `[-1, d - 1]`; the axis then holds `start, start + step, ...` while before `end`.
    static func slice(_ x: OracleArray, _ op: Slice) -> OracleArray {
        var picks = x.shape.map { Array(0..<$0) }
        for (index, rawAxis) in op.axes.enumerated() {
            let axis = rawAxis < 0 ? rawAxis + x.rank : rawAxis
            let d = x.shape[axis], step = op.steps[index]
            var start = op.starts[index], end = op.ends[index]
            if start < 0 { start += d }
            if end < 0 { end += d }
            var picked: [Int] = []
            if step > 0 {
                start = min(max(start, 0), d)
                end = min(max(end, 0), d)
                var i = start
                while i < end { picked.append(i); i += step }
            } else {
                start = min(max(start, 0), d - 1)
                end = min(max(end, -1), d - 1)
                var i = start
                while i > end { picked.append(i); i += step }
            }
            picks[axis] = picked
        }
        var y = OracleArray(shape: picks.map(\.count))
        var out = 0
        OracleArray.forEachIndex(y.shape) { index in
            y.values[out] = x[index.enumerated().map { picks[$0.offset][$0.element] }]
            out += 1
        }
        return y
    }

    /// ONNX Gather: `Y[i..., j..., k...] = X[i..., indices[j...], k...]`, a negative index `+ d`;
    /// the index shape replaces the axis (a scalar index removes it).
    static func gather(_ x: OracleArray, _ op: Gather) -> OracleArray {
        let axis = op.axis < 0 ? op.axis + x.rank : op.axis
        let d = x.shape[axis]
        let shape = Array(x.shape[..<axis]) + op.indicesShape + Array(x.shape[(axis + 1)...])
        let indexRank = op.indicesShape.count
        var y = OracleArray(shape: shape)
        var out = 0
        OracleArray.forEachIndex(shape) { index in
            var flat = 0
            for (position, size) in op.indicesShape.enumerated() { flat = flat * size + index[axis + position] }
            let picked = op.indices[flat] < 0 ? op.indices[flat] + d : op.indices[flat]
            let source = Array(index[..<axis]) + [picked] + Array(index[(axis + indexRank)...])
            y.values[out] = x[source]
            out += 1
        }
        return y
    }

    /// ONNX Expand: the NumPy broadcast of the input to `shape`, each output element the input
    /// element its index reads (size-1 and missing axes at 0).
    static func expand(_ x: OracleArray, shape: [Int]) -> OracleArray {
        let output = broadcastShape([x.shape, shape])
        var y = OracleArray(shape: output)
        var out = 0
        OracleArray.forEachIndex(output) { index in
            y.values[out] = x.values[broadcastOffset(index, into: x.shape)]
            out += 1
        }
        return y
    }
}
