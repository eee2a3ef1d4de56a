import COnnx
import Foundation
import ZooArchive
import ZooCore

/// Reads ONNX models (opsets 7 to 25) into the IR.
///
/// The file is mapped, unpacked by protobuf-c (which copies its bytes fields) and unmapped;
/// float32 weights are then borrowed from the unpacked message, never copied again. Shape
/// arithmetic is folded at import; initializers may also be listed as graph inputs (IR
/// version 3), and graph inputs may be bound to constant tensors (ONNX node tests pass weights
/// that way). Unsupported ops are reported together, with their node names and the opset.
public enum ONNXReader {
    /// The format name reports give ONNX models.
    public static let format = "onnx"
    /// The opsets of the default domain this reader follows.
    public static let opsets = 7...25

    /// Loads the model at `path`, binding input shapes (`--input-shape`) and graph inputs that
    /// are weights (`constants`) first. `weightInputs` gives values for graph inputs that become
    /// constants only where a node takes them in a weight slot (Conv's W, Reshape's shape: the
    /// ONNX node tests' layout) and are otherwise left as runtime inputs.
    public static func load(
        path: String, inputShapes: [String: Shape] = [:], constants: [String: Tensor] = [:], weightInputs: [String: Tensor] = [:]
    ) throws -> Model {
        let unpacked: UnpackedModel
        do {
            let mapped = try MappedFile(path: path)
            guard mapped.bytes.count > 0 else {
                throw ZooError(.malformedFile, "An ONNX file must hold a ModelProto. Received: an empty file.", file: path)
            }
            unpacked = try UnpackedModel(bytes: mapped.bytes, file: path)
        }
        return try read(unpacked, file: path, inputShapes: inputShapes, constants: constants, weightInputs: weightInputs)
    }

    /// The names of the graph inputs of the model at `path` that are not initializers, in the
    /// file's order: the order of the ONNX test data's `input_K.pb` files.
    public static func inputNames(path: String) throws -> [String] {
        do {
            let mapped = try MappedFile(path: path)
            guard mapped.bytes.count > 0 else {
                throw ZooError(.malformedFile, "An ONNX file must hold a ModelProto. Received: an empty file.", file: path)
            }
            let unpacked = try UnpackedModel(bytes: mapped.bytes, file: path)
            return try GraphReader(unpacked, file: path).declaredInputNames()
        } catch let error as ZooError {
            throw error.inFile(path)
        }
    }

    /// Reads a model from bytes in memory; `file` names it in messages and anchors external data.
    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String, inputShapes: [String: Shape] = [:], constants: [String: Tensor] = [:]) throws -> Model {
        guard bytes.count > 0 else {
            throw ZooError(.malformedFile, "An ONNX file must hold a ModelProto. Received: no bytes.", file: file)
        }
        return try read(try UnpackedModel(bytes: bytes, file: file), file: file, inputShapes: inputShapes, constants: constants, weightInputs: [:])
    }

    static func read(
        _ unpacked: UnpackedModel, file: String, inputShapes: [String: Shape], constants: [String: Tensor], weightInputs: [String: Tensor]
    ) throws -> Model {
        do {
            return try GraphReader(unpacked, file: file).read(inputShapes: inputShapes, constants: constants, weightInputs: weightInputs)
        } catch let error as ZooError {
            throw error.inFile(file)
        }
    }
}

/// One model's graph read into the IR.
private struct GraphReader {
    let unpacked: UnpackedModel
    let file: String
    let model: Onnx__ModelProto
    let graph: Onnx__GraphProto

    init(_ unpacked: UnpackedModel, file: String) throws {
        self.unpacked = unpacked
        self.file = file
        model = unpacked.proto.pointee
        guard let graph = model.graph else {
            throw ZooError(.malformedFile, "An ONNX model must hold a graph. Received: a ModelProto without one.")
        }
        self.graph = graph.pointee
    }

    /// The default domain's opset.
    func opset() throws -> Int {
        let imports = ProtoAccess.messages(model.opset_import, model.n_opset_import)
        guard let entry = imports.first(where: { ["", "ai.onnx"].contains(ProtoAccess.string($0.pointee.domain)) }) else {
            // IR version 1 and 2 models had no opset_import; they are older than opset 7.
            throw ZooError(.unsupported, "ONNX models must import an opset of the default domain (\(ONNXReader.opsets.lowerBound) to \(ONNXReader.opsets.upperBound)). Received: none.")
        }
        let version = entry.pointee.version
        guard let opset = Int(exactly: version), ONNXReader.opsets.contains(opset) else {
            throw ZooError(.unsupported, "zoo reads ONNX opsets \(ONNXReader.opsets.lowerBound) to \(ONNXReader.opsets.upperBound). Received: opset \(version).")
        }
        return opset
    }

    func read(inputShapes: [String: Shape], constants: [String: Tensor], weightInputs: [String: Tensor]) throws -> Model {
        let opset = try opset()
        let decoder = TensorDecoder(model: unpacked, file: file)
        let importer = ONNXImporter(file: file, opset: opset, decoder: decoder)
        importer.weightInputs = weightInputs
        var weights = Set<String>()
        for initializer in ProtoAccess.messages(graph.initializer, graph.n_initializer) {
            let name = ProtoAccess.string(initializer.pointee.name)
            guard !name.isEmpty else { throw ZooError(.malformedFile, "Initializers need a name. Received: an unnamed initializer.") }
            guard weights.insert(name).inserted else {
                throw ZooError(.invalidGraph, "Initializer names must be unique. Received: '\(name)' twice.", layer: name)
            }
            importer.setKnown(name, .constant(try decoder.decode(initializer)))
        }
        if graph.n_sparse_initializer > 0 {
            throw ZooError(.unsupported, "Sparse initializers are not read. Received: \(graph.n_sparse_initializer) of them.")
        }
        for (name, tensor) in constants {
            importer.setKnown(name, .constant(ONNXConstant(shape: tensor.shape, floats: tensor)))
            weights.insert(name)
        }
        let nodes = ProtoAccess.messages(graph.node, graph.n_node).enumerated().map { ONNXNode($0.element, index: $0.offset) }
        importer.readValues = Set(nodes.flatMap(\.inputs) + ProtoAccess.messages(graph.output, graph.n_output).map { ProtoAccess.string($0.pointee.name) })
        let (inputs, nonFloat) = try graphInputs(skipping: weights, nodes: nodes, shapes: inputShapes, weightInputs: Set(weightInputs.keys))
        try ShapeInference.checkBound(inputs)
        for input in inputs { importer.addInput(input) }

        // Values downstream of an unsupported node are skipped, so that every unsupported node,
        // and only those, is reported.
        var poisoned = Set<String>()
        for node in try ordered(nodes) {
            if let reason = ONNXImporter.unsupportedReason(node, opset: opset) {
                importer.markUnsupported(node, reason)
                poisoned.formUnion(node.outputs)
                continue
            }
            if node.inputs.contains(where: poisoned.contains) {
                poisoned.formUnion(node.outputs)
                continue
            }
            do {
                if try importer.fold(node) { continue }
                if ONNXOpTable.readOpsets[node.opType] != nil {
                    try importer.importNode(node)
                } else {
                    // A shape op that did not fold: it works on values computed at run time.
                    importer.markUnsupported(node, "no IR op for run-time \(node.opType)")
                    poisoned.formUnion(node.outputs)
                }
            } catch let error as ZooError {
                throw error.at(layer: node.outputs.first ?? node.label)
            }
        }
        if !importer.unsupported.isEmpty { throw unsupportedError(importer.unsupported, opset: opset) }

        let outputs = try ProtoAccess.messages(graph.output, graph.n_output).map { output -> GraphOutput in
            let name = ProtoAccess.string(output.pointee.name)
            guard importer.isRuntime(name) else {
                throw ZooError(
                    .unsupported, "Graph outputs must be computed from the inputs. Received: output '\(name)', which is \(importer.known[name] == nil ? "never produced" : "a constant").",
                    layer: name)
            }
            return GraphOutput(name: name)
        }
        let layers = DenseBiasFusion.fuse(importer.layers, keeping: Set(outputs.map(\.name)))
        // A graph input taken as a weight is no longer an input unless a layer also reads it.
        let read = Set(layers.flatMap(\.inputs)).union(outputs.map(\.name))
        let runtimeInputs = inputs.filter { !importer.boundWeightInputs.contains($0.name) || read.contains($0.name) }
        if let input = runtimeInputs.first(where: { nonFloat[$0.name] != nil }), let type = nonFloat[input.name] {
            throw Self.nonFloatInput(input.name, type: type)
        }
        let irGraph = try Graph(inputs: runtimeInputs, layers: layers, outputs: outputs)
        let graphName = ProtoAccess.string(graph.name)
        let producer = [ProtoAccess.string(model.producer_name), ProtoAccess.string(model.producer_version)].filter { !$0.isEmpty }.joined(separator: " ")
        var result = Model(
            name: graphName.isEmpty ? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent : graphName,
            format: ONNXReader.format, variant: "opset \(opset)", source: producer.isEmpty ? nil : producer, graph: irGraph, file: file)
        result.onnxOpset = opset
        result.sourceInputs = inputs.map(\.name)
        return result
    }

    /// The graph inputs that are not initializers, by name, in order.
    func declaredInputNames() throws -> [String] {
        let initializers = Set(ProtoAccess.messages(graph.initializer, graph.n_initializer).map { ProtoAccess.string($0.pointee.name) })
        return ProtoAccess.messages(graph.input, graph.n_input).map { ProtoAccess.string($0.pointee.name) }.filter { !initializers.contains($0) }
    }

    /// The graph inputs that are not weights, with their shapes (bound where asked) and the
    /// layout a following transpose reveals (an NHWC input transposed to NCHW by a TF export).
    /// Inputs given in `weightInputs` may have any element type (an int64 shape or axes); the
    /// non-float ones are returned, to be refused if they stay runtime inputs.
    func graphInputs(
        skipping weights: Set<String>, nodes: [ONNXNode], shapes: [String: Shape], weightInputs: Set<String>
    ) throws -> (inputs: [GraphInput], nonFloat: [String: Int32]) {
        var inputs: [GraphInput] = []
        var nonFloat: [String: Int32] = [:]
        for info in ProtoAccess.messages(graph.input, graph.n_input) {
            let name = ProtoAccess.string(info.pointee.name)
            guard !weights.contains(name) else { continue }
            let (parsed, elementType) = try inputShape(info.pointee, name: name, anyType: weightInputs.contains(name))
            var shape = parsed
            if let elementType { nonFloat[name] = elementType }
            if let bound = shapes[name] { shape = try GraphInput(name: name, shape: shape).binding(bound).shape }
            inputs.append(GraphInput(name: name, shape: shape, layout: layout(of: name, rank: shape.rank, nodes: nodes)))
        }
        for name in shapes.keys where !inputs.contains(where: { $0.name == name }) {
            throw ZooError(.invalidGraph, "--input-shape must name a graph input (\(inputs.map(\.name).joined(separator: ", "))). Received: '\(name)'.")
        }
        return (inputs, nonFloat)
    }

    static func nonFloatInput(_ name: String, type: Int32) -> ZooError {
        ZooError(.unsupported, "Graph inputs must be floating-point tensors. Received: input '\(name)' of data type \(type).", layer: name)
    }

    /// The input's shape, and its element type when that is not floating point (allowed only
    /// with `anyType`).
    private func inputShape(_ info: Onnx__ValueInfoProto, name: String, anyType: Bool) throws -> (Shape, Int32?) {
        guard let type = info.type, type.pointee.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let tensor = type.pointee.tensor_type else {
            let kind: String = switch info.type?.pointee.value_case {
            case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE: "a sequence"
            case ONNX__TYPE_PROTO__VALUE_MAP_TYPE: "a map"
            case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE: "an optional"
            case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE: "a sparse tensor"
            case ONNX__TYPE_PROTO__VALUE_OPAQUE_TYPE: "an opaque value"
            default: "no type"
            }
            throw ZooError(.unsupported, "Graph inputs must be dense tensors. Received: input '\(name)', \(kind).", layer: name)
        }
        // zoo computes in float32; float16, bfloat16 and float64 inputs are read as float32.
        let elementType = tensor.pointee.elem_type
        let isFloat = TensorDecoder.DataType(rawValue: elementType)?.isFloatingPoint == true
        guard isFloat || anyType else { throw Self.nonFloatInput(name, type: elementType) }
        guard let shapeProto = tensor.pointee.shape else {
            throw ZooError(.shapeMismatch, "Graph inputs need a shape; give it with --input-shape \(name)=.... Received: input '\(name)' without one.", layer: name)
        }
        let dims = ProtoAccess.messages(shapeProto.pointee.dim, shapeProto.pointee.n_dim)
        let shape = Shape(try dims.enumerated().map { axis, dim -> Dim in
            switch dim.pointee.value_case {
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
                guard dim.pointee.dim_value >= 0, let size = Int(exactly: dim.pointee.dim_value) else {
                    throw ZooError(.malformedFile, "Input dimensions must not be negative. Received: input '\(name)' axis \(axis) of \(dim.pointee.dim_value).", layer: name)
                }
                return .fixed(size)
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
                let symbol = ProtoAccess.string(dim.pointee.dim_param)
                return .symbol(symbol.isEmpty ? "\(name)_dim\(axis)" : symbol)
            default:
                return .symbol("\(name)_dim\(axis)")
            }
        })
        return (shape, isFloat ? nil : elementType)
    }

    /// NHWC (or NWC) when every consumer of a rank-4 (rank-3) input transposes it to channels
    /// first; otherwise the IR's channels-first layout.
    private func layout(of name: String, rank: Int, nodes: [ONNXNode]) -> Layout {
        let consumers = nodes.filter { $0.inputs.contains(name) }
        let toChannelsFirst: [Int]? = rank == 4 ? [0, 3, 1, 2] : rank == 3 ? [0, 2, 1] : nil
        if let perm = toChannelsFirst, !consumers.isEmpty,
            consumers.allSatisfy({ $0.opType == "Transpose" && (try? $0.ints("perm")) == perm })
        {
            return rank == 4 ? .nhwc : .nwc
        }
        return .channelsFirst(rank: rank)
    }

    /// The nodes in an order where each comes after the producers of its inputs.
    private func ordered(_ nodes: [ONNXNode]) throws -> [ONNXNode] {
        var producer: [String: Int] = [:]
        for node in nodes {
            for output in node.outputs where !output.isEmpty {
                guard producer[output] == nil else {
                    throw ZooError(.invalidGraph, "Every value must have one producer. Received: '\(output)' produced twice.", layer: output)
                }
                producer[output] = node.index
            }
        }
        let keys = nodes.map { "#\($0.index)" }
        let edges = nodes.map { node in node.inputs.compactMap { producer[$0].map { "#\($0)" } } }
        do {
            return try TopologicalOrder.positions(names: keys, inputs: edges).map { nodes[$0] }
        } catch let error as ZooError {
            var message = error.message
            for node in nodes { message = message.replacingOccurrences(of: "'#\(node.index)'", with: "'\(node.label)'") }
            throw ZooError(.invalidGraph, message)
        }
    }

    private func unsupportedError(_ nodes: [(node: ONNXNode, reason: String)], opset: Int) -> ZooError {
        var groups: [(op: String, names: [String])] = []
        for (node, _) in nodes {
            let op = node.domain.isEmpty || node.domain == "ai.onnx" ? node.opType : "\(node.domain).\(node.opType)"
            if let index = groups.firstIndex(where: { $0.op == op }) {
                groups[index].names.append(node.label)
            } else {
                groups.append((op, [node.label]))
            }
        }
        let list = groups.map { "\($0.op) (\($0.names.map { "'\($0)'" }.joined(separator: ", ")))" }.joined(separator: "; ")
        return ZooError(.unsupported, "zoo imports the ops `zoo ops` lists. Received, at opset \(opset): \(list).")
    }
}
