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
        let builder = ProtoBuilder()
        let proto = try builder.model(try graphSpec(model, opset: opset), opset: opset, producer: producerVersion)
        let size = onnx__model_proto__get_packed_size(proto)
        guard size <= maximumMessageSize else { throw tooLarge(size) }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBufferPointer { onnx__model_proto__pack(proto, $0.baseAddress) }
        return Array(bytes.prefix(written))
    }

    /// Writes the model to `path` atomically (a temporary file in the same folder, renamed
    /// over `path`), never over the file the model was read from.
    public static func write(_ model: Model, to path: String, opset: Int = defaultOpset) throws {
        if let source = model.file, sameFile(source, path) {
            throw ZooError(.io, "zoo never writes over the model it reads. Received: output '\(path)' is the input.", file: path)
        }
        let builder = ProtoBuilder()
        let proto = try builder.model(try graphSpec(model, opset: opset), opset: opset, producer: producerVersion)
        let size = onnx__model_proto__get_packed_size(proto)
        guard size <= maximumMessageSize else { throw tooLarge(size) }
        try AtomicOutput.write(path) { sink in
            var error: Int32 = 0
            let written = proto.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { zoo_pack_to_fd($0, sink.descriptor, &error) }
            guard error == 0, written == size else {
                throw ZooError(.io, "The output file must be written whole. Received: '\(path)' (\(String(cString: strerror(error)))).", file: path)
            }
        }
    }

    static let producerVersion = "0.1.0"

    private static func tooLarge(_ size: Int) -> ZooError {
        ZooError(
            .unsupported,
            "An ONNX model of over 2 GB needs external data, which zoo does not write yet. Received: \(size) bytes.")
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}
