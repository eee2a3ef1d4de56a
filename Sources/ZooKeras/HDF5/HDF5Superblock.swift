import ZooCore

/// The end-of-file address an HDF5 file's superblock declares, read by zoo before libhdf5 sees
/// the file: a truncated file (a download cut short) is refused with both sizes, as libhdf5's
/// own check would, without parsing anything else. The superblock starts with the signature
/// `\x89HDF\r\n\x1a\n` at offset 0, 512, 1024, 2048, ... (after a user block); versions 0 and 1
/// keep the end-of-file address third among their addresses after 24 or 28 bytes, versions 2
/// and 3 too after 12, each address `size of offsets` bytes. libhdf5 compares it with the
/// file's size as it is, user block included, and so does zoo.
enum HDF5Superblock {
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Refuses `bytes` when a superblock declares more bytes than they hold; a file without a
    /// readable superblock is left to libhdf5 to refuse.
    static func check(_ bytes: UnsafeRawBufferPointer, name: String) throws(ZooError) {
        guard let end = declaredEnd(bytes), end > bytes.count else { return }
        throw ZooError(
            .malformedFile,
            "An HDF5 file must hold the bytes its superblock declares. Received: '\(name)' has \(bytes.count) bytes, its superblock declares \(end) (a truncated file).",
            file: name)
    }

    /// The end-of-file address of the first superblock, or nil.
    static func declaredEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var start = 0
        while start <= bytes.count - 16 {
            if bytes[start..<(start + 8)].elementsEqual(signature) { return end(bytes, at: start) }
            start = start == 0 ? 512 : start * 2
        }
        return nil
    }

    private static func end(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Int? {
        let version = bytes[start + 8]
        let offsetSize: Int, first: Int
        switch version {
        case 0, 1:
            offsetSize = Int(bytes[start + 13])
            first = start + (version == 0 ? 24 : 28)
        case 2, 3:
            offsetSize = Int(bytes[start + 9])
            first = start + 12
        default:
            return nil
        }
        guard [2, 4, 8].contains(offsetSize) else { return nil }
        func address(_ index: Int) -> UInt64? {
            let at = first + index * offsetSize
            guard at + offsetSize <= bytes.count else { return nil }
            var value: UInt64 = 0
            for byte in (0..<offsetSize).reversed() { value = value << 8 | UInt64(bytes[at + byte]) }
            // All ones is HDF5's undefined address.
            return value == (offsetSize == 8 ? UInt64.max : (UInt64(1) << (8 * offsetSize)) - 1) ? nil : value
        }
        return address(2).flatMap { Int(exactly: $0) }
    }
}
