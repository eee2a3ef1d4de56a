import Testing
import ZooCore
import ZooONNX

/// Bytes that are not an ONNX model give one malformedFile error, never a crash.
@Suite("ONNX reader on bytes that are not a model")
struct ONNXBytesTests {
    func read(_ bytes: [UInt8]) throws -> Model {
        try bytes.withUnsafeBytes { try ONNXReader.parse($0, file: "bytes.onnx") }
    }

    @Test func emptyInputIsMalformed() {
        let error = #expect(throws: ZooError.self) { try read([]) }
        #expect(error?.kind == .malformedFile)
        #expect(error?.file == "bytes.onnx")
    }

    /// Field 1 with wire type 7, which protobuf does not define: protobuf-c refuses it.
    @Test func undefinedWireTypeIsMalformed() {
        let error = #expect(throws: ZooError.self) { try read([0x0F, 0x01, 0x02]) }
        #expect(error?.kind == .malformedFile)
    }

    /// A length-delimited field (graph, field 7) that claims 100 bytes where 2 follow.
    @Test func truncatedFieldIsMalformed() {
        let error = #expect(throws: ZooError.self) { try read([0x3A, 0x64, 0x0A, 0x00]) }
        #expect(error?.kind == .malformedFile)
    }

    /// ir_version 8 and nothing else: a valid message without a graph.
    @Test func modelWithoutGraphIsMalformed() {
        let error = #expect(throws: ZooError.self) { try read([0x08, 0x08]) }
        #expect(error?.kind == .malformedFile)
        #expect(error?.message.contains("graph") == true)
    }

    /// A length-delimited protobuf field (lengths under 128 bytes).
    static func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] { [UInt8(number << 3 | 2), UInt8(bytes.count)] + bytes }
    static func field(_ number: Int, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }

    /// A valid opset-16 model, `y = Identity(x)`, whose input and output have the TypeProto
    /// `wrapped` around a float tensor type: field 4 (sequence_type) or 9 (optional_type).
    /// (The same bytes built in Python pass `onnx.checker.check_model(full_check=True)`, and
    /// onnxruntime 1.31 runs them, returning its input.)
    static func identityModel(wrappedIn typeField: Int) -> [UInt8] {
        let floatTensor = field(1, [0x08, 0x01])  // TypeProto.tensor_type { elem_type: FLOAT }
        let type = field(typeField, field(1, floatTensor))  // Sequence/Optional { elem_type: ... }
        let node = field(1, field(1, "x") + field(2, "y") + field(4, "Identity"))
        let graph = node + field(2, "g") + field(11, field(1, "x") + field(2, type)) + field(12, field(1, "y") + field(2, type))
        return [0x08, 0x08] + field(8, [0x10, 0x10]) + field(7, graph)
    }

    /// Sequence and optional graph inputs (valid ONNX, which onnxruntime runs) are refused as
    /// unsupported, naming the input and what it is.
    @Test(arguments: [(4, "a sequence"), (9, "an optional")])
    func nonTensorInputsAreUnsupported(_ typeField: Int, _ kind: String) {
        let error = #expect(throws: ZooError.self) { try read(Self.identityModel(wrappedIn: typeField)) }
        #expect(error?.kind == .unsupported)
        #expect(error?.message.contains("input 'x', \(kind)") == true, "\(String(describing: error))")
    }

    /// A float TensorProto initializer: dims (field 1), data_type FLOAT (2), name (8), raw_data (9).
    static func initializer(_ name: String, _ dims: [UInt8], _ values: [Float]) -> [UInt8] {
        let raw = values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        return dims.flatMap { [0x08, $0] } + [0x10, 0x01] + field(8, name) + [0x4A] + varint(raw.count) + raw
    }

    static func varint(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = [], rest = value
        repeat {
            bytes.append(UInt8(rest & 0x7F) | (rest >= 0x80 ? 0x80 : 0))
            rest >>= 7
        } while rest > 0
        return bytes
    }

    /// Gemm `Y = A B + C` with A [2, 2] at run time and C of shape [2, 1]: ONNX broadcasts C
    /// over the rows (one value per row), so it is not a bias even though it has one value per
    /// output column's count (M = N = 2; onnxruntime on these bytes with A = 0 gives
    /// [[10, 10], [20, 20]]). It must import as a dense layer without a bias,
    /// followed by an add of the [2, 1] constant.
    @Test func gemmWithAPerRowCIsNotABias() throws {
        func tensorType(_ dims: [UInt8]) -> [UInt8] {
            let shape: [UInt8] = Self.field(2, dims.flatMap { Self.field(1, [0x08, $0]) })
            return Self.field(1, [0x08, 0x01] + shape)
        }
        let node: [UInt8] = Self.field(1, Self.field(1, "a") + Self.field(1, "b") + Self.field(1, "c") + Self.field(2, "y") + Self.field(4, "Gemm"))
        let initializers: [UInt8] = Self.field(5, Self.initializer("b", [2, 2], [1, 2, 3, 4])) + Self.field(5, Self.initializer("c", [2, 1], [10, 20]))
        let input: [UInt8] = Self.field(11, Self.field(1, "a") + Self.field(2, tensorType([2, 2])))
        let output: [UInt8] = Self.field(12, Self.field(1, "y") + Self.field(2, tensorType([2, 2])))
        let graph: [UInt8] = node + Self.field(2, "g") + initializers + input + output
        let model = try read([0x08, 0x08] + Self.field(8, [0x10, 0x0D]) + Self.field(7, graph))
        let ops: [Op] = model.graph.layers.map { $0.op }
        guard ops.count == 2, case .dense(let dense) = ops[0], case .add(let add) = ops[1] else {
            Issue.record("expected dense then add, got \(ops.map { $0.name })")
            return
        }
        #expect(dense.bias == nil)
        #expect(add.constant?.tensor.shape == [2, 1] && add.constant?.tensor.values == [10, 20])
    }
}
