import CHDF5
import Foundation
import ZooArchive
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

    /// Checks the open dataset `id` before anything is read — its data must be numbers stored in
    /// this file (no external files or virtual datasets: a model file must not make zoo read
    /// other files), an unfiltered dataset's declared bytes must lie in the file — and returns
    /// the offset of its elements in the file when they can be borrowed: contiguous, unfiltered,
    /// little-endian IEEE float32 on a little-endian host, inside the file and 4-byte aligned.
    /// When they cannot, their float32 copy must fit in memory.
    private func borrowableOffset(checking id: hid_t) throws -> Int? {
        let count = try Checked.product(shape, "the element count of '\(path)' \(shape)")
        let type = H5Dget_type(id)
        defer { H5Tclose(type) }
        let typeClass = H5Tget_class(type)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            throw ZooError(.unsupported, "Weights must be numbers. Received: '\(path)' of another HDF5 type class (\(typeClass.rawValue)).", file: file.name)
        }
        let properties = H5Dget_create_plist(id)
        guard properties >= 0 else {
            throw ZooError(.malformedFile, "A weight dataset must have readable creation properties. Received: '\(path)': \(HDF5File.lastError()).", file: file.name)
        }
        defer { H5Pclose(properties) }
        let layout = H5Pget_layout(properties)
        let externalFiles = H5Pget_external_count(properties)
        guard layout != H5D_VIRTUAL, externalFiles == 0 else {
            throw ZooError(
                .unsupported,
                "zoo reads weights stored inside the HDF5 file only. Received: '\(path)' \(layout == H5D_VIRTUAL ? "is a virtual dataset" : "keeps its data in \(externalFiles) external file(s)"), which would make zoo read other files.",
                file: file.name)
        }
        let filters = Int(H5Pget_nfilters(properties))
        let declared = try Checked.multiply(count, max(H5Tget_size(type), 1), "the byte size of '\(path)'")
        let stored = Int(H5Dget_storage_size(id))
        if filters == 0, count > 0, declared > file.size || stored < declared {
            throw ZooError(
                .malformedFile,
                "A dataset's data must lie in the file. Received: '\(path)' \(shape) declares \(declared) bytes, \(stored) are stored, the file has \(file.size).",
                file: file.name)
        }
        // A compressed dataset can expand no more than deflate can (the bound zip entries get).
        let (expandable, overflow) = stored.multipliedReportingOverflow(by: Int(ZipEntries.maximumDeflateRatio))
        if filters > 0, count > 0, !overflow, declared > expandable {
            throw ZooError(
                .malformedFile,
                "A compressed dataset cannot hold more than \(ZipEntries.maximumDeflateRatio) times its stored bytes. Received: '\(path)' \(shape) declares \(declared) bytes from \(stored) stored.",
                file: file.name)
        }
        let littleEndianHost = 1.littleEndian == 1
        // The absolute offset of contiguous data (user block included); undefined when unallocated.
        let address = layout == H5D_CONTIGUOUS ? H5Dget_offset(id) : zoo_HADDR_UNDEF()
        if filters == 0, count > 0, littleEndianHost, H5Tequal(type, zoo_H5T_IEEE_F32LE()) > 0, address != zoo_HADDR_UNDEF(),
            let offset = Int(exactly: address), let base = file.bytes.baseAddress,
            offset <= file.size - declared, Int(bitPattern: base + offset) % MemoryLayout<Float>.alignment == 0
        {
            return offset
        }
        try Checked.fitsInMemory(try Checked.multiply(count, 4, "the float32 size of '\(path)'"), "The dataset '\(path)'")
        return nil
    }

    /// The elements as float32: borrowed from the file's bytes when they are stored as such (see
    /// ``borrowableOffset(checking:)``), otherwise read, HDF5 converting float16/float64/integers.
    ///
    /// - Throws: `malformedFile` when the dataset declares more bytes than the file holds (an
    ///   unfiltered dataset's storage must lie in the file), or HDF5 fails to read it;
    ///   `unsupported` for data kept outside the file.
    func floats() throws -> Tensor {
        let count = try Checked.product(shape, "the element count of '\(path)' \(shape)")
        let id = try Self.open(file, path)
        defer { H5Dclose(id) }
        if let offset = try borrowableOffset(checking: id), let base = file.bytes.baseAddress {
            let elements = UnsafeBufferPointer(start: (base + offset).assumingMemoryBound(to: Float.self), count: count)
            return try Tensor(shape: shape, storage: TensorStorage(borrowing: elements, keepingAlive: file.owner))
        }
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
