import CHDF5
import Foundation
import ZooCore

/// An HDF5 image in memory open in libhdf5 for reading, without copying it: a mapped Keras
/// `.h5` or `.weights.h5`, or the `model.weights.h5` entry of a `.keras` zip. Only ``HDF5Walk``
/// reads through it. HDF5's own error printing and its filter plugins are off (a file must not
/// make zoo load code); every failure becomes a ``ZooError`` naming the file and the object.
final class HDF5File {
    let id: hid_t
    /// The name used in messages.
    let name: String
    /// The image's bytes, which the caller keeps alive while this object lives.
    let bytes: UnsafeRawBufferPointer

    /// Opens the image `bytes` read-only in place.
    ///
    /// - Throws: `malformedFile` for an empty image, one shorter than its superblock declares,
    ///   or one libhdf5 refuses.
    init(image bytes: UnsafeRawBufferPointer, name: String) throws {
        try HDF5Superblock.check(bytes, name: name)
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        H5PLset_loading_state(0)
        guard let base = bytes.baseAddress else {
            throw ZooError(.malformedFile, "An HDF5 file must not be empty. Received: '\(name)' with 0 bytes.", file: name)
        }
        let flags = zoo_H5LT_FILE_IMAGE_DONT_COPY() | zoo_H5LT_FILE_IMAGE_DONT_RELEASE()
        let id = H5LTopen_file_image(UnsafeMutableRawPointer(mutating: base), bytes.count, flags)
        guard id >= 0 else {
            throw ZooError(
                .malformedFile, "An HDF5 file must open with libhdf5. Received: '\(name)' (\(bytes.count) bytes), which it refuses: \(Self.lastError()).", file: name)
        }
        self.id = id
        self.name = name
        self.bytes = bytes
    }

    deinit { H5Fclose(id) }

    /// The innermost message on HDF5's error stack, or "no detail".
    static func lastError() -> String {
        var message = "no detail"
        _ = withUnsafeMutablePointer(to: &message) { pointer in
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
