import ZooArchive
import ZooCore
import ZooSandbox

/// What zoo reads of an HDF5 file (a Keras `.h5`, a `.weights.h5`, the `model.weights.h5` of a
/// `.keras`): the links it looked up, the members and Keras attributes of the groups it visited,
/// and each weight dataset's shape and where its elements are. ``HDF5Walk`` takes it in one pass
/// of libhdf5, in this process or in a sandboxed child (``HDF5Reading``); after the walk nothing
/// calls libhdf5. ``HDF5Group`` and ``HDF5Dataset`` read it the way the Keras reader looks a
/// file up.
final class HDF5Contents: @unchecked Sendable {
    /// The name used in messages (the file's path, or `archive.keras:model.weights.h5`).
    let name: String
    /// The file's bytes, valid while this object lives.
    let bytes: UnsafeRawBufferPointer
    /// What keeps `bytes` alive; tensors borrowing from them keep it alive in turn.
    let owner: AnyObject
    /// Bytes in the file or image.
    var size: Int { bytes.count }

    /// Every link the walk found, as an absolute path with single slashes ("/a/b").
    var links: Set<String> = ["/"]
    /// The groups the walk visited, by absolute path.
    var groups: [String: Group] = [:]
    /// The datasets the walk opened, by the path they were opened by, or why they would not open.
    var datasets: [String: Result<Dataset, ZooError>] = [:]

    struct Group {
        /// Member names in name order, when the walk listed them.
        var members: [String]?
        /// The Keras attributes the walk found, read as strings.
        var attributes: [String: [String]] = [:]
    }

    struct Dataset {
        /// Dimensions, outermost first.
        var shape: [Int]
        var elements: Elements
    }

    /// Where a dataset's elements are.
    enum Elements {
        /// Contiguous little-endian IEEE float32 at this offset of the file, inside it.
        case inFile(offset: Int)
        /// Decoded to float32 by libhdf5 (compressed, chunked, another type or byte order);
        /// `nil` until they arrive.
        case decoded(TensorStorage?)
        /// Not readable, for this reason (thrown when the elements are asked for).
        case refused(ZooError)
    }

    init(name: String, bytes: UnsafeRawBufferPointer, owner: AnyObject) {
        self.name = name
        self.bytes = bytes
        self.owner = owner
    }

    /// The root group.
    var root: HDF5Group { HDF5Group(file: self, path: "/") }

    /// The group path `path` joined with the member name `name` ("/" and "a" give "/a").
    static func joined(_ path: String, _ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// `path` with single slashes and no trailing one.
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/").joined(separator: "/")
    }

    /// The paths of the datasets still waiting for their decoded elements, in path order.
    var pendingDatasets: [String] {
        datasets.keys.sorted().filter { path in
            if case .success(let dataset) = datasets[path], case .decoded(nil) = dataset.elements { return true }
            return false
        }
    }

    // MARK: - Sending from a sandboxed walk

    /// The contents as a message, the decoded elements left out (they follow it, in
    /// ``pendingDatasets`` order).
    func encoded() -> [UInt8] {
        var writer = SandboxMessage.Writer()
        writer.strings(links.sorted())
        writer.integer(groups.count)
        for (path, group) in groups.sorted(by: { $0.key < $1.key }) {
            writer.string(path)
            writer.byte(group.members == nil ? 0 : 1)
            if let members = group.members { writer.strings(members) }
            writer.integer(group.attributes.count)
            for (name, values) in group.attributes.sorted(by: { $0.key < $1.key }) {
                writer.string(name)
                writer.strings(values)
            }
        }
        writer.integer(datasets.count)
        for (path, result) in datasets.sorted(by: { $0.key < $1.key }) {
            writer.string(path)
            switch result {
            case .failure(let error):
                writer.byte(0)
                writer.error(error)
            case .success(let dataset):
                writer.byte(1)
                writer.integer(dataset.shape.count)
                for size in dataset.shape { writer.integer(size) }
                switch dataset.elements {
                case .inFile(let offset):
                    writer.byte(0)
                    writer.integer(offset)
                case .decoded:
                    writer.byte(1)
                case .refused(let error):
                    writer.byte(2)
                    writer.error(error)
                }
            }
        }
        return writer.bytes
    }

    /// Reads what ``encoded()`` wrote, checking it as file data: every dataset's shape must
    /// have a countable size and in-file elements must lie in the file.
    func decode(_ message: [UInt8]) throws(ZooError) {
        var reader = SandboxMessage.Reader(message, what: "libhdf5's sandboxed reading of '\(name)'")
        links = Set(try reader.strings())
        let groupCount = try reader.count(atMost: message.count)
        for _ in 0..<groupCount {
            let path = try reader.string()
            var group = Group()
            if try reader.byte() != 0 { group.members = try reader.strings() }
            let attributeCount = try reader.count(atMost: message.count)
            for _ in 0..<attributeCount {
                let attribute = try reader.string()
                group.attributes[attribute] = try reader.strings()
            }
            groups[path] = group
        }
        let datasetCount = try reader.count(atMost: message.count)
        for _ in 0..<datasetCount {
            let path = try reader.string()
            guard try reader.byte() != 0 else {
                datasets[path] = .failure(try reader.error())
                continue
            }
            let rank = try reader.count(atMost: 32)
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(try reader.count(atMost: Int.max)) }
            let count = try Checked.product(shape, "the element count of '\(path)' \(shape)")
            let elements: Elements
            switch try reader.byte() {
            case 0:
                let offset = try reader.count(atMost: Int.max)
                let bytes = try Checked.multiply(count, 4, "the byte size of '\(path)'")
                guard offset <= size, bytes <= size - offset else {
                    throw ZooError(
                        .malformedFile, "A dataset's data must lie in the file. Received: '\(path)' \(shape) at offset \(offset), the file has \(size) bytes.", file: name)
                }
                elements = .inFile(offset: offset)
            case 1:
                // The walk's rule, checked again here since the child's word is not trusted: every
                // element takes a stored byte, or 1/1032 of one compressed.
                let (bound, overflow) = UInt64(size).multipliedReportingOverflow(by: ZipEntries.maximumDeflateRatio)
                guard overflow || UInt64(count) <= bound else {
                    throw ZooError(
                        .malformedFile,
                        "A dataset cannot hold more than \(ZipEntries.maximumDeflateRatio) elements per byte of its file. Received: '\(path)' \(shape), \(count) elements from a file of \(size) bytes.",
                        file: name)
                }
                try Checked.fitsInMemory(try Checked.multiply(count, 4, "the float32 size of '\(path)'"), "The dataset '\(path)'")
                elements = .decoded(nil)
            default:
                elements = .refused(try reader.error())
            }
            datasets[path] = .success(Dataset(shape: shape, elements: elements))
        }
        guard reader.isAtEnd else {
            throw ZooError(.malformedFile, "A sandboxed reader's message must end where its contents do. Received: more bytes in libhdf5's reading of '\(name)'.", file: name)
        }
    }
}
