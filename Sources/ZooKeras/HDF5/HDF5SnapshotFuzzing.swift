import ZooArchive
import ZooCore

/// The parent's side of a sandboxed read, driven from bytes instead of a child: what a fuzzer
/// needs to test zoo's process against everything a child could send it — a libhdf5 that a file
/// took over included. Not API: `@_spi(Fuzzing) import ZooKeras` (the `ZooKerasSnapshotFuzz`
/// target).
@_spi(Fuzzing) public enum HDF5SnapshotFuzzing {
    /// The bytes a sandboxed child sends the parent for the legacy `.h5` image `image`: its walk
    /// run in this process (libhdf5 included, so only for files the caller trusts: the seeds).
    public static func stream(of image: UnsafeRawBufferPointer, name: String) throws -> [UInt8] {
        let copy = try OwnedBytes(copying: image)
        let contents = HDF5Contents(name: name, bytes: UnsafeRawBufferPointer(copy.bytes), owner: copy)
        var bytes: [UInt8] = []
        HDF5Library.serialized {
            HDF5Reading.send(contents, scope: .everything, report: { _, _ in }) { chunk in
                bytes.append(contentsOf: chunk)
                return true
            }
        }
        return bytes
    }

    /// The model the parent makes of the `.h5` image `image` when a child sends `stream`: the
    /// messages decoded and checked against the image, then the Keras import. libhdf5 is not
    /// called.
    public static func model(image: UnsafeRawBufferPointer, stream: UnsafeRawBufferPointer, name: String) throws -> Model {
        let copy = try OwnedBytes(copying: image)
        let contents = HDF5Contents(name: name, bytes: UnsafeRawBufferPointer(copy.bytes), owner: copy)
        try HDF5Reading.receive(into: contents, from: BufferSource(stream, name: name))
        return try KerasReader.read(contents, inputShapes: [:]).model
    }
}

/// Messages held in memory, read like a child's pipe: running out is the child ending early,
/// bytes left over are a child sending more than the reader takes.
private final class BufferSource: HDF5MessageSource {
    private let bytes: UnsafeRawBufferPointer
    private let name: String
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, name: String) {
        self.bytes = bytes
        self.name = name
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ZooError) {
        guard buffer.count <= bytes.count - offset else {
            throw ZooError(.malformedFile, "A sandboxed reader must send whole messages. Received: \(bytes.count - offset) of \(buffer.count) bytes for '\(name)'.", file: name)
        }
        if let target = buffer.baseAddress, let source = bytes.baseAddress {
            target.copyMemory(from: source + offset, byteCount: buffer.count)
        }
        offset += buffer.count
    }

    func finish() throws(ZooError) {
        guard offset == bytes.count else {
            throw ZooError(.malformedFile, "A sandboxed reader must send no more than the reader takes. Received: \(bytes.count - offset) bytes more for '\(name)'.", file: name)
        }
    }
}
