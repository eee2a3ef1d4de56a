import Foundation
import Testing
import ZooCore
import ZooKeras
import ZooSandbox
import ZooTestSupport

/// The inputs that crash, hang or exhaust libhdf5 (fixtures/hostile/), read through the library
/// as a caller would, from a file and from memory: one `ZooError` in bounded time, never a
/// crash of the test process (which reads every one of them).
@Suite("Hostile Keras files")
struct HostileFileTests {
    @Test func theManifestHoldsEveryFaultClass() {
        let faults = Set(HostileFixture.all.compactMap(\.sandboxed.fault))
        #expect(HostileFixture.all.count >= 10)
        #expect(faults.isSuperset(of: ["stalled", "crashed"]), "\(faults)")
    }

    @Test(arguments: HostileFixture.all)
    func readingIsOneErrorInBoundedTime(_ fixture: HostileFixture) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
        for source in ["file", "memory"] {
            let started = Date()
            let error = #expect(throws: ZooError.self, "\(fixture) from \(source)") {
                if source == "file" {
                    _ = try KerasReader.load(path: fixture.path)
                } else {
                    _ = try bytes.withUnsafeBytes { try KerasReader.parse($0, name: fixture.file) }
                }
            }
            #expect(Date().timeIntervalSince(started) < HostileFixture.answerSeconds, "\(fixture) from \(source)")
            guard let error else { continue }
            #expect([.malformedFile, .unsupported].contains(error.kind), "\(fixture): \(error)")
            // An endless loop is one whatever the heap holds; a wild read may land in mapped
            // memory in one process and fault in another, so a crash may also be a refusal.
            if fixture.sandboxed.fault == "stalled" {
                #expect(SandboxFault(error) == .stalled, "\(fixture): \(error)")
            }
        }
    }
}
