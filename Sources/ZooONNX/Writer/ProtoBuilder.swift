import COnnx
import Foundation
import ZooCore

/// ``ONNXGraphSpec`` -> protobuf-c messages, packed. Every C allocation is made through one
/// arena and freed together when the builder goes away; float32 initializers point at the
/// tensors' own storage (raw_data is little-endian float32, as ONNX stores it), so writing a
/// model copies its weights only into the output file.
final class ProtoBuilder {
    private var allocations: [UnsafeMutableRawPointer] = []
    /// Tensors whose storage initializers point into; kept alive until the bytes are written.
    private var borrowed: [Tensor] = []

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }

    private func allocate<T>(_ type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
        allocations.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    private func cString(_ text: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(text.utf8CString)
        let pointer = allocate(CChar.self, count: utf8.count)
        pointer.initialize(from: utf8, count: utf8.count)
        return pointer
    }

    private func array<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let pointer = allocate(T.self, count: values.count)
        pointer.initialize(from: values, count: values.count)
        return pointer
    }

    private func strings(_ values: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        array(values.map { Optional(cString($0)) })
    }

    private func message<T>(_ type: T.Type, _ initialize: (UnsafeMutablePointer<T>) -> Void) -> UnsafeMutablePointer<T> {
        let pointer = allocate(T.self)
        initialize(pointer)
        return pointer
    }

    // MARK: Messages

    func model(_ spec: ONNXGraphSpec, opset: Int, producer: String) throws -> UnsafeMutablePointer<Onnx__ModelProto> {
        let opsetImport = message(Onnx__OperatorSetIdProto.self) { onnx__operator_set_id_proto__init($0) }
        opsetImport.pointee.domain = cString("")
        opsetImport.pointee.has_version = 1
        opsetImport.pointee.version = Int64(opset)
        let graph = try self.graph(spec)
        let model = message(Onnx__ModelProto.self) { onnx__model_proto__init($0) }
        model.pointee.has_ir_version = 1
        model.pointee.ir_version = Int64(ONNXWriter.irVersion(forOpset: opset))
        model.pointee.n_opset_import = 1
        model.pointee.opset_import = array([Optional(opsetImport)])
        model.pointee.producer_name = cString("zoo")
        model.pointee.producer_version = cString(producer)
        model.pointee.graph = graph
        return model
    }

    private func graph(_ spec: ONNXGraphSpec) throws -> UnsafeMutablePointer<Onnx__GraphProto> {
        let graph = message(Onnx__GraphProto.self) { onnx__graph_proto__init($0) }
        graph.pointee.name = cString(spec.name)
        graph.pointee.n_node = spec.nodes.count
        graph.pointee.node = array(spec.nodes.map { Optional(node($0)) })
        let initializers = try spec.initializers.map { Optional(try tensor($0)) }
        graph.pointee.n_initializer = initializers.count
        graph.pointee.initializer = array(initializers)
        graph.pointee.n_input = spec.inputs.count
        graph.pointee.input = array(spec.inputs.map { Optional(valueInfo($0)) })
        graph.pointee.n_output = spec.outputs.count
        graph.pointee.output = array(spec.outputs.map { Optional(valueInfo($0)) })
        return graph
    }

    private func node(_ spec: ONNXGraphSpec.Node) -> UnsafeMutablePointer<Onnx__NodeProto> {
        let node = message(Onnx__NodeProto.self) { onnx__node_proto__init($0) }
        node.pointee.name = cString(spec.name)
        node.pointee.op_type = cString(spec.opType)
        node.pointee.n_input = spec.inputs.count
        node.pointee.input = strings(spec.inputs)
        node.pointee.n_output = spec.outputs.count
        node.pointee.output = strings(spec.outputs)
        node.pointee.n_attribute = spec.attributes.count
        node.pointee.attribute = array(spec.attributes.map { Optional(attribute($0)) })
        return node
    }

    private func attribute(_ spec: ONNXGraphSpec.Attribute) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let attribute = message(Onnx__AttributeProto.self) { onnx__attribute_proto__init($0) }
        attribute.pointee.has_type = 1
        switch spec {
        case .int(let name, let value):
            attribute.pointee.name = cString(name)
            attribute.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT
            attribute.pointee.has_i = 1
            attribute.pointee.i = Int64(value)
        case .ints(let name, let values):
            attribute.pointee.name = cString(name)
            attribute.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS
            attribute.pointee.n_ints = values.count
            attribute.pointee.ints = array(values.map { Int64($0) })
        case .float(let name, let value):
            attribute.pointee.name = cString(name)
            attribute.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT
            attribute.pointee.has_f = 1
            attribute.pointee.f = value
        case .string(let name, let value):
            attribute.pointee.name = cString(name)
            attribute.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING
            attribute.pointee.has_s = 1
            let bytes = Array(value.utf8)
            attribute.pointee.s = ProtobufCBinaryData(len: bytes.count, data: array(bytes))
        }
        return attribute
    }

    private func tensor(_ spec: ONNXGraphSpec.Initializer) throws -> UnsafeMutablePointer<Onnx__TensorProto> {
        let tensor = message(Onnx__TensorProto.self) { onnx__tensor_proto__init($0) }
        tensor.pointee.name = cString(spec.name)
        tensor.pointee.n_dims = spec.dims.count
        tensor.pointee.dims = array(spec.dims.map { Int64($0) })
        tensor.pointee.has_data_type = 1
        if let external = spec.external {
            tensor.pointee.data_type = Int32(TensorDecoder.DataType.float.rawValue)
            tensor.pointee.has_data_location = 1
            tensor.pointee.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL
            let entries = [("location", external.location), ("offset", String(external.offset)), ("length", String(external.length))]
            tensor.pointee.n_external_data = entries.count
            tensor.pointee.external_data = array(entries.map { key, value in
                Optional(message(Onnx__StringStringEntryProto.self) { entry in
                    onnx__string_string_entry_proto__init(entry)
                    entry.pointee.key = cString(key)
                    entry.pointee.value = cString(value)
                })
            })
            return tensor
        }
        tensor.pointee.has_raw_data = 1
        switch spec.data {
        case .floats(let values):
            tensor.pointee.data_type = Int32(TensorDecoder.DataType.float.rawValue)
            guard let storage = values.storage else {
                throw ZooError(.missingWeight, "Writing ONNX needs every weight's values. Received: '\(spec.name)' declared without values.")
            }
            borrowed.append(values)
            let bytes = UnsafeRawBufferPointer(storage.buffer)
            tensor.pointee.raw_data = ProtobufCBinaryData(
                len: bytes.count, data: bytes.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: UInt8.self)) })
        case .int64s(let values):
            tensor.pointee.data_type = Int32(TensorDecoder.DataType.int64.rawValue)
            let bytes = values.withUnsafeBytes { Array($0) }
            tensor.pointee.raw_data = ProtobufCBinaryData(len: bytes.count, data: array(bytes))
        }
        return tensor
    }

    private func valueInfo(_ spec: ONNXGraphSpec.Value) -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
        let dims = spec.shape.dims.map { dim -> UnsafeMutablePointer<Onnx__TensorShapeProto__Dimension>? in
            message(Onnx__TensorShapeProto__Dimension.self) { dimension in
                onnx__tensor_shape_proto__dimension__init(dimension)
                switch dim {
                case .fixed(let size):
                    dimension.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                    dimension.pointee.dim_value = Int64(size)
                case .symbol(let name):
                    dimension.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                    dimension.pointee.dim_param = cString(name)
                }
            }
        }
        let shape = message(Onnx__TensorShapeProto.self) { onnx__tensor_shape_proto__init($0) }
        shape.pointee.n_dim = dims.count
        shape.pointee.dim = array(dims)
        let tensorType = message(Onnx__TypeProto__Tensor.self) { onnx__type_proto__tensor__init($0) }
        tensorType.pointee.has_elem_type = 1
        tensorType.pointee.elem_type = Int32(TensorDecoder.DataType.float.rawValue)
        tensorType.pointee.shape = shape
        let type = message(Onnx__TypeProto.self) { onnx__type_proto__init($0) }
        type.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
        type.pointee.tensor_type = tensorType
        let info = message(Onnx__ValueInfoProto.self) { onnx__value_info_proto__init($0) }
        info.pointee.name = cString(spec.name)
        info.pointee.type = type
        return info
    }
}
