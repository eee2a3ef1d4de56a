import COnnx
import ZooCore

/// Reading protobuf-c's C structs from Swift: strings, counted arrays and message lists, never
/// trusting a pointer or a count more than protobuf-c's own unpacking did.
enum ProtoAccess {
    /// A C string field; NULL (an absent optional string) is "".
    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        string(UnsafePointer(pointer))
    }

    /// A repeated scalar field as a buffer (empty when the count is 0 or the pointer NULL).
    static func buffer<Element>(_ pointer: UnsafeMutablePointer<Element>?, _ count: Int) -> UnsafeBufferPointer<Element> {
        guard let pointer, count > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: pointer, count: count)
    }

    /// A repeated message field, NULL entries skipped.
    static func messages<Message>(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<Message>?>?, _ count: Int) -> [UnsafeMutablePointer<Message>] {
        buffer(pointer, count).compactMap { $0 }
    }

    /// A repeated string field.
    static func strings(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ count: Int) -> [String] {
        buffer(pointer, count).map { string($0) }
    }

    /// A bytes field's contents.
    static func bytes(_ data: ProtobufCBinaryData) -> UnsafeRawBufferPointer {
        guard let base = data.data, data.len > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base, count: data.len)
    }

    /// A bytes field as UTF-8 text.
    static func text(_ data: ProtobufCBinaryData) -> String {
        String(decoding: bytes(data), as: UTF8.self)
    }
}
