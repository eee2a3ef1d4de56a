#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import COnnx
import Foundation
import ZooCore

/// Writes IR graphs as ONNX models: opset 13 by default, 11 to 25 on request; float32
/// initializers as little-endian raw_data; no unknown fields; the same bytes for the same graph.
public enum ONNXWriter {
    public static let defaultOpset = 13
    public static let opsets = 11...25

    /// The IR version that goes with an opset (onnx.helper.VERSION_TABLE): the lowest that
    /// runtimes of that opset's generation accept.
    public static func irVersion(forOpset opset: Int) -> Int {
        switch opset {
        case ...8: 3
        case 9: 4
        case 10: 5
        case 11: 6
        case 12...14: 7
        case 15...18: 8
        case 19...20: 9
        case 21...22: 10
        case 23: 11
        case 24: 12
        default: 13
        }
    }

    /// protobuf's message size limit: larger models need external data.
    static let maximumMessageSize = Int(Int32.max)

    /// The model as an ONNX graph description at `opset`.
    static func graphSpec(_ model: Model, opset: Int) throws -> ONNXGraphSpec {
        guard opsets.contains(opset) else {
            throw ZooError(.unsupported, "zoo writes ONNX opsets \(opsets.lowerBound) to \(opsets.upperBound). Received: --opset \(opset).")
        }
        var emitter = try NodeEmitter(graph: model.graph, name: model.name, opset: opset)
        for layer in model.graph.layers { try emitter.emit(layer) }
        var spec = emitter.spec
        spec.inputs = model.graph.inputs.map { .init(name: $0.name, shape: $0.shape) }
        spec.outputs = model.graph.outputs.map { .init(name: $0.name, shape: emitter.shapes[$0.name] ?? Shape([Dim]())) }
        return spec
    }

    /// The serialized model, for tests and checks of determinism.
    public static func serialize(_ model: Model, opset: Int = defaultOpset) throws -> [UInt8] {
        // The builder owns every C allocation of the message: it must outlive the packing.
        let builder = ProtoBuilder()
        return try withExtendedLifetime(builder) {
            let proto = try builder.model(try graphSpec(model, opset: opset), opset: opset, producer: producerVersion)
            let size = onnx__model_proto__get_packed_size(proto)
            guard size <= maximumMessageSize else { throw tooLarge(size) }
            var bytes = [UInt8](repeating: 0, count: size)
            let written = bytes.withUnsafeMutableBufferPointer { onnx__model_proto__pack(proto, $0.baseAddress) }
            return Array(bytes.prefix(written))
        }
    }

    /// Writes the model to `path` atomically (a temporary file in the same folder, renamed
    /// over `path`), never over the file the model was read from.
    ///
    /// With `externalData`, or when the model would pass protobuf's 2 GB limit, float32
    /// initializers of 1 KiB or more go to `<name>.data` beside it (ONNX external data: offsets
    /// aligned to 64 bytes, the location relative to the model), written first and atomically too.
    public static func write(_ model: Model, to path: String, opset: Int = defaultOpset, externalData: Bool = false) throws {
        for target in [path, path + ".data"] {
            if let source = model.file, sameFile(source, target) {
                throw ZooError(.io, "zoo never writes over the model it reads. Received: output '\(target)' is the input.", file: path)
            }
        }
        var spec = try graphSpec(model, opset: opset)
        // The builder owns every C allocation of the message: it must outlive `proto`'s use.
        var builder = ProtoBuilder()
        var proto = try builder.model(spec, opset: opset, producer: producerVersion)
        if externalData || onnx__model_proto__get_packed_size(proto) > maximumMessageSize {
            try writeExternalData(&spec, path: path)
            builder = ProtoBuilder()
            proto = try builder.model(spec, opset: opset, producer: producerVersion)
        }
        let size = onnx__model_proto__get_packed_size(proto)
        guard size <= maximumMessageSize else { throw tooLarge(size) }
        try withExtendedLifetime(builder) {
            try AtomicOutput.write(path) { sink in
                var error: Int32 = 0
                let written = proto.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { zoo_pack_to_fd($0, sink.descriptor, &error) }
                guard error == 0, written == size else {
                    throw ZooError(.io, "The output file must be written whole. Received: '\(path)' (\(String(cString: strerror(error)))).", file: path)
                }
            }
        }
    }

    /// The smallest initializer written as external data.
    static let externalThreshold = 1024
    /// Alignment of each tensor in the external-data file.
    static let externalAlignment = 64

    /// Moves the large float32 initializers of `spec` into `<path>.data` and points them at it.
    private static func writeExternalData(_ spec: inout ONNXGraphSpec, path: String) throws {
        let dataPath = path + ".data"
        let location = URL(fileURLWithPath: dataPath).lastPathComponent
        var offset = 0
        var placed: [(index: Int, tensor: Tensor, offset: Int)] = []
        for (index, initializer) in spec.initializers.enumerated() {
            guard case .floats(let tensor) = initializer.data else { continue }
            let length = try Checked.multiply(tensor.count, MemoryLayout<Float>.stride, "the size of \(initializer.name)")
            guard length >= externalThreshold else { continue }
            offset = try Checked.add(offset, (externalAlignment - offset % externalAlignment) % externalAlignment)
            placed.append((index, tensor, offset))
            spec.initializers[index].external = ONNXGraphSpec.External(location: location, offset: offset, length: length)
            offset = try Checked.add(offset, length)
        }
        try AtomicOutput.write(dataPath) { sink in
            var position = 0
            let zeros = [UInt8](repeating: 0, count: externalAlignment)
            for item in placed {
                try sink.write(Array(zeros.prefix(item.offset - position)))
                guard let storage = item.tensor.storage else { continue }
                try sink.write(UnsafeRawBufferPointer(storage.buffer))
                position = item.offset + storage.buffer.count * MemoryLayout<Float>.stride
            }
        }
    }

    static let producerVersion = "0.1.0"

    private static func tooLarge(_ size: Int) -> ZooError {
        ZooError(
            .unsupported,
            "An ONNX model's graph must stay under protobuf's 2 GB limit even with its weights as external data. Received: \(size) bytes.")
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}
