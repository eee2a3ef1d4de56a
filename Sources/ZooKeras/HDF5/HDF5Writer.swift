import CHDF5
import Foundation
import ZooCore

/// A new HDF5 file being written (Keras `.h5`, `.weights.h5`): groups, string attributes and
/// float32 datasets, as Keras's writers lay them out. Every failure becomes one ``ZooError``.
final class HDF5Writer {
    let id: hid_t
    let name: String

    /// Objects of at least ``alignmentThreshold`` bytes (weights, in practice) start at a
    /// multiple of ``alignment`` bytes in the file, so that readers can use them in place.
    static let alignment = 64
    static let alignmentThreshold = 512

    /// Creates (truncates) the file at `path`.
    init(path: String, name: String) throws {
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        let access = H5Pcreate(zoo_H5P_FILE_ACCESS())
        defer { if access >= 0 { H5Pclose(access) } }
        guard access >= 0, H5Pset_alignment(access, hsize_t(Self.alignmentThreshold), hsize_t(Self.alignment)) >= 0 else {
            throw ZooError(.io, "An output file's HDF5 properties must be settable. Received: '\(name)': \(HDF5File.lastError()).", file: name)
        }
        let id = H5Fcreate(path, zoo_H5F_ACC_TRUNC(), hid_t(H5P_DEFAULT), access)
        guard id >= 0 else {
            throw ZooError(.io, "An output file must be creatable. Received: '\(name)': \(HDF5File.lastError()).", file: name)
        }
        self.id = id
        self.name = name
    }

    /// Closes the file, flushing it; further calls do nothing.
    func close() throws {
        guard !closed else { return }
        closed = true
        guard H5Fclose(id) >= 0 else { throw failure("close the file") }
    }

    private var closed = false

    deinit { if !closed { H5Fclose(id) } }

    /// Creates the group at the absolute `path` (its parents must exist).
    func createGroup(_ path: String) throws {
        let group = H5Gcreate2(id, path, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard group >= 0 else { throw failure("create the group '\(path)'") }
        H5Gclose(group)
    }

    /// Writes the variable-length UTF-8 string attribute `name` on the object at `path`.
    func setString(_ value: String, name: String, on path: String) throws {
        try setStrings([value], name: name, on: path, scalar: true)
    }

    /// Writes a one-dimensional array of variable-length UTF-8 strings (an empty array too).
    func setStrings(_ values: [String], name: String, on path: String, scalar: Bool = false) throws {
        let object = H5Oopen(id, path, hid_t(H5P_DEFAULT))
        guard object >= 0 else { throw failure("open '\(path)'") }
        defer { H5Oclose(object) }
        let type = H5Tcopy(zoo_H5T_C_S1())
        defer { H5Tclose(type) }
        H5Tset_size(type, zoo_H5T_VARIABLE())
        H5Tset_cset(type, H5T_CSET_UTF8)
        var dims = [hsize_t(values.count)]
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(object, name, type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard attribute >= 0 else { throw failure("create the attribute '\(name)' on '\(path)'") }
        defer { H5Aclose(attribute) }
        let copies = values.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        let status = pointers.withUnsafeMutableBufferPointer { buffer in
            H5Awrite(attribute, type, buffer.baseAddress.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(bitPattern: 1))
        }
        guard status >= 0 || values.isEmpty else { throw failure("write the attribute '\(name)' on '\(path)'") }
    }

    /// Writes `tensor` as a float32 dataset at the absolute `path` (its group must exist).
    func writeDataset(_ tensor: Tensor, at path: String) throws {
        guard let values = tensor.storage?.buffer else {
            throw ZooError(.missingWeight, "Writing a Keras file needs every weight's values. Received: '\(path)' \(tensor.shape) declared only.", file: name)
        }
        var dims = tensor.shape.map { hsize_t($0) }
        let space = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &dims, nil)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(id, path, zoo_H5T_NATIVE_FLOAT(), space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard dataset >= 0 else { throw failure("create the dataset '\(path)'") }
        defer { H5Dclose(dataset) }
        guard values.isEmpty || H5Dwrite(dataset, zoo_H5T_NATIVE_FLOAT(), hid_t(H5S_ALL), hid_t(H5S_ALL), hid_t(H5P_DEFAULT), values.baseAddress) >= 0 else {
            throw failure("write the dataset '\(path)'")
        }
    }

    private func failure(_ action: String) -> ZooError {
        ZooError(.io, "libhdf5 must \(action). Received: '\(name)': \(HDF5File.lastError()).", file: name)
    }
}
