import ZooCore
import ZooFuzzSupport
import ZooONNX

/// The folder each input is written to (a static, not a top-level global, which would be the main
/// actor's).
private enum Scratch {
    static let shared = FuzzScratch(reader: "tensor")
}

/// libFuzzer's entry point: every input is written to a file and read with `TensorFile.read`,
/// which decides by content whether it is a `.npy`, an `.npz` or a TensorProto `.pb`; errors are
/// expected, crashes are bugs. Built only by `make fuzz-tensor` (with -sanitize=fuzzer).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTensorReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Scratch.shared.feed(data, size, as: "tensor.bin") { _ = try TensorFile.read(path: $0) }
}
