#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ZooCore

/// A file mapped read-only into memory, unmapped when this object goes away. Reading a model
/// through a mapping costs no copy of its bytes, and tensors borrow their floats from it (ONNX
/// external data, HDF5 datasets).
///
/// The mapping is private and read-only; a file truncated by another process while it is mapped
/// makes reads of the lost pages fail with SIGBUS (as with every memory-mapped reader), which is
/// why zoo's writers replace files (``AtomicOutput``) rather than rewrite them.
public final class MappedFile: @unchecked Sendable {
    /// The file's bytes.
    public let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?

    /// Maps the file at `path`; with `populate` (Linux), every page is mapped at once, which is
    /// faster when all of them will be read (a protobuf to unpack) and wasted when few will.
    public init(path: String, populate: Bool = true) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ZooError(.io, "A model file must be readable. Received: '\(path)' (\(String(cString: strerror(errno)))).", file: path)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ZooError(.io, "A model file must be readable. Received: '\(path)' (\(String(cString: strerror(errno)))).", file: path)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ZooError(.io, "A model path must name a regular file. Received: '\(path)'.", file: path)
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            base = nil
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE | (populate ? Self.populateFlag : 0), descriptor, 0), mapped != MAP_FAILED else {
            throw ZooError(.io, "A model file must be mappable into memory. Received: '\(path)' (\(String(cString: strerror(errno)))).", file: path)
        }
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: size)
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }

    /// Linux's MAP_POPULATE maps the whole (usually page-cached) file at once instead of taking
    /// one page fault per page as the unpacking reads it.
    #if os(Linux)
    private static let populateFlag = Int32(MAP_POPULATE)
    #else
    private static let populateFlag: Int32 = 0
    #endif
}
