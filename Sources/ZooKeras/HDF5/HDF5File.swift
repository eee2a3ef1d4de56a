import CHDF5
import Foundation
import ZooArchive
import ZooCore

/// An HDF5 file open for reading: a Keras `.h5`, a `.weights.h5`, or the `model.weights.h5` entry
/// of a `.keras` zip. HDF5's own error printing is off; every failure becomes a ``ZooError``
/// naming the file and the object.
///
/// The file's bytes are in memory — a file is mapped (``MappedFile``), an archive entry read —
/// and libhdf5 reads them as an image without copying, so that datasets stored contiguously as
/// little-endian float32 can be borrowed in place (``HDF5Dataset/floats()``) instead of read.
/// The file's size bounds every dataset and attribute read from it, so that a header declaring
/// more data than the file holds is refused before anything is allocated.
final class HDF5File: @unchecked Sendable {
    let id: hid_t
    /// The name used in messages (the file's path, or `archive.keras:model.weights.h5`).
    let name: String
    /// The file's bytes, valid while this object lives.
    let bytes: UnsafeRawBufferPointer
    /// What keeps `bytes` alive; tensors borrowing from them keep it alive in turn.
    let owner: AnyObject
    /// Bytes in the file or image.
    var size: Int { bytes.count }

    /// Maps the file at `path` and opens it read-only.
    convenience init(path: String) throws {
        let mapped = try MappedFile(path: path, populate: false)
        try self.init(image: mapped.bytes, name: path, keepingAlive: mapped)
    }

    /// Opens an HDF5 image in memory without copying it; `owner` keeps `bytes` alive.
    init(image bytes: UnsafeRawBufferPointer, name: String, keepingAlive owner: AnyObject) throws {
        Self.silenceErrors()
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw ZooError(.malformedFile, "An HDF5 file must not be empty. Received: '\(name)' with 0 bytes.", file: name)
        }
        let flags = zoo_H5LT_FILE_IMAGE_DONT_COPY() | zoo_H5LT_FILE_IMAGE_DONT_RELEASE()
        let id = H5LTopen_file_image(UnsafeMutableRawPointer(mutating: base), bytes.count, flags)
        guard id >= 0 else {
            throw ZooError(.malformedFile, "An HDF5 file must open with libhdf5. Received: '\(name)' (\(bytes.count) bytes), which it refuses: \(Self.lastError()).", file: name)
        }
        self.id = id
        self.name = name
        self.bytes = bytes
        self.owner = owner
    }

    deinit { H5Fclose(id) }

    /// The root group.
    var root: HDF5Group { HDF5Group(file: self, path: "/") }

    private static func silenceErrors() {
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
    }

    /// The innermost message on HDF5's error stack, or "no detail".
    static func lastError() -> String {
        var message = "no detail"
        withUnsafeMutablePointer(to: &message) { pointer in
            H5Ewalk2(hid_t(H5E_DEFAULT), H5E_WALK_DOWNWARD, { _, error, data in
                guard let error, let data, let description = error.pointee.desc else { return 0 }
                data.assumingMemoryBound(to: String.self).pointee = String(cString: description)
                return 1
            }, pointer)
        }
        H5Eclear2(hid_t(H5E_DEFAULT))
        return message
    }
}
