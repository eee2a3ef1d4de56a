import ZooCore
import ZooONNX

/// libFuzzer's entry point: every input is read as an ONNX model; errors are expected, crashes
/// are bugs. Built only by `make fuzz` (with -sanitize=fuzzer), never by `swift build`'s default
/// products.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNXReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? ONNXReader.parse(bytes, file: "fuzz.onnx")
    return 0
}
