import ZooCore
import ZooKeras

/// libFuzzer's entry point: every input is read as a Keras model (a legacy `.h5` opened as an
/// HDF5 image in memory, or a `.keras` zip when it starts with a zip header); errors are
/// expected, crashes are bugs. Built only by `make fuzz-keras` (with -sanitize=fuzzer), never by
/// `swift build`'s default products.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKerasReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? KerasReader.parse(bytes, name: "fuzz.h5")
    return 0
}
