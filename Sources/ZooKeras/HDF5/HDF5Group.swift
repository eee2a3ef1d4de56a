import CHDF5
import Foundation
import ZooCore

/// A group of an ``HDF5File`` by its absolute path: its attributes, members and datasets.
struct HDF5Group {
    let file: HDF5File
    let path: String

    /// Attributes larger than this are refused (Keras splits its own above 64 KB).
    static let attributeLimit = 64 << 20

    /// `path` joined with `name`.
    func child(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// Runs `body` with this group open.
    func withOpen<T>(_ body: (hid_t) throws -> T) throws -> T {
        let id = H5Oopen(file.id, path, hid_t(H5P_DEFAULT))
        guard id >= 0 else {
            throw ZooError(.malformedFile, "An HDF5 object must open. Received: '\(path)': \(HDF5File.lastError()).", file: file.name)
        }
        defer { H5Oclose(id) }
        return try body(id)
    }

    /// Whether a link `name` (a relative path) exists below this group.
    func exists(_ name: String) -> Bool {
        var current = path
        for component in name.split(separator: "/") {
            current = current == "/" ? "/" + component : current + "/" + component
            guard H5Lexists(file.id, current, hid_t(H5P_DEFAULT)) > 0 else { return false }
        }
        return true
    }

    /// The group `name` below this one.
    func group(_ name: String) throws -> HDF5Group {
        guard exists(name) else {
            throw ZooError(.missingWeight, "A Keras file must hold the group it names. Received: no '\(child(name))'.", file: file.name)
        }
        return HDF5Group(file: file, path: child(name))
    }

    /// The names of this group's members, in name order.
    func memberNames() throws -> [String] {
        try withOpen { id in
            var info = H5G_info_t()
            guard H5Gget_info(id, &info) >= 0 else {
                throw ZooError(.malformedFile, "An HDF5 group must list its members. Received: '\(path)': \(HDF5File.lastError()).", file: file.name)
            }
            guard info.nlinks <= 1_000_000 else {
                throw ZooError(.malformedFile, "An HDF5 group may hold at most 1,000,000 members. Received: '\(path)' with \(info.nlinks).", file: file.name)
            }
            return try (0..<info.nlinks).map { index in
                let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, hid_t(H5P_DEFAULT))
                guard length >= 0, length < 65_536 else {
                    throw ZooError(.malformedFile, "HDF5 member names must be readable. Received: member \(index) of '\(path)'.", file: file.name)
                }
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, hid_t(H5P_DEFAULT))
                return String(cString: buffer)
            }
        }
    }

    /// Whether the attribute `name` exists.
    func hasAttribute(_ name: String) -> Bool {
        (try? withOpen { H5Aexists($0, name) > 0 }) ?? false
    }

    /// The attribute `name` as strings: a string scalar gives one, a string array its elements,
    /// an empty array of any type none. Keras's chunked attributes (`name0`, `name1`, ...) are
    /// joined when `name` itself is absent.
    func strings(_ name: String) throws -> [String] {
        if hasAttribute(name) { return try readStrings(name) }
        var joined: [String] = []
        var index = 0
        while hasAttribute("\(name)\(index)") {
            joined += try readStrings("\(name)\(index)")
            index += 1
        }
        guard index > 0 else {
            throw ZooError(.malformedFile, "A Keras file must hold the attribute '\(name)'. Received: none on '\(path)'.", file: file.name)
        }
        return joined
    }

    /// The attribute `name` as one string (a scalar or a one-element array), or nil when absent.
    func string(_ name: String) throws -> String? {
        guard hasAttribute(name) else { return nil }
        let values = try readStrings(name)
        guard values.count == 1 else {
            throw ZooError(.malformedFile, "The attribute '\(name)' must hold one string. Received: \(values.count) on '\(path)'.", file: file.name)
        }
        return values[0]
    }

    private func readStrings(_ name: String) throws -> [String] {
        try withOpen { object in
            let attribute = H5Aopen(object, name, hid_t(H5P_DEFAULT))
            guard attribute >= 0 else { throw failure("open the attribute '\(name)'") }
            defer { H5Aclose(attribute) }
            let fileType = H5Aget_type(attribute), space = H5Aget_space(attribute)
            defer {
                H5Tclose(fileType)
                H5Sclose(space)
            }
            guard fileType >= 0, space >= 0 else { throw failure("read the type of the attribute '\(name)'") }
            let count = Int(H5Sget_simple_extent_npoints(space))
            guard count >= 0, count <= 10_000_000 else { throw failure("read the attribute '\(name)' (\(count) elements)") }
            guard H5Tget_class(fileType) == H5T_STRING else {
                // Keras 3 writes an empty `weight_names` as a float64 array of shape (0,).
                if count == 0 { return [] }
                throw ZooError(.malformedFile, "The attribute '\(name)' must hold strings. Received: another type on '\(path)'.", file: file.name)
            }
            let memoryType = H5Tcopy(zoo_H5T_C_S1())
            defer { H5Tclose(memoryType) }
            H5Tset_cset(memoryType, H5Tget_cset(fileType))
            if H5Tis_variable_str(fileType) > 0 {
                H5Tset_size(memoryType, zoo_H5T_VARIABLE())
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
                guard H5Aread(attribute, memoryType, &pointers) >= 0 else { throw failure("read the attribute '\(name)'") }
                defer { H5Dvlen_reclaim(memoryType, space, hid_t(H5P_DEFAULT), &pointers) }
                return pointers.map { $0.map { String(cString: $0) } ?? "" }
            }
            let width = H5Tget_size(fileType)
            guard width > 0, width <= Self.attributeLimit, count * width <= Self.attributeLimit else {
                throw failure("read the attribute '\(name)' (\(count) strings of \(width) bytes)")
            }
            H5Tset_size(memoryType, width)
            // Null-padded in memory: a string that fills its width keeps its last byte (the
            // default, null-terminated, would give it up for a terminator).
            H5Tset_strpad(memoryType, H5T_STR_NULLPAD)
            var bytes = [UInt8](repeating: 0, count: count * width)
            guard H5Aread(attribute, memoryType, &bytes) >= 0 else { throw failure("read the attribute '\(name)'") }
            return (0..<count).map { index in
                let slice = bytes[(index * width)..<((index + 1) * width)]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
    }

    /// The dataset `name` (a relative path) below this group.
    func dataset(_ name: String) throws -> HDF5Dataset {
        guard exists(name) else {
            throw ZooError(.missingWeight, "A Keras file must hold every weight it names. Received: no dataset '\(child(name))'.", file: file.name)
        }
        return try HDF5Dataset(file: file, path: child(name))
    }

    private func failure(_ action: String) -> ZooError {
        ZooError(.malformedFile, "libhdf5 must \(action). Received: '\(path)': \(HDF5File.lastError()).", file: file.name)
    }
}
