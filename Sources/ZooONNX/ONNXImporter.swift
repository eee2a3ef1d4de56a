import COnnx
import Foundation
import ZooCore

/// The state of one ONNX -> IR import: the values known at import (initializers, Constant
/// nodes, folded shape arithmetic), the runtime values' shapes, and the IR layers so far.
final class ONNXImporter {
    /// A value known at import: a constant tensor, or a 1-D shape vector whose entries may be
    /// symbolic (the output of `Shape` on a tensor with a symbolic batch).
    enum Known {
        case constant(ONNXConstant)
        case shape([Dim])

        /// The value as a shape vector when it is one-dimensional and integral.
        func dims(for what: String) throws -> [Dim] {
            switch self {
            case .shape(let dims): return dims
            case .constant(let constant):
                guard constant.shape.count <= 1 else {
                    throw ZooError(.unsupported, "\(what) folds 1-D shape vectors only. Received: a constant of shape \(constant.shape).")
                }
                return try constant.ints(for: what).map { .fixed($0) }
            }
        }

        /// A shape vector as a constant when every entry is concrete.
        static func from(_ dims: [Dim]) -> Known {
            let values = dims.compactMap(\.value)
            return values.count == dims.count ? .constant(ONNXConstant(vector: values.map { Int64($0) })) : .shape(dims)
        }
    }

    let file: String
    let opset: Int
    let decoder: TensorDecoder
    private(set) var known: [String: Known] = [:]
    private(set) var shapes: [String: Shape] = [:]
    private(set) var layers: [Layer] = []
    /// Values for graph inputs that become constants where a node takes them as one (a weight
    /// slot), as the ONNX node tests pass Conv's W; they stay runtime inputs elsewhere.
    var weightInputs: [String: Tensor] = [:]
    /// The graph inputs taken as constants so far.
    private(set) var boundWeightInputs = Set<String>()
    /// Every value some node takes as an input or the graph gives as an output: an extra
    /// output of a node (a Dropout mask) that is not among them is left out, not refused.
    var readValues = Set<String>()
    /// Nodes whose op zoo does not support, reported together.
    private(set) var unsupported: [(node: ONNXNode, reason: String)] = []

    init(file: String, opset: Int, decoder: TensorDecoder) {
        self.file = file
        self.opset = opset
        self.decoder = decoder
    }

    // MARK: Values

    func setKnown(_ name: String, _ value: Known) { known[name] = value }

    func addInput(_ input: GraphInput) { shapes[input.name] = input.shape }

    func isRuntime(_ name: String) -> Bool { shapes[name] != nil }

    func shape(of name: String) -> Shape? { shapes[name] }

    /// Records an unsupported node; the import goes on so that every one is reported at once.
    func markUnsupported(_ node: ONNXNode, _ reason: String) { unsupported.append((node, reason)) }

    /// Appends an IR layer after checking its shape rule against the shapes known so far.
    func append(_ name: String, _ op: Op, inputs: [String], node: ONNXNode) throws {
        let inputShapes = try inputs.map { input -> Shape in
            guard let shape = shapes[input] else {
                throw ZooError(.invalidGraph, "\(node.opType) needs runtime inputs here. Received: '\(input)', which is a constant, in node '\(node.label)'.")
            }
            return shape
        }
        let arity = op.semantics.arity
        guard inputs.count >= arity.min, arity.max.map({ inputs.count <= $0 }) ?? true else {
            throw ZooError(.invalidGraph, "\(op.name) takes \(OpInfo.describeArity(arity)). Received: \(inputs.count) in node '\(node.label)'.")
        }
        do {
            shapes[name] = try op.semantics.outputShape(inputs: inputShapes)
        } catch let error as ZooError {
            throw error.at(layer: name)
        }
        layers.append(Layer(name, op, inputs: inputs))
    }

    /// A fresh value name derived from `base` (for the helper layers some ops expand into).
    func freshName(_ base: String) -> String {
        var candidate = base
        var counter = 0
        while shapes[candidate] != nil || known[candidate] != nil {
            counter += 1
            candidate = "\(base)_\(counter)"
        }
        return candidate
    }

    // MARK: Inputs of a node

    /// Input `position` as a runtime value name, or an error naming the node.
    func runtime(_ node: ONNXNode, _ position: Int) throws -> String {
        guard let name = node.input(position) else {
            throw node.error("\(node.opType) needs input \(position). Received: \(node.inputs.count) inputs in node '\(node.label)'.")
        }
        guard shapes[name] != nil else {
            if known[name] != nil {
                throw node.error(
                    "\(node.opType) input \(position) must be computed at run time here, zoo cannot import it as a constant. Received: '\(name)', a constant, in node '\(node.label)'.",
                    kind: .unsupported)
            }
            throw node.error("Node inputs must be produced by a node, a graph input or an initializer. Received: '\(name)' in node '\(node.label)'.")
        }
        return name
    }

    /// Input `position` as a value known at import, or nil when the input is absent.
    func optionalKnown(_ node: ONNXNode, _ position: Int) throws -> Known? {
        guard let name = node.input(position) else { return nil }
        if let value = known[name] { return value }
        if let tensor = weightInputs[name] {
            let value = Known.constant(ONNXConstant(shape: tensor.shape, floats: tensor))
            known[name] = value
            boundWeightInputs.insert(name)
            return value
        }
        if shapes[name] != nil {
            throw node.error(
                "\(node.opType) input \(position) must be a constant (an initializer or a Constant node). Received: '\(name)', computed at run time, in node '\(node.label)'.",
                kind: .unsupported)
        }
        throw node.error("Node inputs must be produced by a node, a graph input or an initializer. Received: '\(name)' in node '\(node.label)'.", kind: .missingWeight)
    }

    /// Input `position` as a constant tensor, or nil when absent.
    func optionalConstant(_ node: ONNXNode, _ position: Int) throws -> ONNXConstant? {
        guard let value = try optionalKnown(node, position) else { return nil }
        switch value {
        case .constant(let constant): return constant
        case .shape(let dims):
            throw node.error(
                "\(node.opType) input \(position) must be a constant tensor. Received: a shape vector \(dims) that depends on the symbolic batch, in node '\(node.label)'.",
                kind: .unsupported)
        }
    }

    /// Input `position` as a constant tensor, required.
    func constant(_ node: ONNXNode, _ position: Int) throws -> ONNXConstant {
        guard let constant = try optionalConstant(node, position) else {
            throw node.error("\(node.opType) needs input \(position). Received: \(node.inputs.count) inputs in node '\(node.label)'.", kind: .missingWeight)
        }
        return constant
    }

    /// Whether every present input of `node` is known at import.
    func allInputsKnown(_ node: ONNXNode) -> Bool {
        node.inputs.allSatisfy { $0.isEmpty || known[$0] != nil }
    }
}
