import Testing
import ZooCore
import ZooKeras
import ZooTestSupport

/// The sandboxed read (the default) and the in-process read see the same file: the same graph,
/// weight for weight and bit for bit, for every Keras fixture, and the same error for every
/// malformed one.
@Suite("Keras reading, sandboxed and in process")
struct KerasIsolationTests {
    typealias Entry = KerasFixtureTests.Entry

    static func read(_ entry: Entry, _ isolation: HDF5Isolation) throws -> Model {
        try KerasReader.load(path: entry.path(entry.file), architecture: entry.architecture.map(entry.path), isolation: isolation)
    }

    @Test(arguments: KerasFixtureTests.models.map(\.name))
    func bothPathsGiveTheSameGraph(_ name: String) throws {
        let entry = try #require(KerasFixtureTests.entries.first { $0.name == name })
        let sandboxed = try Self.read(entry, .standard)
        let inProcess = try Self.read(entry, .inProcess)
        #expect(sandboxed.graph == inProcess.graph)
        #expect(sandboxed.graph.layers.count > 0)
    }

    @Test(arguments: KerasFixtureTests.malformed.map(\.name))
    func bothPathsGiveTheSameError(_ name: String) throws {
        let entry = try #require(KerasFixtureTests.entries.first { $0.name == name })
        let sandboxed = #expect(throws: ZooError.self) { _ = try Self.read(entry, .standard) }
        let inProcess = #expect(throws: ZooError.self) { _ = try Self.read(entry, .inProcess) }
        #expect(sandboxed == inProcess)
    }

    @Test func inputNamesAgree() throws {
        for entry in KerasFixtureTests.models where entry.architecture == nil {
            let path = entry.path(entry.file)
            #expect(try KerasReader.inputNames(path: path) == KerasReader.inputNames(path: path, isolation: .inProcess), "\(entry.name)")
        }
    }
}
