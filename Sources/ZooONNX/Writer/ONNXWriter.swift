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
        // Weights declared by value (ConstantOfShape) are written out as initializers.
        let graph = try model.graph.fillingDeclaredWeights()
        var emitter = try NodeEmitter(graph: graph, name: model.name, opset: opset)
        for layer in graph.layers { try emitter.emit(layer) }
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
    /// aligned to 64 bytes, the location relative to the model); neither file changes unless both are
    /// written whole.
    public static func write(_ model: Model, to path: String, opset: Int = defaultOpset, externalData: Bool = false) throws {
        for target in [path, path + ".data"] {
            if let source = model.file, sameFile(source, target) {
                throw ZooError(.io, "zoo never writes over the model it reads. Received: output '\(target)' is the input.", file: path)
            }
        }
        var spec = try graphSpec(model, opset: opset)
        // A builder owns every C allocation of its message: it must outlive the packing.
        let inline = ProtoBuilder()
        let inlineProto = try inline.model(spec, opset: opset, producer: producerVersion)
        guard externalData || onnx__model_proto__get_packed_size(inlineProto) > maximumMessageSize else {
            try withExtendedLifetime(inline) { try pack(inlineProto, to: path) }
            return
        }
        let placed = try placeExternalData(&spec, path: path)
        let builder = ProtoBuilder()
        let proto = try builder.model(spec, opset: opset, producer: producerVersion)
        // The data file is written first and renamed last: if anything fails, neither file
        // changes; the model is renamed into place only once all its data is written.
        try withExtendedLifetime(builder) {
            try AtomicOutput.write(path + ".data") { sink in
                var position = 0
                let zeros = [UInt8](repeating: 0, count: externalAlignment)
                for item in placed {
                    guard let storage = item.tensor.storage else { continue }
                    try sink.write(Array(zeros.prefix(item.offset - position)))
                    try sink.write(UnsafeRawBufferPointer(storage.buffer))
                    position = item.offset + storage.buffer.count * MemoryLayout<Float>.stride
                }
                try pack(proto, to: path)
            }
        }
    }

    /// Packs `proto` into a new file at `path`, whole or not at all.
    private static func pack(_ proto: UnsafeMutablePointer<Onnx__ModelProto>, to path: String) throws {
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

    /// The smallest initializer written as external data.
    static let externalThreshold = 1024
    /// Alignment of each tensor in the external-data file.
    static let externalAlignment = 64

    /// Points the large float32 initializers of `spec` at `<path>.data`, 64-byte aligned, and
    /// returns them with their offsets in file order.
    private static func placeExternalData(_ spec: inout ONNXGraphSpec, path: String) throws -> [(tensor: Tensor, offset: Int)] {
        let location = URL(fileURLWithPath: path + ".data").lastPathComponent
        var offset = 0
        var placed: [(tensor: Tensor, offset: Int)] = []
        for (index, initializer) in spec.initializers.enumerated() {
            guard case .floats(let tensor) = initializer.data else { continue }
            let length = try Checked.multiply(tensor.count, MemoryLayout<Float>.stride, "the size of \(initializer.name)")
            guard length >= externalThreshold else { continue }
            offset = try Checked.add(offset, (externalAlignment - offset % externalAlignment) % externalAlignment)
            placed.append((tensor, offset))
            spec.initializers[index].external = ONNXGraphSpec.External(location: location, offset: offset, length: length)
            offset = try Checked.add(offset, length)
        }
        return placed
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
