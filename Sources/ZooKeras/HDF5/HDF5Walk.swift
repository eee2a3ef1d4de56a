import CHDF5
import Foundation
import ZooArchive
import ZooCore

/// The one pass of libhdf5 over a Keras HDF5 file: it looks up what ``KerasReader`` and
/// ``KerasWeights`` will ask for, and records it in an ``HDF5Contents``.
///
/// - The root's `model_config`, `keras_version` and `layer_names` attributes, and whether the
///   links `model_weights` and `layers` exist.
/// - Legacy weights (`layer_names` at the root or under `model_weights`): each listed layer's
///   group, its `weight_names` (chunked `weight_names0..N` too), and each named dataset.
/// - Keras 3 weights otherwise: every `layers/<name>` group, 64 deep at most, with its `vars`
///   group's members, `name` attribute and datasets `0 ... n-1`.
///
/// A dataset's shape, type and storage are checked before anything is read (numbers stored in
/// this file: no external files or virtual datasets, an unfiltered dataset's bytes inside the
/// file, a compressed one no larger than deflate can expand). Contiguous little-endian float32
/// is left where it lies (``HDF5Contents/Elements/inFile(offset:)``); anything else is decoded
/// by libhdf5 to float32 afterwards, one dataset at a time (``decode(_:into:)``).
///
/// `report` hears each step before libhdf5 takes it ("reading the attribute 'model_config' of
/// '/'"), which names the step when libhdf5 crashes or hangs in a sandboxed walk.
struct HDF5Walk {
    let file: HDF5File
    let contents: HDF5Contents
    let report: (String, Double) -> Void

    /// Attributes larger than this are refused (Keras splits its own above 64 KB).
    static let attributeLimit = 64 << 20

    /// How much of a file a walk reads.
    enum Scope: Sendable {
        /// The root's attributes (the model's configuration) only.
        case configuration
        /// The configuration and every weight.
        case everything
    }

    /// Walks `file` into `contents`; decoded datasets are left pending, for ``decode(_:into:)``
    /// of the walk returned.
    @discardableResult
    static func walk(_ file: HDF5File, into contents: HDF5Contents, scope: Scope, report: @escaping (String, Double) -> Void) throws -> HDF5Walk {
        let walk = HDF5Walk(file: file, contents: contents, report: report)
        let root = "/"
        try walk.attributes(of: root, ["model_config", "keras_version", "layer_names"])
        guard scope == .everything else { return walk }
        let modelWeights = try walk.exists("/model_weights")
        _ = try walk.exists("/layers")
        if modelWeights || contents.root.hasLayerNames {
            try walk.legacy(modelWeights ? "/model_weights" : root)
        } else {
            try walk.layers(below: root, depth: 0)
        }
        return walk
    }

    /// Decodes the pending dataset at `path` into `values` (its element count) as float32.
    func decode(_ path: String, into values: UnsafeMutableBufferPointer<Float>) throws {
        report("decoding the dataset '\(path)' (\(values.count) elements)", Double(values.count) / 25e6)
        guard values.count > 0 else { return }
        let id = try open(dataset: path)
        defer { H5Dclose(id) }
        guard H5Dread(id, zoo_H5T_NATIVE_FLOAT(), hid_t(H5S_ALL), hid_t(H5S_ALL), hid_t(H5P_DEFAULT), values.baseAddress) >= 0 else {
            throw ZooError(.malformedFile, "A weight dataset must be readable. Received: '\(path)': \(HDF5File.lastError()).", file: file.name)
        }
    }

    // MARK: - The Keras layouts

    private func legacy(_ group: String) throws {
        if group != "/" { try attributes(of: group, ["layer_names"]) }
        guard let layerNames = try? HDF5Group(file: contents, path: group).strings("layer_names") else { return }
        for layerName in layerNames {
            let layerPath = HDF5Contents.joined(group, layerName)
            guard try exists(layerPath) else { continue }
            try attributes(of: layerPath, ["weight_names"])
            guard let weightNames = try? HDF5Group(file: contents, path: layerPath).strings("weight_names") else { continue }
            for weightName in weightNames {
                let path = HDF5Contents.joined(layerPath, weightName)
                if try exists(path) { dataset(path) }
            }
        }
    }

    private func layers(below group: String, depth: Int) throws {
        guard depth < 64 else { return }
        let list = HDF5Contents.joined(group, "layers")
        guard try exists(list) else { return }
        for member in try members(of: list) {
            let layer = HDF5Contents.joined(list, member)
            let vars = HDF5Contents.joined(layer, "vars")
            if try exists(vars) {
                try attributes(of: vars, ["name"])
                for index in try members(of: vars) where Int(index).map({ $0 >= 0 && String($0) == index }) == true {
                    dataset(HDF5Contents.joined(vars, index))
                }
            }
            try layers(below: layer, depth: depth + 1)
        }
    }

    // MARK: - Links and groups

    /// Whether every link on `path` exists, recording those that do.
    private func exists(_ path: String) throws -> Bool {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if contents.links.contains(current) { continue }
            report("looking up the link '\(current)'", 0)
            guard H5Lexists(file.id, current, hid_t(H5P_DEFAULT)) > 0 else { return false }
            contents.links.insert(current)
        }
        return true
    }

    private func record(_ path: String, _ update: (inout HDF5Contents.Group) -> Void) {
        update(&contents.groups[HDF5Contents.normalized(path), default: HDF5Contents.Group()])
    }

    /// Runs `body` with the object at `path` open.
    private func withOpen<T>(_ path: String, _ body: (hid_t) throws -> T) throws -> T {
        report("opening the object '\(path)'", 0)
        let id = H5Oopen(file.id, path, hid_t(H5P_DEFAULT))
        guard id >= 0 else {
            throw ZooError(.malformedFile, "An HDF5 object must open. Received: '\(path)': \(HDF5File.lastError()).", file: file.name)
        }
        defer { H5Oclose(id) }
        return try body(id)
    }

    /// Lists the members of the group at `path`, in name order, and records them.
    @discardableResult
    private func members(of path: String) throws -> [String] {
        let names = try withOpen(path) { id in
            report("listing the members of '\(path)'", 0)
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
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        record(path) { $0.members = names }
        for name in names { contents.links.insert(HDF5Contents.normalized(HDF5Contents.joined(path, name))) }
        return names
    }

    // MARK: - Attributes

    /// Reads each attribute of `names` on the object at `path` (opened once), or when absent
    /// Keras's chunks of it (`name0`, `name1`, ...), and records those found.
    private func attributes(of path: String, _ names: [String]) throws {
        record(path) { _ in }
        try withOpen(path) { object in
            /// Reads and records the attribute `name` when it exists.
            func take(_ name: String) throws -> Bool {
                report("looking for the attribute '\(name)' of '\(path)'", 0)
                guard H5Aexists(object, name) > 0 else { return false }
                let values = try read(name, of: object, path)
                record(path) { $0.attributes[name] = values }
                return true
            }
            for name in names {
                if try take(name) { continue }
                var index = 0
                while try take("\(name)\(index)") { index += 1 }
            }
        }
    }

    /// The attribute `name` as strings: a string scalar gives one, a string array its elements,
    /// an empty array of any type none.
    private func read(_ name: String, of object: hid_t, _ path: String) throws -> [String] {
        func failure(_ action: String) -> ZooError {
            ZooError(.malformedFile, "libhdf5 must \(action). Received: '\(path)': \(HDF5File.lastError()).", file: file.name)
        }
        report("reading the attribute '\(name)' of '\(path)'", 0)
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

    // MARK: - Datasets

    /// The dataset at `path`, open (the caller closes it).
    private func open(dataset path: String) throws -> hid_t {
        report("opening the dataset '\(path)'", 0)
        let id = H5Dopen2(file.id, path, hid_t(H5P_DEFAULT))
        guard id >= 0 else {
            throw ZooError(.malformedFile, "A weight dataset must open. Received: '\(path)': \(HDF5File.lastError()).", file: file.name)
        }
        return id
    }

    /// Records the dataset at `path`: its shape and where its elements are, or why it would not
    /// open.
    private func dataset(_ path: String) {
        contents.datasets[path] = Result { () throws(ZooError) in
            do {
                let id = try open(dataset: path)
                defer { H5Dclose(id) }
                let shape = try self.shape(of: id, path)
                let elements: HDF5Contents.Elements
                do {
                    elements = try storage(of: id, path, shape: shape)
                } catch let error as ZooError {
                    elements = .refused(error)
                }
                return HDF5Contents.Dataset(shape: shape, elements: elements)
            } catch let error as ZooError {
                throw error
            } catch {
                throw ZooError(.malformedFile, "A weight dataset must open. Received: '\(path)': \(error).", file: file.name)
            }
        }
    }

    private func shape(of id: hid_t, _ path: String) throws -> [Int] {
        report("reading the shape of the dataset '\(path)'", 0)
        let space = H5Dget_space(id)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 32 else {
            throw ZooError(.malformedFile, "A weight dataset must have a rank from 0 to 32. Received: '\(path)' of rank \(rank).", file: file.name)
        }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Sget_simple_extent_dims(space, &dims, nil)
        return try dims.prefix(rank).map { dim in
            guard let size = Int(exactly: dim) else {
                throw ZooError(.malformedFile, "Dataset dimensions must fit in an Int. Received: '\(path)' with \(dim).", file: file.name)
            }
            return size
        }
    }

    /// Checks the open dataset `id` before anything is read, and says where its elements are:
    /// in the file when they are contiguous, unfiltered, little-endian IEEE float32 (on a
    /// little-endian host) inside it; otherwise decoded later, when their float32 copy fits in
    /// memory.
    private func storage(of id: hid_t, _ path: String, shape: [Int]) throws -> HDF5Contents.Elements {
        report("reading the type and storage of the dataset '\(path)'", 0)
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
        let size = file.bytes.count
        if filters == 0, count > 0, declared > size || stored < declared {
            throw ZooError(
                .malformedFile,
                "A dataset's data must lie in the file. Received: '\(path)' \(shape) declares \(declared) bytes, \(stored) are stored, the file has \(size).",
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
        guard count > 0 else { return .inFile(offset: 0) }
        let littleEndianHost = 1.littleEndian == 1
        // The absolute offset of contiguous data (user block included); undefined when unallocated.
        let address = layout == H5D_CONTIGUOUS ? H5Dget_offset(id) : zoo_HADDR_UNDEF()
        if filters == 0, littleEndianHost, H5Tequal(type, zoo_H5T_IEEE_F32LE()) > 0, address != zoo_HADDR_UNDEF(),
            let offset = Int(exactly: address), offset <= size - declared
        {
            return .inFile(offset: offset)
        }
        try Checked.fitsInMemory(try Checked.multiply(count, 4, "the float32 size of '\(path)'"), "The dataset '\(path)'")
        return .decoded(nil)
    }
}
