/// `zoo explain NETWORK LAYER`: the lecture's arithmetic for one layer, with its numbers filled
/// in — the output-size formula with the lecture's total padding p = top + bottom, the
/// parameter formula (k_h x k_w x c_in / groups + 1) x c_out, MACs and FLOPs, and the
/// receptive-field recurrence r <- r + (k' - 1) j, j <- j s.
public enum LayerExplanation {
    /// The explanation of `layerName` in `model`, or an error naming the layers that exist.
    public static func explain(_ model: Model, layer layerName: String) throws -> String {
        let report = try model.analyze()
        guard let layer = model.graph.layer(named: layerName), let entry = report.layer(layerName) else {
            let names = model.graph.layers.map(\.name)
            let hint = closestMatch(to: layerName, in: names).map { " Did you mean '\($0)'?" } ?? ""
            throw ZooError(
                .invalidGraph, "explain needs a layer of \(model.name) (`zoo analyze \(model.name)` lists them). Received: '\(layerName)'.\(hint)")
        }
        var fields: [String: ReceptiveField] = [:]
        for input in model.graph.inputs { fields[input.name] = ReceptiveField.input(layout: input.layout, rank: input.shape.rank) }
        for row in report.layers { fields[row.name] = row.fieldState }
        var shapes: [String: Shape] = [:]
        for input in model.graph.inputs { shapes[input.name] = input.shape }
        for row in report.layers { shapes[row.name] = row.outputShape }
        let inputShapes = layer.inputs.compactMap { shapes[$0] }
        let inputFields = layer.inputs.map { fields[$0] ?? .none }

        var lines = ["\(model.name) / \(layer.name): \(headline(layer.op, inputs: inputShapes))"]
        for (name, shape) in zip(layer.inputs, inputShapes) { lines.append("  input   \(name) \(shape)") }
        lines.append("  output  \(entry.outputShape)")
        lines.append("")
        lines += try sizeSection(layer.op, inputs: inputShapes, output: entry.outputShape)
        lines += parameterSection(layer.op, inputs: inputShapes, params: entry.params)
        lines += costSection(layer.op, entry: entry, inputs: inputShapes)
        lines += fieldSection(layer.op, inputs: inputFields, names: layer.inputs, shapes: inputShapes, output: entry)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func n(_ value: Int) -> String { ReportRenderer.grouped(value) }

    private static func headline(_ op: Op, inputs: [Shape]) -> String {
        switch op {
        case .conv(let conv):
            let kind = conv.groups > 1 && conv.kernel.shape[1] == 1 ? "depthwise conv" : "conv"
            return "\(kind) \(conv.kernelSize.map(String.init).joined(separator: "x")), \(conv.filters) filters, stride \(list(conv.stride))\(conv.groups > 1 ? ", groups \(conv.groups)" : "")\(conv.dilation.contains { $0 != 1 } ? ", dilation \(list(conv.dilation))" : "")"
        case .convTranspose(let op):
            let extras = (op.groups > 1 ? ", groups \(op.groups)" : "") + (op.dilation.contains { $0 != 1 } ? ", dilation \(list(op.dilation))" : "")
                + (op.outputPadding.contains { $0 != 0 } ? ", output padding \(list(op.outputPadding))" : "")
            return "transposed conv \(op.kernelSize.map(String.init).joined(separator: "x")), \(op.filters) filters, stride \(list(op.stride))\(extras)"
        case .maxPool(let pool): return "max pool \(pool.window.kernel.map(String.init).joined(separator: "x")), stride \(list(pool.window.stride))\(pool.window.ceilMode ? ", ceil mode" : "")"
        case .averagePool(let pool): return "average pool \(pool.window.kernel.map(String.init).joined(separator: "x")), stride \(list(pool.window.stride))\(pool.window.ceilMode ? ", ceil mode" : "")"
        case .dense(let dense): return "dense, \(dense.units) units"
        default: return "\(op.name): \(type(of: op.semantics).info.summary)"
        }
    }

    private static func list(_ values: [Int]) -> String {
        Set(values).count == 1 ? String(values[0]) : values.map(String.init).joined(separator: "x")
    }

    private static let axisNames = ["H", "W"]

    private static func axisName(_ index: Int, of count: Int) -> String {
        count == 1 ? "W" : axisNames[min(index, 1)]
    }

    private static func sizeSection(_ op: Op, inputs: [Shape], output: Shape) throws -> [String] {
        let window: SpatialWindow
        switch op {
        case .convTranspose(let op): return try transposedSizeSection(op, input: inputs[0])
        case .resize(let op): return try resizeSizeSection(op, input: inputs[0])
        case .conv(let conv): window = conv.window
        case .maxPool(let pool): window = pool.window
        case .averagePool(let pool): window = pool.window
        default: return []
        }
        let resolved = try window.resolve(input: inputs[0], op: op.name)
        var lines = [
            window.ceilMode
                ? "Output size (the lecture's formula with a ceiling, p = begin + end padding; a window starting in the end padding is dropped):"
                : "Output size (the lecture: out = floor((in - k + p + s) / s), p = begin + end padding):",
        ]
        if case .same(let extra) = window.padding {
            lines.append("  padding `same`: total max((ceil(in / s) - 1) s + k' - in, 0), the odd element at the \(extra == .end ? "end (bottom/right)" : "beginning (top/left)")")
        }
        for axis in 0..<window.spatialRank {
            let name = axisName(axis, of: window.spatialRank)
            let (size, k, s, begin, end) = (resolved.input[axis], resolved.extent[axis], window.stride[axis], resolved.padBegin[axis], resolved.padEnd[axis])
            let p = begin + end
            let kernelText = window.dilation[axis] == 1 ? "\(k)" : "\(k) (k' = \(window.dilation[axis]) x (\(window.kernel[axis]) - 1) + 1)"
            let rounding = window.ceilMode ? "ceil" : "floor"
            lines.append("  \(name)_out = \(rounding)((\(size) - \(kernelText) + \(p) + \(s)) / \(s)) = \(resolved.output[axis])    (p = \(begin) + \(end))")
        }
        lines.append("")
        return lines
    }

    /// The resize's output sizes and, per resized axis, the coordinate rule and taps.
    private static func resizeSizeSection(_ op: Resize, input: Shape) throws -> [String] {
        let rule: String
        switch op.target {
        case .scales: rule = "out = floor(scale x in)"
        case .sizes(_, .stretch): rule = "out = size, scale = out / in"
        case .sizes(_, let policy): rule = "one scale for the listed axes (\(policy.rawValue): the \(policy == .notLarger ? "smallest" : "largest") size / in), out = floor(scale x in + 1/2)"
        }
        let coordinates: String
        switch op.coordinateMode {
        case .halfPixel: coordinates = "x_in = (x + 1/2) / scale - 1/2"
        case .halfPixelSymmetric: coordinates = "x_in = in/2 (1 - out / (scale in)) + (x + 1/2) / scale - 1/2"
        case .pytorchHalfPixel: coordinates = "x_in = (x + 1/2) / scale - 1/2 (-1/2 for a single output)"
        case .alignCorners: coordinates = "x_in = x (in - 1) / (scale in - 1)"
        case .asymmetric: coordinates = "x_in = x / scale"
        case .tfHalfPixelForNN: coordinates = "x_in = (x + 1/2) / scale"
        case .tfCropAndResize: coordinates = "x_in = start (in - 1) + x (end - start) (in - 1) / (scale in - 1), outside [0, in - 1] the extrapolation value"
        }
        let taps: String
        switch op.interpolation {
        case .nearest: taps = "nearest, \(op.nearestRounding.rawValue)"
        case .linear: taps = "linear"
        case .cubic: taps = "cubic, a = \(op.cubicCoefficient)"
        }
        var lines = ["Output size (\(rule); \(op.coordinateMode.rawValue): \(coordinates); \(taps)\(op.antialias ? ", antialias" : "")\(op.excludeOutside ? ", taps outside excluded" : "")):"]
        let resolved = try op.resolve(input)
        if resolved.isEmpty { lines.append("  every axis keeps its size: a copy") }
        for axis in resolved {
            let name = input.rank >= 3 && axis.axis >= input.rank - 2 ? axisName(axis.axis - (input.rank - 2), of: 2) : "axis \(axis.axis)"
            lines.append("  \(name): \(axis.input) -> \(axis.output), scale \(axis.scale), \(op.tapCount(scale: axis.scale)) tap\(op.tapCount(scale: axis.scale) == 1 ? "" : "s") per output")
        }
        lines.append("")
        return lines
    }

    /// The transposed convolution's output size: the full output `s (in - 1) + output_padding + k'`
    /// less the crops (which `same` padding or an output shape decides).
    private static func transposedSizeSection(_ op: ConvTranspose, input: Shape) throws -> [String] {
        let resolved = try op.resolve(input: input)
        var lines = ["Output size (transposed: out = s (in - 1) + output_padding + k' - p_begin - p_end, p = begin + end crop of the full output):"]
        if case .same(let extra) = op.padding {
            let target = op.outputShape.map { "the output shape \($0)" } ?? "in x s"
            lines.append("  padding `same`: total = full - \(target), the odd element at the \(extra == .end ? "end (bottom/right)" : "beginning (top/left)"); a negative total extends the output")
        }
        let spatial = op.kernelSize.count
        for axis in 0..<spatial {
            let name = axisName(axis, of: spatial)
            let (size, k, s, begin, end) = (resolved.input[axis], resolved.extent[axis], op.stride[axis], resolved.padBegin[axis], resolved.padEnd[axis])
            let kernelText = op.dilation[axis] == 1 ? "\(k)" : "\(k) (k' = \(op.dilation[axis]) x (\(op.kernelSize[axis]) - 1) + 1)"
            let crop = "\(begin < 0 ? "+ \(-begin)" : "- \(begin)") \(end < 0 ? "+ \(-end)" : "- \(end)")"
            lines.append("  \(name)_out = \(s) x (\(size) - 1) + \(op.outputPadding[axis]) + \(kernelText) \(crop) = \(resolved.output[axis])    (full \(resolved.full[axis]), p = \(begin) + \(end))")
        }
        lines.append("")
        return lines
    }

    private static func parameterSection(_ op: Op, inputs: [Shape], params: Report.Parameters) -> [String] {
        switch op {
        case .conv(let conv):
            let cin = conv.kernel.shape[1] * conv.groups
            let perFilter = conv.kernelSize.map(String.init).joined(separator: " x ") + " x " + (conv.groups > 1 ? "\(cin)/\(conv.groups)" : "\(cin)")
            let formula = conv.bias == nil ? "(\(perFilter)) x \(conv.filters)" : "(\(perFilter) + 1) x \(conv.filters)"
            return ["Parameters ((k_h x k_w x c_in / groups\(conv.bias == nil ? "" : " + 1")) x c_out\(conv.bias == nil ? ", no bias" : "")):", "  \(formula) = \(n(params.total))", ""]
        case .convTranspose(let op):
            let cout = op.groups > 1 ? "\(op.filters)/\(op.groups)" : "\(op.filters)"
            let weights = (op.kernelSize.map(String.init) + ["\(op.inputChannels)", cout]).joined(separator: " x ")
            let formula = op.bias == nil ? weights : "\(weights) + \(op.filters)"
            return [
                "Parameters (k_h x k_w x c_in x c_out / groups\(op.bias == nil ? ", no bias" : " + c_out")):", "  \(formula) = \(n(params.total))", "",
            ]
        case .dense(let dense):
            let inFeatures = dense.features
            let formula = dense.bias == nil ? "\(inFeatures) x \(dense.units)" : "(\(inFeatures) + 1) x \(dense.units)"
            return ["Parameters ((c_in\(dense.bias == nil ? "" : " + 1")) x c_out):", "  \(formula) = \(n(params.total))", ""]
        case .batchNorm:
            return [
                "Parameters (gamma and beta trainable, running mean and variance non-trainable, one each per channel):",
                "  \(n(params.trainable)) trainable + \(n(params.nonTrainable)) non-trainable = \(n(params.total))", "",
            ]
        default:
            return params.total == 0 ? ["Parameters: none", ""] : ["Parameters: \(n(params.trainable)) trainable + \(n(params.nonTrainable)) non-trainable", ""]
        }
    }

    private static func costSection(_ op: Op, entry: Report.LayerReport, inputs: [Shape]) -> [String] {
        var lines: [String] = []
        let outputs = (try? entry.outputShape.elementCountPerSample()) ?? 0
        switch op {
        case .conv(let conv):
            let spatial = entry.outputShape.dims.dropFirst(2).map(\.description).joined(separator: " x ")
            let perOutput = ["\(conv.kernel.shape[1])"] + conv.kernelSize.map(String.init)
            lines.append("MACs (c_out x H_out x W_out x c_in/groups x k_h x k_w):")
            lines.append("  \(conv.filters) x \(spatial) x \(perOutput.joined(separator: " x ")) = \(n(entry.macs))")
        case .convTranspose(let op):
            let spatial = inputs.first.map { $0.dims.dropFirst(2).map(\.description) } ?? []
            let perInput = ["\(op.kernel.shape.count > 1 ? op.kernel.shape[1] : 0)"] + op.kernelSize.map(String.init)
            lines.append("MACs (c_in x H_in x W_in x c_out/groups x k_h x k_w: every input element times a whole kernel window):")
            lines.append("  \(([String(op.inputChannels)] + spatial + perInput).joined(separator: " x ")) = \(n(entry.macs))")
        case .dense(let dense):
            let positions = outputs / max(dense.units, 1)
            lines.append("MACs (c_in x c_out\(positions > 1 ? " per position" : "")):")
            lines.append("  \(positions > 1 ? "\(positions) x " : "")\(dense.features) x \(dense.units) = \(n(entry.macs))")
        case .matMul:
            lines.append("MACs (M x K x N per batch element): \(n(entry.macs))")
        default:
            break
        }
        let bias: Bool? = switch op {
        case .conv(let conv): conv.bias != nil
        case .convTranspose(let op): op.bias != nil
        case .dense(let dense): dense.bias != nil
        case .matMul: false
        default: nil
        }
        if let bias {
            let biasTerm = bias ? " + \(n(outputs))" : ""
            lines.append("FLOPs (2 x MACs\(bias ? " + 1 per output for the bias" : "")): 2 x \(n(entry.macs))\(biasTerm) = \(n(entry.flops))")
        } else {
            lines.append("FLOPs (\(type(of: op.semantics).info.flopRule)): \(n(entry.flops))")
        }
        lines.append("")
        return lines
    }

    private static func fieldSection(_ op: Op, inputs: [ReceptiveField], names: [String], shapes: [Shape], output: Report.LayerReport) -> [String] {
        var lines = ["Receptive field (Araujo et al. 2019: r <- r + (k' - 1) j, p <- p + p_begin j, j <- j s):"]
        let step = try? op.semantics.fieldStep(inputs: shapes, output: output.outputShape)
        if case .window(let windows)? = step, let first = inputs.first {
            let base: [Int: AxisField]
            switch first {
            case .global:
                lines.append("  the input is already global; so is the output")
                return lines
            case .none: base = [:]
            case .local(let fields): base = fields
            }
            for window in windows {
                let before = base[window.axis] ?? .input
                guard let after = try? before.applying(window), let extent = try? window.extent() else { continue }
                let name = axisName(window.axis - 2, of: max(shapes[0].rank - 2, 1))
                lines.append("  \(name): r = \(before.size) + (\(extent) - 1) x \(before.stride) = \(after.size),  j = \(before.stride) x \(window.stride) = \(after.stride),  p = \(before.padding) + \(window.padBegin) x \(before.stride) = \(after.padding)")
            }
            return lines
        }
        if case .resize = op, case .global? = step, !inputs.allSatisfy({ $0 == .global }) {
            lines.append("  not representable: upsampling (or a fractional factor) reads neighbouring outputs from overlapping, unevenly")
            lines.append("  spaced inputs, which no single (r, j, p) states; marked global (JSON null), not computed")
            return lines
        }
        if case .convTranspose(let op) = op, case .global? = step, !inputs.allSatisfy({ $0 == .global }) {
            let strides = op.stride.map(String.init).joined(separator: "x")
            lines.append("  not representable: stride \(strides) puts neighbouring outputs j / s input elements apart, seeing different")
            lines.append("  numbers of inputs in turn, which no single (r, j, p) states; marked global (JSON null), not computed")
            return lines
        }
        switch output.fieldState {
        case .global:
            if inputs.allSatisfy({ $0 == .global }) {
                lines.append("  global: the input is already global, so every output depends on the whole input")
            } else {
                lines.append("  global: every output depends on the whole input (\(op.name): \(type(of: op.semantics).info.fieldRule))")
            }
        case .none: lines.append("  none: the value has no spatial axes")
        case .local:
            if let field = output.receptiveField {
                if inputs.count > 1 {
                    lines.append("  merge of \(names.count) inputs: the largest field is kept, the smallest recorded")
                    for (name, input) in zip(names, inputs) {
                        lines.append("    \(name): \(describe(input))")
                    }
                }
                lines.append("  r = \(field.size.map(String.init).joined(separator: "x")), j = \(field.stride.map(String.init).joined(separator: "x")), p = \(field.padding.map(String.init).joined(separator: "x")), smallest r = \(field.minSize.map(String.init).joined(separator: "x")), aligned: \(field.aligned)")
            }
        }
        return lines
    }

    private static func describe(_ field: ReceptiveField) -> String {
        switch field {
        case .global: return "global"
        case .none: return "no spatial axes"
        case .local:
            let axes = field.axes ?? []
            return "r = \(axes.map { String($0.size) }.joined(separator: "x")), j = \(axes.map { String($0.stride) }.joined(separator: "x")), p = \(axes.map { String($0.padding) }.joined(separator: "x"))"
        }
    }
}
