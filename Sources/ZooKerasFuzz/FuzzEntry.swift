import Foundation
import ZooCore
import ZooKeras
import ZooSandbox

/// The fuzzer's settings (statics, not top-level globals, which would be the main actor's).
private enum Fuzzing {
    /// The limits the fuzzed reads run under: a hang costs 2 s instead of 5. The address space
    /// is 16 GiB beyond the inherited (ASan's allocator, unlike glibc's, dies when an mmap of its
    /// own fails); an allocation over libFuzzer's -malloc_limit_mb ends the child first.
    static let limits = SandboxLimits(addressSpace: 16 << 30, cpuSeconds: 10, stallSeconds: 2)
    /// Where inputs on which libhdf5 faulted in the sandbox are kept ($ZOO_FUZZ_FAULTS, else
    /// fuzz/artifacts/isolated): libFuzzer sees them as ordinary errors, since the sandbox
    /// contains them, but each is a libhdf5 bug that becomes a hostile fixture.
    static let faultFolder = ProcessInfo.processInfo.environment["ZOO_FUZZ_FAULTS"] ?? "fuzz/artifacts/isolated"
    /// At most this many inputs are kept per fault and activity: one bug's mutations are many.
    static let keptPerClass = 20
    /// $ZOO_FUZZ_IN_PROCESS=1 reads in process, for triage: libhdf5's fault on a kept input is
    /// then ASan's or libFuzzer's report, with its stack (the sandboxed child has no stderr).
    static let isolation: HDF5Isolation = ProcessInfo.processInfo.environment["ZOO_FUZZ_IN_PROCESS"] == "1" ? .inProcess : .sandboxed(limits)
}

/// libFuzzer's entry point: every input is read as a Keras model (a legacy `.h5` opened as an
/// HDF5 image in memory, or a `.keras` zip when it starts with a zip header), through the
/// sandboxed path users get (``Fuzzing/isolation``); errors are expected, crashes are bugs.
/// Built only by
/// `make fuzz-keras` (with -sanitize=fuzzer), never by `swift build`'s default products.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKerasReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    do {
        _ = try KerasReader.parse(bytes, name: "fuzz.h5", isolation: Fuzzing.isolation)
    } catch let error as ZooError {
        if let fault = SandboxFault(error) { keep(bytes, fault: fault, error: error) }
    } catch {}
    return 0
}

/// Saves `bytes` as `<fault>-<activity>-<hash>` (with the error beside it in a `.txt`), unless
/// its class already has ``Fuzzing/keptPerClass`` inputs.
private func keep(_ bytes: UnsafeRawBufferPointer, fault: SandboxFault, error: ZooError) {
    let activity = error.message.components(separatedBy: " while ").last ?? "unknown"
    let slug = String(activity.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(60))
    let prefix = "\(fault.rawValue)-\(slug)-"
    let manager = FileManager.default
    try? manager.createDirectory(atPath: Fuzzing.faultFolder, withIntermediateDirectories: true)
    let existing = (try? manager.contentsOfDirectory(atPath: Fuzzing.faultFolder)) ?? []
    guard existing.filter({ $0.hasPrefix(prefix) && !$0.hasSuffix(".txt") }).count < Fuzzing.keptPerClass else { return }
    // FNV-1a: a stable name, so the same input is kept once.
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let path = "\(Fuzzing.faultFolder)/\(prefix)\(String(hash, radix: 16))"
    _ = manager.createFile(atPath: path, contents: Data(bytes))
    _ = manager.createFile(atPath: path + ".txt", contents: Data((error.description + "\n").utf8))
}
