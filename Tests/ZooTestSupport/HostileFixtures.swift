import Foundation

/// fixtures/hostile/manifest.json: inputs the Keras fuzzer found that fault libhdf5 (crash it,
/// hang it, make it try huge allocations), each with what zoo's sandboxed read answered when it
/// was adopted (fuzz/triage_keras.py). The tests hold every one to one error in bounded time.
public struct HostileFixture: Decodable, Sendable, CustomStringConvertible {
    public let file: String
    public let sandboxed: Sandboxed

    public struct Sandboxed: Decodable, Sendable {
        /// The contained fault (`crashed`, `stalled`, `cpuTime`, `exitedEarly`), nil for an
        /// ordinary refusal.
        public let fault: String?
        public let error: String
    }

    public var path: String { Fixtures.path(file) }
    public var description: String { file }

    /// Every entry; empty (and the count test fails) when the manifest cannot be read.
    public static let all: [HostileFixture] = {
        struct Manifest: Decodable { let fixtures: [HostileFixture] }
        let url = Fixtures.root.appendingPathComponent("hostile/manifest.json")
        guard let data = try? Data(contentsOf: url), let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.fixtures
    }()

    /// Seconds within which zoo must answer: the 5 s stall limit and the time to fork, read and
    /// import, with room for a loaded machine.
    public static let answerSeconds: Double = 30
}
