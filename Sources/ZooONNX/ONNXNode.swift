import COnnx
import ZooCore

/// One attribute of a node, decoded from its AttributeProto.
enum ONNXAttribute {
    case float(Float)
    case int(Int64)
    case string(String)
    case tensor(UnsafeMutablePointer<Onnx__TensorProto>)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    /// Graphs, sparse tensors, type protos: kinds no supported op takes.
    case other(String)

    init(_ proto: UnsafeMutablePointer<Onnx__AttributeProto>) {
        let attribute = proto.pointee
        switch attribute.type {
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: self = .float(attribute.f)
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: self = .int(attribute.i)
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: self = .string(ProtoAccess.text(attribute.s))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
            self = attribute.t.map { .tensor($0) } ?? .other("tensor without a value")
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS: self = .floats(Array(ProtoAccess.buffer(attribute.floats, attribute.n_floats)))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: self = .ints(Array(ProtoAccess.buffer(attribute.ints, attribute.n_ints)))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
            self = .strings(ProtoAccess.buffer(attribute.strings, attribute.n_strings).map(ProtoAccess.text))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED:
            // IR version 1 had no type field: infer it from the field that is set.
            if attribute.has_f != 0 { self = .float(attribute.f) }
            else if attribute.has_i != 0 { self = .int(attribute.i) }
            else if attribute.has_s != 0 { self = .string(ProtoAccess.text(attribute.s)) }
            else if let tensor = attribute.t { self = .tensor(tensor) }
            else if attribute.n_ints > 0 { self = .ints(Array(ProtoAccess.buffer(attribute.ints, attribute.n_ints))) }
            else if attribute.n_floats > 0 { self = .floats(Array(ProtoAccess.buffer(attribute.floats, attribute.n_floats))) }
            else { self = .other("an attribute without a type or value") }
        default:
            self = .other("attribute type \(attribute.type.rawValue)")
        }
    }

    var kindName: String {
        switch self {
        case .float: "float"
        case .int: "int"
        case .string: "string"
        case .tensor: "tensor"
        case .floats: "floats"
        case .ints: "ints"
        case .strings: "strings"
        case .other(let description): description
        }
    }
}

/// A NodeProto decoded into Swift values (the tensors it may hold stay in the message).
struct ONNXNode {
    let name: String
    let opType: String
    let domain: String
    let inputs: [String]
    let outputs: [String]
    let attributes: [String: ONNXAttribute]
    /// The node's position in the file's node list, for messages.
    let index: Int

    init(_ proto: UnsafeMutablePointer<Onnx__NodeProto>, index: Int) {
        let node = proto.pointee
        name = ProtoAccess.string(node.name)
        opType = ProtoAccess.string(node.op_type)
        domain = ProtoAccess.string(node.domain)
        inputs = ProtoAccess.strings(node.input, node.n_input)
        outputs = ProtoAccess.strings(node.output, node.n_output)
        var attributes: [String: ONNXAttribute] = [:]
        for attribute in ProtoAccess.messages(node.attribute, node.n_attribute) {
            attributes[ProtoAccess.string(attribute.pointee.name)] = ONNXAttribute(attribute)
        }
        self.attributes = attributes
        self.index = index
    }

    /// How messages name this node: its name, else its first output, else its position.
    var label: String {
        if !name.isEmpty { return name }
        if let output = outputs.first, !output.isEmpty { return output }
        return "#\(index)"
    }

    /// The inputs that are present (ONNX writes "" for an omitted optional input).
    func input(_ position: Int) -> String? {
        guard position < inputs.count, !inputs[position].isEmpty else { return nil }
        return inputs[position]
    }

    // MARK: Attributes

    func error(_ message: String, kind: ZooError.Kind = .invalidGraph) -> ZooError {
        ZooError(kind, message, layer: outputs.first ?? label)
    }

    func int(_ name: String) throws -> Int? {
        guard let attribute = attributes[name] else { return nil }
        guard case .int(let value) = attribute else {
            throw error("\(opType) attribute '\(name)' must be an int. Received: \(attribute.kindName) in node '\(label)'.")
        }
        guard let converted = Int(exactly: value) else {
            throw error("\(opType) attribute '\(name)' must fit in an Int. Received: \(value) in node '\(label)'.")
        }
        return converted
    }

    func int(_ name: String, default value: Int) throws -> Int { try int(name) ?? value }

    func float(_ name: String, default value: Float) throws -> Float {
        guard let attribute = attributes[name] else { return value }
        guard case .float(let number) = attribute else {
            throw error("\(opType) attribute '\(name)' must be a float. Received: \(attribute.kindName) in node '\(label)'.")
        }
        return number
    }

    func ints(_ name: String) throws -> [Int]? {
        guard let attribute = attributes[name] else { return nil }
        guard case .ints(let values) = attribute else {
            throw error("\(opType) attribute '\(name)' must be a list of ints. Received: \(attribute.kindName) in node '\(label)'.")
        }
        return try values.map { value in
            guard let converted = Int(exactly: value) else {
                throw error("\(opType) attribute '\(name)' values must fit in an Int. Received: \(value) in node '\(label)'.")
            }
            return converted
        }
    }

    func string(_ name: String, default value: String) throws -> String {
        guard let attribute = attributes[name] else { return value }
        guard case .string(let text) = attribute else {
            throw error("\(opType) attribute '\(name)' must be a string. Received: \(attribute.kindName) in node '\(label)'.")
        }
        return text
    }
}
