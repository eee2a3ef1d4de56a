import ZooCore
import ZooFuzzSupport
import ZooONNX

/// Each input is written to `model.onnx` in a scratch folder that also holds the external-data
/// files the seeds name (fixtures/onnx/lenet5_external_data.bin, and `weights.bin` for
/// fuzz/seeds/onnx/gen-external_data.onnx), so mutated `location`, `offset` and `length` entries
/// reach the external-data checks and the mapping.
private enum Scratch {
    static let shared: FuzzScratch = {
        let scratch = FuzzScratch(reader: "onnx", companions: ["fixtures/onnx/lenet5_external_data.bin"])
        let weights = (0..<64).map { UInt8($0) }
        _ = weights.withUnsafeBytes { scratch.write($0, as: "weights.bin") }
        return scratch
    }()
}

/// libFuzzer's entry point: every input is loaded as an ONNX model file through
/// `ONNXReader.load(path:)` — the mapped file, protobuf-c's unpacking, external data and the
/// whole ONNX -> IR import; errors are expected, crashes are bugs. Built only by `make fuzz`
/// (with -sanitize=fuzzer), never by `swift build`'s default products.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNXReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Scratch.shared.feed(data, size, as: "model.onnx") { _ = try ONNXReader.load(path: $0) }
}
