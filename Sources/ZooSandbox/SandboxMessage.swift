import ZooCore

/// The bytes a ``SandboxedChild`` sends its parent: little-endian integers, length-prefixed
/// strings, and ``ZooError``s. The parent reads them as it reads any untrusted file's bytes:
/// every length is checked against what is left, so a child that was taken over can make the
/// parent throw, never crash or over-allocate.
public enum SandboxMessage {
    /// Builds a message.
    public struct Writer {
        public private(set) var bytes: [UInt8] = []

        public init() {}

        public mutating func integer(_ value: UInt64) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        public mutating func integer(_ value: Int) { integer(UInt64(bitPattern: Int64(value))) }

        public mutating func byte(_ value: UInt8) { bytes.append(value) }

        public mutating func string(_ value: String) {
            let utf8 = Array(value.utf8)
            integer(utf8.count)
            bytes += utf8
        }

        public mutating func strings(_ values: [String]) {
            integer(values.count)
            for value in values { string(value) }
        }

        public mutating func optionalString(_ value: String?) {
            byte(value == nil ? 0 : 1)
            if let value { string(value) }
        }

        public mutating func error(_ error: ZooError) {
            string(error.kind.rawValue)
            string(error.message)
            optionalString(error.layer)
            optionalString(error.file)
            integer(error.line ?? -1)
        }
    }

    /// Reads a message; every read throws `malformedFile` (naming `what`) past the end.
    public struct Reader {
        private let bytes: [UInt8]
        private var offset = 0
        private let what: String

        /// `what` names the sender in errors ("libhdf5's sandboxed reading of 'x.h5'").
        public init(_ bytes: [UInt8], what: String) {
            self.bytes = bytes
            self.what = what
        }

        public var isAtEnd: Bool { offset == bytes.count }

        private func broken(_ detail: String) -> ZooError {
            ZooError(.malformedFile, "A sandboxed reader's message must be well formed. Received: \(detail) in \(what) at byte \(offset) of \(bytes.count).")
        }

        public mutating func byte() throws(ZooError) -> UInt8 {
            guard offset < bytes.count else { throw broken("a byte past the end") }
            defer { offset += 1 }
            return bytes[offset]
        }

        public mutating func integer() throws(ZooError) -> UInt64 {
            guard bytes.count - offset >= 8 else { throw broken("an integer past the end") }
            var value: UInt64 = 0
            for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
            offset += 8
            return value
        }

        /// An integer from 0 to `limit`.
        public mutating func count(atMost limit: Int) throws(ZooError) -> Int {
            let value = try integer()
            guard value <= UInt64(max(limit, 0)) else { throw broken("a count of \(value) where at most \(limit) fit") }
            return Int(value)
        }

        /// A signed integer.
        public mutating func signed() throws(ZooError) -> Int {
            let value = Int64(bitPattern: try integer())
            guard let result = Int(exactly: value) else { throw broken("an integer that does not fit: \(value)") }
            return result
        }

        /// A count of items of `size` bytes each that must fit in the bytes left after it.
        private mutating func count(fittingItemsOf size: Int) throws(ZooError) -> Int {
            let value = try integer()
            // What is left is measured after the count itself.
            let left = (bytes.count - offset) / size
            guard value <= UInt64(left) else { throw broken("a count of \(value) items of \(size) bytes where \(left) fit") }
            return Int(value)
        }

        public mutating func string() throws(ZooError) -> String {
            let length = try count(fittingItemsOf: 1)
            defer { offset += length }
            return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
        }

        /// Strings, each at least 8 bytes (its length), so their count is bounded by what is left.
        public mutating func strings() throws(ZooError) -> [String] {
            let count = try count(fittingItemsOf: 8)
            var values: [String] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try string()) }
            return values
        }

        public mutating func optionalString() throws(ZooError) -> String? {
            switch try byte() {
            case 0: return nil
            case 1: return try string()
            case let other: throw broken("an optional's flag \(other)")
            }
        }

        public mutating func error() throws(ZooError) -> ZooError {
            let kindName = try string()
            guard let kind = ZooError.Kind(rawValue: kindName) else { throw broken("an error kind '\(kindName)'") }
            let message = try string()
            let layer = try optionalString(), file = try optionalString(), line = try signed()
            return ZooError(kind, message, layer: layer, file: file, line: line > 0 ? line : nil)
        }
    }
}
