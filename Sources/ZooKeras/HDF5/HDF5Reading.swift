import Foundation
import ZooCore
import ZooSandbox

/// Where libhdf5 reads the HDF5 part of a Keras file (a `.h5`, a `.weights.h5`, the weights
/// entry of a `.keras`).
///
/// libhdf5 1.10, which Debian 12 ships, can be made by a crafted file to overflow a heap
/// buffer, follow wild pointers, loop forever or try allocations of hundreds of gigabytes
/// (fuzz/README.md). Sandboxed, a fault on the file becomes one `malformedFile` error naming the
/// file and what libhdf5 was doing; the file cannot make zoo run code, open other files or hang.
public enum HDF5Isolation: Sendable, Equatable {
    /// In a child process forked for the read (``SandboxedChild``) with these limits: it walks
    /// the file once and sends the parent the configuration, the Keras attributes and where
    /// each weight lies; the weights stay borrowed from the parent's own mapping of the file,
    /// and only those libhdf5 must decode (compressed, chunked, not float32) are sent over.
    case sandboxed(SandboxLimits)
    /// In this process: one fork fewer, for files the caller trusts (a libhdf5 fault on the file
    /// is the caller's crash).
    case inProcess

    /// Sandboxed with ``SandboxLimits/standard``.
    public static let standard = HDF5Isolation.sandboxed(.standard)
}

/// Takes an ``HDF5Contents`` with ``HDF5Walk``, in this process or in a sandboxed child.
enum HDF5Reading {
    /// The largest contents or error message a sandboxed walk may send (256 MiB: the snapshot of
    /// a model holds its configuration and one small record per dataset, a few MB at most).
    static let messageLimit = 256 << 20

    /// The contents of the HDF5 image `bytes` (which `owner` keeps alive), `name` naming it in
    /// messages. With `scope` ``HDF5Walk/Scope/configuration`` only the root's attributes are read.
    static func contents(
        of bytes: UnsafeRawBufferPointer, name: String, owner: AnyObject, isolation: HDF5Isolation, scope: HDF5Walk.Scope = .everything
    ) throws -> HDF5Contents {
        let contents = HDF5Contents(name: name, bytes: bytes, owner: owner)
        switch isolation {
        case .inProcess:
            try HDF5Library.serialized {
                let file = try HDF5File(image: bytes, name: name)
                let walk = try HDF5Walk.walk(file, into: contents, scope: scope) { _, _ in }
                try fillPending(contents) { path, values in
                    do {
                        try walk.decode(path, into: values)
                        return nil
                    } catch let error as ZooError {
                        return error
                    }
                }
            }
        case .sandboxed(let limits):
            try sandboxed(contents, scope: scope, limits: limits)
        }
        return contents
    }

    /// Gives every pending dataset of `contents` its decoded elements from `decode`, which
    /// returns why a dataset could not be decoded (kept as the dataset's refusal) and throws
    /// when reading cannot go on.
    private static func fillPending(_ contents: HDF5Contents, decode: (String, UnsafeMutableBufferPointer<Float>) throws -> ZooError?) throws {
        for path in contents.pendingDatasets {
            guard case .success(let dataset) = contents.datasets[path] else { continue }
            let count = try Checked.product(dataset.shape, "the element count of '\(path)' \(dataset.shape)")
            var outcome: Result<ZooError?, Error> = .success(nil)
            let storage = try TensorStorage(count: count) { values in
                outcome = Result { try decode(path, values) }
            }
            let refusal = try outcome.get()
            let elements: HDF5Contents.Elements = refusal.map { .refused($0) } ?? .decoded(storage)
            contents.datasets[path] = .success(HDF5Contents.Dataset(shape: dataset.shape, elements: elements))
        }
    }

    // MARK: - The sandboxed walk

    /// A message's first byte: what follows.
    private enum Frame: UInt8 {
        /// A ZooError (length-prefixed).
        case error = 0
        /// The contents (length-prefixed), or a decoded dataset's raw float32 elements.
        case contents = 1
    }

    private static func sandboxed(_ contents: HDF5Contents, scope: HDF5Walk.Scope, limits: SandboxLimits) throws {
        let child = try SandboxedChild.start("libhdf5", file: contents.name, limits: limits, forkingUnder: HDF5Library.lock) { channel in
            send(contents, scope: scope, report: channel.begin) { channel.send($0) }
        }
        try receive(into: contents, from: child)
    }

    /// The child's side: walks `contents`' image and sends, through `write` (false when the
    /// parent is gone), a contents frame (or an error frame), then each pending dataset's
    /// decoded float32 elements (or an error frame for it).
    static func send(
        _ contents: HDF5Contents, scope: HDF5Walk.Scope, report: @escaping (String, Double) -> Void,
        write: (UnsafeRawBufferPointer) -> Bool
    ) {
        let name = contents.name
        func send(_ frame: Frame, _ payload: [UInt8]) -> Bool {
            var writer = SandboxMessage.Writer()
            writer.byte(frame.rawValue)
            writer.integer(payload.count)
            return writer.bytes.withUnsafeBytes { write($0) } && payload.withUnsafeBytes { write($0) }
        }
        func sendError(_ error: Error) {
            var writer = SandboxMessage.Writer()
            writer.error(error as? ZooError ?? ZooError(.malformedFile, "libhdf5 must read the file. Received: \(error).", file: name))
            _ = send(.error, writer.bytes)
        }
        do {
            report("opening the file", 0)
            let file = try HDF5File(image: contents.bytes, name: name)
            let walk = try HDF5Walk.walk(file, into: contents, scope: scope, report: report)
            guard send(.contents, contents.encoded()) else { return }
            for path in contents.pendingDatasets {
                guard case .success(let dataset) = contents.datasets[path], let count = try? Checked.product(dataset.shape, path) else { return }
                var values = [Float](repeating: 0, count: count)
                do {
                    try values.withUnsafeMutableBufferPointer { try walk.decode(path, into: $0) }
                } catch {
                    sendError(error)
                    continue
                }
                guard [Frame.contents.rawValue].withUnsafeBytes({ write($0) }), values.withUnsafeBytes({ write($0) }) else { return }
            }
        } catch {
            sendError(error)
        }
    }

    /// The parent's side: reads what ``send(_:scope:report:write:)`` wrote from `source`, checks
    /// it like file bytes and fills `contents` (its pending datasets included).
    ///
    /// - Throws: the child's error, or `malformedFile` for messages that break the protocol.
    static func receive(into contents: HDF5Contents, from source: some HDF5MessageSource) throws {
        let name = contents.name
        let what = "libhdf5's sandboxed reading of '\(name)'"
        func frame() throws -> (Frame, [UInt8]) {
            var head = [UInt8](repeating: 0, count: 9)
            try head.withUnsafeMutableBytes { try source.read(into: $0) }
            var reader = SandboxMessage.Reader(head, what: what)
            guard let kind = Frame(rawValue: try reader.byte()) else {
                throw ZooError(.malformedFile, "A sandboxed reader's message must start with a known frame. Received: \(head[0]) from \(what).", file: name)
            }
            var payload = [UInt8](repeating: 0, count: try reader.count(atMost: messageLimit))
            try payload.withUnsafeMutableBytes { try source.read(into: $0) }
            return (kind, payload)
        }
        func error(_ payload: [UInt8]) throws -> ZooError {
            var reader = SandboxMessage.Reader(payload, what: what)
            return try reader.error()
        }
        let (kind, payload) = try frame()
        guard kind == .contents else {
            let refusal = try error(payload)
            try source.finish()
            throw refusal
        }
        try contents.decode(payload)
        try fillPending(contents) { path, values in
            var kind: UInt8 = 0
            try withUnsafeMutableBytes(of: &kind) { try source.read(into: $0) }
            switch Frame(rawValue: kind) {
            case .contents:
                try source.read(into: UnsafeMutableRawBufferPointer(values))
                return nil
            case .error:
                var length = [UInt8](repeating: 0, count: 8)
                try length.withUnsafeMutableBytes { try source.read(into: $0) }
                var reader = SandboxMessage.Reader(length, what: what)
                var message = [UInt8](repeating: 0, count: try reader.count(atMost: messageLimit))
                try message.withUnsafeMutableBytes { try source.read(into: $0) }
                return try error(message)
            case nil:
                throw ZooError(.malformedFile, "A sandboxed reader's message must start with a known frame. Received: \(kind) before '\(path)' from \(what).", file: name)
            }
        }
        try source.finish()
    }
}

/// Where ``HDF5Reading/receive(into:from:)`` reads a sandboxed walk's messages: the child's pipe,
/// or bytes in memory (the snapshot fuzzer's input).
protocol HDF5MessageSource {
    /// Fills `buffer` with the next bytes, or throws when there are no more.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ZooError)
    /// Checks that nothing follows and that the sender ended well.
    func finish() throws(ZooError)
}

extension SandboxedChild: HDF5MessageSource {}
