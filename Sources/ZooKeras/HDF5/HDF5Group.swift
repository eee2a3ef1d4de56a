import ZooCore

/// A group of an HDF5 file by its absolute path, as ``HDF5Walk`` found it: its links, members,
/// Keras attributes and datasets.
struct HDF5Group {
    let file: HDF5Contents
    let path: String

    /// `path` joined with `name`.
    func child(_ name: String) -> String { HDF5Contents.joined(path, name) }

    /// Whether a link `name` (a relative path) exists below this group.
    func exists(_ name: String) -> Bool {
        file.links.contains(HDF5Contents.normalized(child(name)))
    }

    /// The group `name` below this one.
    func group(_ name: String) throws -> HDF5Group {
        guard exists(name) else {
            throw ZooError(.missingWeight, "A Keras file must hold the group it names. Received: no '\(child(name))'.", file: file.name)
        }
        return HDF5Group(file: file, path: child(name))
    }

    private var record: HDF5Contents.Group? { file.groups[HDF5Contents.normalized(path)] }

    /// The names of this group's members, in name order.
    func memberNames() throws -> [String] {
        guard let members = record?.members else {
            throw ZooError(.malformedFile, "An HDF5 group must list its members. Received: '\(path)', which the reader's walk did not list.", file: file.name)
        }
        return members
    }

    /// Whether the attribute `name` exists.
    func hasAttribute(_ name: String) -> Bool { record?.attributes[name] != nil }

    /// Whether this group lists legacy Keras layers: a `layer_names` attribute, whole or in
    /// chunks.
    var hasLayerNames: Bool { hasAttribute("layer_names") || hasAttribute("layer_names0") }

    /// The attribute `name` as strings: a string scalar gives one, a string array its elements,
    /// an empty array of any type none. Keras's chunked attributes (`name0`, `name1`, ...) are
    /// joined when `name` itself is absent.
    func strings(_ name: String) throws -> [String] {
        if let values = record?.attributes[name] { return values }
        var joined: [String] = []
        var index = 0
        while let values = record?.attributes["\(name)\(index)"] {
            joined += values
            index += 1
        }
        guard index > 0 else {
            throw ZooError(.malformedFile, "A Keras file must hold the attribute '\(name)'. Received: none on '\(path)'.", file: file.name)
        }
        return joined
    }

    /// The attribute `name` as one string (a scalar or a one-element array), or nil when absent.
    func string(_ name: String) throws -> String? {
        guard let values = record?.attributes[name] else { return nil }
        guard values.count == 1 else {
            throw ZooError(.malformedFile, "The attribute '\(name)' must hold one string. Received: \(values.count) on '\(path)'.", file: file.name)
        }
        return values[0]
    }

    /// The dataset `name` (a relative path) below this group.
    func dataset(_ name: String) throws -> HDF5Dataset {
        guard exists(name) else {
            throw ZooError(.missingWeight, "A Keras file must hold every weight it names. Received: no dataset '\(child(name))'.", file: file.name)
        }
        return try HDF5Dataset(file: file, path: child(name))
    }
}
