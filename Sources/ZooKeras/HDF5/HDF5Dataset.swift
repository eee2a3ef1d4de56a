import CHDF5
import Foundation
import ZooCore

/// A numeric dataset of an ``HDF5File``: its shape, read as float32.
struct HDF5Dataset {
    let file: HDF5File
    let path: String
    /// Dimensions, outermost first.
    let shape: [Int]

    init(file: HDF5File, path: String) throws {
        self.file = file
        self.path = path
        let id = try Self.open(file, path)
        defer { H5Dclose(id) }
        let space = H5Dget_space(id)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 32 else {
            throw ZooError(.malformedFile, "A weight dataset must have a rank from 0 to 32. Received: '\(path)' of rank \(rank).", file: file.name)
        }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Sget_simple_extent_dims(space, &dims, nil)
        shape = try dims.prefix(rank).map { dim in
            guard let size = Int(exactly: dim) else {
                throw ZooError(.malformedFile, "Dataset dimensions must fit in an Int. Received: '\(path)' with \(dim).", file: file.name)
            }
            return size
        }
    }

    /// A matrix dataset `(rows, columns)` read transposed, as `(columns, rows)`: row blocks of
    /// about 4 MB go through a small buffer into their final places, so a Dense kernel's
    /// transpose needs no second copy of the matrix.
    func floatsTransposed() throws -> Tensor {
        guard shape.count == 2 else { return try KerasLayout.permute(try floats(), Array(shape.indices.reversed())) }
        let rows = shape[0], columns = shape[1]
        let id = try Self.open(file, path)
        defer { H5Dclose(id) }
        try checkStorage(id)
        let fileSpace = H5Dget_space(id)
        defer { H5Sclose(fileSpace) }
        let band = max(1, min(rows, (1 << 20) / max(columns, 1)))
        var failed = false
        let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(band * columns, 1))
        defer { block.deallocate() }
        let storage = try TensorStorage(count: rows * columns) { output in
            var first = 0
            while first < rows, !failed {
                let count = min(band, rows - first)
                var start = [hsize_t(first), 0], extent = [hsize_t(count), hsize_t(columns)]
                var memoryExtent = [hsize_t(count * columns)]
                let memorySpace = H5Screate_simple(1, &memoryExtent, nil)
                defer { H5Sclose(memorySpace) }
                guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &extent, nil) >= 0,
                    H5Dread(id, zoo_H5T_NATIVE_FLOAT(), memorySpace, fileSpace, hid_t(H5P_DEFAULT), block.baseAddress) >= 0
                else {
                    failed = true
                    break
                }
                // Column by column: each output row gets `count` consecutive elements, and the
                // block's lines a column reads stay cached for the next fifteen columns.
                for column in 0..<columns {
                    let target = column * rows + first
                    for row in 0..<count { output[target + row] = block[row * columns + column] }
                }
                first += count
            }
        }
        guard !failed else {
            throw ZooError(.malformedFile, "A weight dataset must be readable. Received: '\(path)' \(shape): \(HDF5File.lastError()).", file: file.name)
        }
        return try Tensor(shape: [columns, rows], storage: storage)
    }

    /// Refuses the open dataset `id` when its declared bytes cannot lie in the file (see ``floats()``).
    private func checkStorage(_ id: hid_t) throws {
        let count = try Checked.product(shape, "the element count of '\(path)' \(shape)")
        let type = H5Dget_type(id)
        defer { H5Tclose(type) }
        let typeClass = H5Tget_class(type)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            throw ZooError(.unsupported, "Weights must be numbers. Received: '\(path)' of another HDF5 type class (\(typeClass.rawValue)).", file: file.name)
        }
        let declared = try Checked.multiply(count, max(H5Tget_size(type), 1), "the byte size of '\(path)'")
        let stored = Int(H5Dget_storage_size(id))
        let properties = H5Dget_create_plist(id)
        let filters = properties >= 0 ? Int(H5Pget_nfilters(properties)) : 0
        if properties >= 0 { H5Pclose(properties) }
        if filters == 0, count > 0, declared > file.size || stored < declared {
            throw ZooError(
                .malformedFile,
                "A dataset's data must lie in the file. Received: '\(path)' \(shape) declares \(declared) bytes, \(stored) are stored, the file has \(file.size).",
                file: file.name)
        }
        try Checked.fitsInMemory(try Checked.multiply(count, 4, "the float32 size of '\(path)'"), "The dataset '\(path)'")
    }

    /// The elements converted to float32 (HDF5 converts float16/float64/integers).
    ///
    /// - Throws: `malformedFile` when the dataset declares more bytes than the file holds (an
    ///   unfiltered dataset's storage must lie in the file), or HDF5 fails to read it.
    func floats() throws -> Tensor {
        let count = try Checked.product(shape, "the element count of '\(path)' \(shape)")
        let id = try Self.open(file, path)
        defer { H5Dclose(id) }
        try checkStorage(id)
        var failed = false
        let storage = try TensorStorage(count: count) { values in
            guard count > 0 else { return }
            failed = H5Dread(id, zoo_H5T_NATIVE_FLOAT(), hid_t(H5S_ALL), hid_t(H5S_ALL), hid_t(H5P_DEFAULT), values.baseAddress) < 0
        }
        guard !failed else {
            throw ZooError(.malformedFile, "A weight dataset must be readable. Received: '\(path)' \(shape): \(HDF5File.lastError()).", file: file.name)
        }
        return try Tensor(shape: shape, storage: storage)
    }

    /// The dataset at `path`, open (the caller closes it).
    private static func open(_ file: HDF5File, _ path: String) throws -> hid_t {
        let id = H5Dopen2(file.id, path, hid_t(H5P_DEFAULT))
        guard id >= 0 else {
            throw ZooError(.malformedFile, "A weight dataset must open. Received: '\(path)': \(HDF5File.lastError()).", file: file.name)
        }
        return id
    }
}
