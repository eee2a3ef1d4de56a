import Foundation
import ZooCore
@_spi(Fuzzing) import ZooKeras

/// An input: a 4-byte little-endian length n, n bytes of a `.h5` image, then the bytes a
/// sandboxed child would send for it (``HDF5SnapshotFuzzing``). The parent's side of a sandboxed
/// read runs on them — decoding and checking the messages against the image, then the Keras
/// import — as it would on the word of a child that a file took over: errors are expected,
/// crashes are bugs. Built only by `make fuzz-keras-snapshot` (with -sanitize=fuzzer).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKerasSnapshot(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 4 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let declared = Int(bytes.loadUnaligned(as: UInt32.self).littleEndian)
    let length = min(declared, size - 4)
    let image = UnsafeRawBufferPointer(rebasing: bytes[4..<(4 + length)])
    let stream = UnsafeRawBufferPointer(rebasing: bytes[(4 + length)...])
    _ = try? HDF5SnapshotFuzzing.model(image: image, stream: stream, name: "fuzz.h5")
    return 0
}

/// With $ZOO_SNAPSHOT_SEEDS=FROM:TO, writes one seed into TO for every legacy `.h5` in FROM (its
/// image and the stream its walk sends, read in process: the seeds are zoo's own fixtures) and
/// exits; otherwise does nothing.
@_cdecl("LLVMFuzzerInitialize")
public func makeSnapshotSeeds(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let folders = ProcessInfo.processInfo.environment["ZOO_SNAPSHOT_SEEDS"]?.split(separator: ":").map(String.init), folders.count == 2 else { return 0 }
    let manager = FileManager.default
    try? manager.createDirectory(atPath: folders[1], withIntermediateDirectories: true)
    var written = 0
    for name in ((try? manager.contentsOfDirectory(atPath: folders[0])) ?? []).sorted() where name.hasSuffix(".h5") {
        guard let image = manager.contents(atPath: "\(folders[0])/\(name)"), image.starts(with: KerasReader.hdf5Signature),
              let stream = try? image.withUnsafeBytes({ try HDF5SnapshotFuzzing.stream(of: $0, name: name) })
        else { continue }
        var seed = Data()
        withUnsafeBytes(of: UInt32(image.count).littleEndian) { seed.append(contentsOf: $0) }
        seed.append(image)
        seed.append(contentsOf: stream)
        if manager.createFile(atPath: "\(folders[1])/\(name).snapshot", contents: seed) { written += 1 }
    }
    print("ZooKerasSnapshotFuzz: \(written) seeds in \(folders[1])")
    exit(0)
}
