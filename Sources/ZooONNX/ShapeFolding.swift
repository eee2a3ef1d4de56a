import ZooCore

/// Folding at import: Constant nodes, and the shape arithmetic exporters write around Reshape
/// and Flatten (tf2onnx: Shape -> Gather/Slice -> Concat with -1 -> Reshape), evaluated over
/// values whose entries may be the symbolic batch. A node folds when every input it has is
/// known; its outputs are then known values, not IR layers.
extension ONNXImporter {
    /// The ops that fold when their inputs are known.
    /// ONNX data types FLOAT, FLOAT16, DOUBLE and BFLOAT16: the `to` of a Cast that changes nothing in float32.
    static let floatingPointTypes: Set<Int> = [1, 10, 11, 16]

    static let foldable: Set<String> = [
        "Constant", "Shape", "Identity", "Cast", "Gather", "Slice", "Concat", "Squeeze", "Unsqueeze", "Reshape",
        "ConstantOfShape", "Add", "Sub", "Mul", "Div", "Size", "Range",
    ]

    /// Folds `node` when it can be evaluated now; returns whether it did.
    func fold(_ node: ONNXNode) throws -> Bool {
        guard let output = node.outputs.first, !output.isEmpty else { return false }
        switch node.opType {
        case "Constant":
            setKnown(output, try constantNodeValue(node))
            return true
        case "Shape":
            guard let input = node.input(0), let shape = shape(of: input) else { break }
            let rank = shape.rank
            let start = try clampAxis(try node.int("start", default: 0), rank: rank)
            let end = try clampAxis(try node.int("end", default: rank), rank: rank)
            setKnown(output, .from(Array(shape.dims[start..<max(start, end)])))
            return true
        case "Size":
            guard let input = node.input(0), let shape = shape(of: input) else { break }
            let count = try DimProduct(shape.dims).dim
            // Size-13 gives a scalar (a symbolic count stays a one-entry shape vector).
            setKnown(output, Known.from([count]).scalarized)
            return true
        default:
            break
        }
        guard Self.foldable.contains(node.opType), allInputsKnown(node), !node.inputs.isEmpty else { return false }
        setKnown(output, try evaluate(node))
        return true
    }

    private func clampAxis(_ axis: Int, rank: Int) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        return min(max(resolved, 0), rank)
    }

    /// A Constant node's value: `value` (a tensor) or, from opset 12, `value_float(s)` / `value_int(s)`.
    private func constantNodeValue(_ node: ONNXNode) throws -> Known {
        guard let (name, attribute) = node.attributes.first, node.attributes.count == 1 else {
            throw node.error("A Constant node holds exactly one value attribute. Received: \(node.attributes.count) in node '\(node.label)'.")
        }
        switch (name, attribute) {
        case ("value", .tensor(let proto)): return .constant(try decoder.decode(proto))
        case ("value_float", .float(let value)): return .constant(ONNXConstant(shape: [], floats: try Tensor(shape: [], values: [value])))
        case ("value_floats", .floats(let values)): return .constant(ONNXConstant(shape: [values.count], floats: try Tensor(shape: [values.count], values: values)))
        case ("value_int", .int(let value)): return .constant(ONNXConstant(shape: [], integers: [value]))
        case ("value_ints", .ints(let values)): return .constant(ONNXConstant(vector: values))
        default:
            throw node.error(
                "A Constant node's value must be a tensor, float(s) or int(s) (sparse and string constants are not read). Received: '\(name)' of kind \(attribute.kindName) in node '\(node.label)'.",
                kind: .unsupported)
        }
    }

    private func known(_ node: ONNXNode, _ position: Int) throws -> Known {
        guard let value = try optionalKnown(node, position) else {
            throw node.error("\(node.opType) needs input \(position). Received: \(node.inputs.count) inputs in node '\(node.label)'.")
        }
        return value
    }

    /// Evaluates a foldable node whose inputs are all known.
    private func evaluate(_ node: ONNXNode) throws -> Known {
        let what = "\(node.opType) node '\(node.label)'"
        switch node.opType {
        case "Identity":
            return try known(node, 0)
        case "Cast":
            let to = try node.int("to") ?? 1
            let value = try known(node, 0)
            guard case .constant(let constant) = value else { return value }
            let floating = ONNXImporter.floatingPointTypes.contains(to)
            if floating {
                return .constant(ONNXConstant(shape: constant.shape, floats: try constant.floatTensor()))
            }
            switch constant.values {
            case .integers: return .constant(constant)
            case .floats(let tensor):
                let values = try ONNXConstant.elements(of: tensor, for: what).map { Int64(exactly: $0.rounded(.towardZero)) ?? 0 }
                return .constant(ONNXConstant(shape: constant.shape, integers: values))
            }
        case "Gather":
            let data = try known(node, 0).dims(for: what)
            let indices = try constant(node, 1)
            guard try node.int("axis", default: 0) == 0 else {
                throw node.error("\(what) folds gathers along axis 0 of a shape vector only. Received: axis \(try node.int("axis", default: 0)).", kind: .unsupported)
            }
            let picked = try indices.ints(for: what).map { index -> Dim in
                let resolved = index < 0 ? index + data.count : index
                guard (0..<data.count).contains(resolved) else {
                    throw node.error("Gather indices must lie inside the data. Received: index \(index) for \(data.count) entries in \(what).")
                }
                return data[resolved]
            }
            return indices.shape.isEmpty ? Known.from(picked).scalarized : .from(picked)
        case "Slice":
            let data = try known(node, 0).dims(for: what)
            let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
            if opset < 10 {
                starts = try node.ints("starts") ?? []
                ends = try node.ints("ends") ?? []
                axes = try node.ints("axes")
                steps = nil
            } else {
                starts = try constant(node, 1).ints(for: what)
                ends = try constant(node, 2).ints(for: what)
                axes = try optionalConstant(node, 3)?.ints(for: what)
                steps = try optionalConstant(node, 4)?.ints(for: what)
            }
            guard starts.count == 1, ends.count == 1, (axes ?? [0]).allSatisfy({ $0 == 0 || $0 == -1 }) else {
                throw node.error("\(what) folds slices of one axis of a shape vector only. Received: starts \(starts), ends \(ends), axes \(axes ?? []).", kind: .unsupported)
            }
            let step = steps?.first ?? 1
            guard step == 1 else {
                throw node.error("\(what) folds slices with step 1 only. Received: step \(step).", kind: .unsupported)
            }
            let count = data.count
            let start = min(max(starts[0] < 0 ? starts[0] + count : starts[0], 0), count)
            let end = min(max(ends[0] < 0 ? ends[0] &+ count : ends[0], 0), count)
            return .from(start < end ? Array(data[start..<end]) : [])
        case "Concat":
            var dims: [Dim] = []
            for position in node.inputs.indices where node.input(position) != nil {
                dims += try known(node, position).dims(for: what)
            }
            return .from(dims)
        case "Squeeze", "Unsqueeze", "Reshape":
            let value = try known(node, 0)
            switch value {
            case .shape(let dims):
                return .shape(dims)
            case .constant(let constant):
                let newShape = try foldedShape(node, constant)
                switch constant.values {
                case .integers(let integers): return .constant(ONNXConstant(shape: newShape, integers: integers))
                case .floats(let tensor): return .constant(ONNXConstant(shape: newShape, floats: try tensor.reshaped(newShape)))
                }
            }
        case "ConstantOfShape":
            let shape = try constant(node, 0).ints(for: what)
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw node.error("ConstantOfShape sizes must not be negative. Received: shape \(shape) in \(what).")
            }
            let count = try Checked.product(shape, "the size of \(what)")
            // A float fill stays declared (a weight: nothing is allocated before a run needs
            // it); integers are shape arithmetic and written out.
            var value: Float = 0
            if case .tensor(let proto) = node.attributes["value"] {
                let fill = try decoder.decode(proto)
                if case .integers(let values) = fill.values {
                    guard count <= 1 << 20 else {
                        throw node.error("\(what) folds integer tensors of at most 1,048,576 elements. Received: shape \(shape).", kind: .unsupported)
                    }
                    return .constant(ONNXConstant(shape: shape, integers: Array(repeating: values.first ?? 0, count: count)))
                }
                value = try fill.scalarFloat(for: what)
            }
            return .constant(ONNXConstant(shape: shape, floats: try Tensor.declared(shape: shape, fill: value)))
        case "Range":
            return try range(node)
        case "Add", "Sub", "Mul", "Div":
            let left = try known(node, 0).dims(for: what), right = try known(node, 1).dims(for: what)
            guard left.count == right.count || left.count == 1 || right.count == 1 else {
                throw node.error("\(what) folds vectors of equal length or a scalar. Received: \(left) and \(right).", kind: .unsupported)
            }
            // NumPy's broadcast: a length-1 side takes the other's length, empty included.
            let length = left.count == 1 ? right.count : left.count
            let result = Known.from(try (0..<length).map { index in
                try combine(left[left.count == 1 ? 0 : index], right[right.count == 1 ? 0 : index], node.opType, what)
            })
            // Two scalars give a scalar (Size(x) / 6), as NumPy broadcasting says.
            return try known(node, 0).isScalar && known(node, 1).isScalar ? result.scalarized : result
        default:
            throw node.error("\(node.opType) cannot be folded. Received: node '\(node.label)'.", kind: .unsupported)
        }
    }

    /// The shape a Squeeze, Unsqueeze or Reshape gives a constant.
    private func foldedShape(_ node: ONNXNode, _ data: ONNXConstant) throws -> [Int] {
        let what = "\(node.opType) node '\(node.label)'"
        switch node.opType {
        case "Reshape":
            let target = try constant(node, 1).ints(for: what)
            var shape = target.enumerated().map { $0.element == 0 && $0.offset < data.shape.count ? data.shape[$0.offset] : $0.element }
            if let inferred = shape.firstIndex(of: -1) {
                let others = shape.enumerated().filter { $0.offset != inferred }.map { $0.element }
                let known = try Checked.product(others)
                guard known > 0, data.count % known == 0 else {
                    throw node.error("Reshape must keep the element count. Received: \(data.shape) to \(target) in \(what).")
                }
                shape[inferred] = data.count / known
            }
            guard shape.allSatisfy({ $0 >= 0 }), try Checked.product(shape) == data.count else {
                throw node.error("Reshape must keep the element count. Received: \(data.shape) to \(target) in \(what).")
            }
            return shape
        default:
            let axes = try (opset < 13 ? node.ints("axes") : optionalConstant(node, 1)?.ints(for: what)) ?? []
            if node.opType == "Squeeze" {
                if axes.isEmpty { return data.shape.filter { $0 != 1 } }
                let resolved = Set(axes.map { $0 < 0 ? $0 + data.shape.count : $0 })
                return data.shape.enumerated().filter { !resolved.contains($0.offset) }.map { $0.element }
            }
            let rank = data.shape.count + axes.count
            let resolved = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            var remaining = data.shape.makeIterator()
            return (0..<rank).map { resolved.contains($0) ? 1 : (remaining.next() ?? 1) }
        }
    }

    /// The most elements a folded Range may hold: a hostile file cannot make the import allocate more.
    static let rangeElementLimit = 1 << 20

    /// Range-11: `output[i] = start + i delta` for `i < max(ceil((limit - start) / delta), 0)`,
    /// integers when all three scalars are, float32 otherwise. Delta 0 and counts above
    /// ``rangeElementLimit`` are refused.
    private func range(_ node: ONNXNode) throws -> Known {
        let what = "Range node '\(node.label)'"
        let operands = try (0..<3).map { try constant(node, $0) }
        guard operands.allSatisfy({ $0.count == 1 }) else {
            throw node.error("Range takes scalar start, limit and delta. Received: shapes \(operands.map(\.shape)) in \(what).")
        }
        let integral = operands.allSatisfy { if case .integers = $0.values { true } else { false } }
        if integral {
            let values = try operands.map { try $0.ints(for: what)[0] }
            let start = values[0], limit = values[1], delta = values[2]
            guard delta != 0 else { throw node.error("Range delta must not be 0. Received: start \(start), limit \(limit), delta 0 in \(what).") }
            let span = try Checked.subtract(limit, start, "the span of \(what)")
            // ceil(span / delta) by truncating division, rounded up when the signs agree.
            let (quotient, overflow) = span.dividedReportingOverflow(by: delta)
            guard !overflow else { throw rangeTooLarge(node, what, count: "\(span) / \(delta)") }
            let exact = span % delta == 0
            let count = max(0, quotient + (!exact && (span > 0) == (delta > 0) ? 1 : 0))
            guard count <= Self.rangeElementLimit else { throw rangeTooLarge(node, what, count: "\(count)") }
            return .constant(ONNXConstant(vector: (0..<count).map { Int64(start + $0 * delta) }))
        }
        let values = try operands.map { try $0.scalarFloat(for: what) }
        let start = values[0], limit = values[1], delta = values[2]
        guard values.allSatisfy(\.isFinite), delta != 0 else {
            throw node.error("Range needs finite start, limit and delta, delta not 0. Received: start \(start), limit \(limit), delta \(delta) in \(what).")
        }
        let steps = ((Double(limit) - Double(start)) / Double(delta)).rounded(.up)
        guard steps <= Double(Self.rangeElementLimit) else {
            throw rangeTooLarge(node, what, count: "\(steps) (start \(start), limit \(limit), delta \(delta))")
        }
        // A negative count (an empty range) may lie beyond Int's range: compare before converting.
        let count = steps > 0 ? Int(steps) : 0
        let tensor = try Tensor(shape: [count], values: (0..<count).map { start + Float($0) * delta })
        return .constant(ONNXConstant(shape: [count], floats: tensor))
    }

    private func rangeTooLarge(_ node: ONNXNode, _ what: String, count: String) -> ZooError {
        node.error("\(what) folds at most \(Self.rangeElementLimit) elements. Received: \(count) elements.", kind: .unsupported)
    }

    private func combine(_ a: Dim, _ b: Dim, _ op: String, _ what: String) throws -> Dim {
        if let x = a.value, let y = b.value {
            switch op {
            case "Add": return .fixed(try Checked.add(x, y, what))
            case "Sub": return .fixed(try Checked.subtract(x, y, what))
            case "Mul": return .fixed(try Checked.multiply(x, y, what))
            default:
                let (quotient, overflow) = x.dividedReportingOverflow(by: y)
                guard y != 0, !overflow else { throw ZooError(.invalidGraph, "\(what) must divide by a non-zero integer within range. Received: \(x) / \(y).") }
                return .fixed(quotient)
            }
        }
        if op == "Mul", a == .fixed(1) { return b }
        if op == "Mul" || op == "Div", b == .fixed(1) { return a }
        if op == "Add" || op == "Sub", b == .fixed(0) { return a }
        return .symbol("\(a)\(op == "Add" ? "+" : op == "Sub" ? "-" : op == "Mul" ? "*" : "/")\(b)")
    }
}

extension ONNXImporter.Known {
    /// Whether the value is a 0-d constant.
    var isScalar: Bool {
        if case .constant(let constant) = self { return constant.shape.isEmpty }
        return false
    }

    /// A one-element vector seen as a scalar (Gather with a scalar index).
    var scalarized: ONNXImporter.Known {
        switch self {
        case .constant(let constant) where constant.count == 1:
            if case .integers(let values) = constant.values { return .constant(ONNXConstant(shape: [], integers: values)) }
            return self
        default: return self
        }
    }
}
