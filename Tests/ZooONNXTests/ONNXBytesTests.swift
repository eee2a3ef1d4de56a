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
}
