#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ZooCore

/// A page shared by a ``SandboxedChild`` and its parent: the child's progress counter, the extra
/// seconds its current step may take and the step's description. Only the child writes it; the
/// parent reads the counter while it waits and the description once the child has ended.
final class SandboxStatus: @unchecked Sendable {
    private let page: UnsafeMutableRawPointer
    private static let size = 4096
    private static let textOffset = 24
    private static let textCapacity = size - textOffset

    init() throws(ZooError) {
        guard let page = mmap(nil, Self.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0), page != MAP_FAILED else {
            throw ZooError(.io, "The sandbox needs a shared page. Received: \(String(cString: strerror(errno))).")
        }
        self.page = page
        begin("starting", extraSeconds: 0)
    }

    deinit { munmap(page, Self.size) }

    /// Bumped on every step and every write.
    var progress: UInt64 { page.load(as: UInt64.self) }
    var extraSeconds: Double { page.load(fromByteOffset: 8, as: Double.self) }

    /// The current step's description.
    var activity: String {
        let length = min(Int(page.load(fromByteOffset: 16, as: UInt32.self)), Self.textCapacity)
        return String(decoding: UnsafeRawBufferPointer(start: page + Self.textOffset, count: length), as: UTF8.self)
    }

    func begin(_ activity: String, extraSeconds: Double) {
        var text = activity
        let length = text.withUTF8 { utf8 in
            let length = min(utf8.count, Self.textCapacity)
            if let base = utf8.baseAddress { (page + Self.textOffset).copyMemory(from: base, byteCount: length) }
            return length
        }
        page.storeBytes(of: UInt32(length), toByteOffset: 16, as: UInt32.self)
        page.storeBytes(of: extraSeconds, toByteOffset: 8, as: Double.self)
        tick()
    }

    func tick() { page.storeBytes(of: progress &+ 1, as: UInt64.self) }
}
