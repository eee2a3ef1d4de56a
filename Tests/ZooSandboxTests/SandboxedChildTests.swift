#if os(Linux)
import Foundation
import Glibc
import Testing
import ZooCore
import ZooSandbox

/// The sandbox's promises, each shown by a child that breaks the rule: a crash, a stall, a
/// runaway CPU loop or an early exit becomes one `malformedFile` error naming the step; inside,
/// opening files, sockets, exec and fork fail with EPERM and allocations stop at the limit.
@Suite("Sandboxed child")
struct SandboxedChildTests {
    /// Short limits, so that every test ends within about a second.
    static let quick = SandboxLimits(addressSpace: 256 << 20, cpuSeconds: 10, stallSeconds: 0.3)

    /// Runs `body` in a sandboxed child, reads `count` bytes from it and waits for its exit.
    static func outcome(
        count: Int = 0, limits: SandboxLimits = quick, _ body: (SandboxChannel) -> Void
    ) -> Result<[UInt8], ZooError> {
        do {
            let child = try SandboxedChild.start("probe", file: "probe.bin", limits: limits, body: body)
            var bytes = [UInt8](repeating: 0, count: count)
            try bytes.withUnsafeMutableBytes { try child.read(into: $0) }
            try child.finish()
            return .success(bytes)
        } catch let error as ZooError {
            return .failure(error)
        } catch {
            return .failure(ZooError(.io, "The probe must fail with a ZooError. Received: \(error)."))
        }
    }

    /// The one Int32 the child sends, or the error.
    static func number(limits: SandboxLimits = quick, _ body: @escaping () -> Int32) -> Result<Int32, ZooError> {
        outcome(count: 4, limits: limits) { channel in
            var value = body()
            withUnsafeBytes(of: &value) { _ = channel.send($0) }
        }.map { bytes in bytes.withUnsafeBytes { $0.load(as: Int32.self) } }
    }

    static func error<Value>(_ result: Result<Value, ZooError>) throws -> ZooError {
        guard case .failure(let error) = result else {
            throw ZooError(.mismatch, "The child was expected to fail. Received: it succeeded.")
        }
        return error
    }

    @Test func bytesAndANormalExitComeThrough() throws {
        let result = Self.outcome(count: 5) { channel in
            channel.begin("greeting")
            _ = [UInt8]("hello".utf8).withUnsafeBytes { channel.send($0) }
        }
        #expect(try result.get() == Array("hello".utf8))
    }

    @Test func aMemoryFaultIsOneErrorNamingTheStep() throws {
        let started = Date()
        let error = try Self.error(Self.outcome { channel in
            channel.begin("reading the attribute 'model_config' of '/'")
            // A store to page 0: what a wild pointer in a parser does.
            let wild = UnsafeMutablePointer<UInt8>(bitPattern: 16)
            wild?.pointee = 1
        })
        #expect(error.kind == .malformedFile)
        #expect(SandboxFault(error) == .crashed)
        #expect(error.file == "probe.bin")
        #expect(error.message == "probe must read a file without crashing. Received: 'probe.bin', on which it crashed (SIGSEGV, a memory fault) while reading the attribute 'model_config' of '/'.")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func anAbortIsACrash() throws {
        let error = try Self.error(Self.outcome { channel in
            channel.begin("decoding a dataset")
            abort()
        })
        #expect(SandboxFault(error) == .crashed)
        #expect(error.message.contains("(SIGABRT, an abort) while decoding a dataset"))
    }

    @Test func aChildWithoutProgressIsStoppedAfterTheStallTime() throws {
        let started = Date()
        let error = try Self.error(Self.outcome { channel in
            channel.begin("walking the global heap")
            while true { sched_yield() }
        })
        let seconds = Date().timeIntervalSince(started)
        #expect(SandboxFault(error) == .stalled)
        #expect(error.message == "probe must finish reading a file in bounded time. Received: 'probe.bin', on which it made no progress for 0.3 s while walking the global heap (stopped).")
        #expect(seconds >= 0.3 && seconds < 3)
    }

    @Test func aStepMayAskForMoreTime() throws {
        let result = Self.number { () -> Int32 in
            // Sleeping is not a system call the filter lets through: a busy wait past the stall time.
            let end = Date().addingTimeInterval(0.6)
            while Date() < end {}
            return 7
        }
        #expect(SandboxFault(try Self.error(result)) == .stalled)
        let allowed = Self.outcome(count: 1) { channel in
            channel.begin("decompressing", allowing: 2)
            let end = Date().addingTimeInterval(0.6)
            while Date() < end {}
            _ = [UInt8(1)].withUnsafeBytes { channel.send($0) }
        }
        #expect(try allowed.get() == [1])
    }

    @Test func aChildThatKeepsReportingProgressStillEndsAtItsCPUTime() throws {
        let limits = SandboxLimits(addressSpace: 256 << 20, cpuSeconds: 1, stallSeconds: 30)
        let error = try Self.error(Self.outcome(limits: limits) { channel in
            var step = 0
            while true {
                step += 1
                channel.begin("step \(step % 2)")
            }
        })
        #expect(SandboxFault(error) == .cpuTime)
        #expect(error.message.hasPrefix("probe must read a file within its CPU time. Received: 'probe.bin', on which it used up its 1 s of CPU time while step "))
    }

    @Test func anEarlyExitSaysHowMuchArrived() throws {
        let error = try Self.error(Self.outcome(count: 8) { channel in
            channel.begin("sending the contents")
            _ = [UInt8](repeating: 0, count: 3).withUnsafeBytes { channel.send($0) }
            _exit(7)
        })
        #expect(SandboxFault(error) == .exitedEarly)
        #expect(error.message == "probe must read a file to the end. Received: 'probe.bin', on which it exited with status 7 while sending the contents (after 3 of the 8 bytes the reader expected).")
    }

    @Test func sendingMoreThanTheReaderTakesIsAnError() throws {
        let error = try Self.error(Self.outcome(count: 1) { channel in
            _ = [UInt8](repeating: 0, count: 2).withUnsafeBytes { channel.send($0) }
        })
        #expect(error.message.contains("(it sent more than the reader takes)"))
    }

    @Test func openingAFileIsRefused() throws {
        #expect(FileManager.default.fileExists(atPath: "/etc/passwd"))
        let result = Self.number { () -> Int32 in
            let descriptor = open("/etc/passwd", O_RDONLY)
            return descriptor >= 0 ? -descriptor : errno
        }
        #expect(try result.get() == EPERM)
    }

    @Test func socketsExecAndForkAreRefused() throws {
        #expect(try Self.number { socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) >= 0 ? 0 : errno }.get() == EPERM)
        #expect(try Self.number { () -> Int32 in
            let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
            return execv("/bin/true", arguments) == 0 ? 0 : errno
        }.get() == EPERM)
        #expect(try Self.number { () -> Int32 in
            let pid = fork()
            if pid == 0 { _exit(0) }
            return pid > 0 ? 0 : errno
        }.get() == EPERM)
    }

    @Test func allocationsStopAtTheAddressSpaceLimit() throws {
        // 256 MiB beyond what the child inherits: mapping 1 GiB fails (as the mmap under a
        // huge malloc does), 16 MiB does not. mmap itself, since the optimizer may drop a malloc
        // whose result is only compared with nil.
        let result = Self.number { () -> Int32 in
            func maps(_ size: Int) -> Bool {
                let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                return address != MAP_FAILED
            }
            return (maps(1 << 30) ? 0 : 1) + (maps(16 << 20) ? 2 : 0)
        }
        let outcome = try result.get()
        #expect(outcome == 3)
    }

    @Test func theChildInheritsNoDescriptorsButItsChannel() throws {
        let kept = open("/etc/passwd", O_RDONLY)
        defer { close(kept) }
        #expect(kept >= 3)
        // close() succeeds only on an open descriptor (the filter lets it through); 3 is the channel.
        let result = Self.number { () -> Int32 in
            var open: Int32 = 0
            for descriptor in Int32(0)..<31 where descriptor != 3 && close(descriptor) == 0 { open |= 1 << descriptor }
            return open
        }
        #expect(try result.get() == 0)
    }

    @Test func garbledMessagesAreRefusedNotTrusted() throws {
        var writer = SandboxMessage.Writer()
        writer.integer(UInt64.max)
        var reader = SandboxMessage.Reader(writer.bytes, what: "a probe message")
        #expect(throws: ZooError.self) { _ = try reader.string() }
        var short = SandboxMessage.Reader([1, 2], what: "a probe message")
        #expect(throws: ZooError.self) { _ = try short.integer() }
        var counted = SandboxMessage.Reader(writer.bytes, what: "a probe message")
        #expect(throws: ZooError.self) { _ = try counted.count(atMost: 1000) }
        // A length that counts the bytes of the length itself: 4 bytes follow, it claims 12.
        var overlong = SandboxMessage.Writer()
        overlong.integer(12)
        overlong.byte(1); overlong.byte(2); overlong.byte(3); overlong.byte(4)
        var lying = SandboxMessage.Reader(overlong.bytes, what: "a probe message")
        #expect(throws: ZooError.self) { _ = try lying.string() }
        var listed = SandboxMessage.Reader(overlong.bytes, what: "a probe message")
        #expect(throws: ZooError.self) { _ = try listed.strings() }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var random = SandboxMessage.Reader(bytes, what: "a probe message")
            _ = try? random.error()
        }
    }

    @Test func errorsSurviveTheTrip() throws {
        let sent = ZooError(.malformedFile, "A dataset must hold its declared elements. Received: 3 of 4.", layer: "conv1", file: "m.h5", line: 12)
        var writer = SandboxMessage.Writer()
        writer.error(sent)
        var reader = SandboxMessage.Reader(writer.bytes, what: "a probe message")
        #expect(try reader.error() == sent)
        #expect(reader.isAtEnd)
    }

    @Test func ordinaryErrorsAreNoFaults() {
        #expect(SandboxFault(ZooError(.malformedFile, "An HDF5 file must hold the bytes its superblock declares. Received: 1 of 2.")) == nil)
        #expect(SandboxFault(ZooError(.io, "probe must read a file without crashing. Received: x.")) == nil)
    }
}
#endif
