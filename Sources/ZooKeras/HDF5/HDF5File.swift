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
        guard let id = try Self.openImage(mapped.bytes, name: path) else {
            // H5LTopen_file_image clears libhdf5's error stack before it returns; opening the file
            // by path fails the same way and keeps the reason (a truncated file's stored size, say).
            let byPath = H5Fopen(path, zoo_H5F_ACC_RDONLY(), hid_t(H5P_DEFAULT))
            if byPath >= 0 { H5Fclose(byPath) }
            throw Self.refusal(path, size: mapped.bytes.count)
        }
        self.init(id: id, name: path, bytes: mapped.bytes, owner: mapped)
    }

    /// Opens an HDF5 image in memory without copying it; `owner` keeps `bytes` alive.
    convenience init(image bytes: UnsafeRawBufferPointer, name: String, keepingAlive owner: AnyObject) throws {
        guard let id = try Self.openImage(bytes, name: name) else { throw Self.refusal(name, size: bytes.count) }
        self.init(id: id, name: name, bytes: bytes, owner: owner)
    }

    private init(id: hid_t, name: String, bytes: UnsafeRawBufferPointer, owner: AnyObject) {
        self.id = id
        self.name = name
        self.bytes = bytes
        self.owner = owner
    }

    /// The file id of the image `bytes` opened read-only in place, or nil when libhdf5 refuses it.
    private static func openImage(_ bytes: UnsafeRawBufferPointer, name: String) throws -> hid_t? {
        silenceErrors()
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw ZooError(.malformedFile, "An HDF5 file must not be empty. Received: '\(name)' with 0 bytes.", file: name)
        }
        let flags = zoo_H5LT_FILE_IMAGE_DONT_COPY() | zoo_H5LT_FILE_IMAGE_DONT_RELEASE()
        let id = H5LTopen_file_image(UnsafeMutableRawPointer(mutating: base), bytes.count, flags)
        return id >= 0 ? id : nil
    }

    /// libhdf5's refusal of file `name`, with the reason on its error stack.
    private static func refusal(_ name: String, size: Int) -> ZooError {
        ZooError(.malformedFile, "An HDF5 file must open with libhdf5. Received: '\(name)' (\(size) bytes), which it refuses: \(lastError()).", file: name)
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
            H5Ewalk2(hid_t(H5E_DEFAULT), H5E_WALK_UPWARD, { _, error, data in
                guard let error, let data, let description = error.pointee.desc else { return 0 }
                data.assumingMemoryBound(to: String.self).pointee = String(cString: description)
                return 1
            }, pointer)
        }
        H5Eclear2(hid_t(H5E_DEFAULT))
        return message
    }
}
