import Foundation
import Testing
import ZooTestSupport

/// Every input that crashes, hangs or exhausts libhdf5 (fixtures/hostile/), given to `zoo
/// analyze`, `run` and `convert` as a user would: exit status 2 with one error line naming the
/// file, within the time bound, and no output file.
@Suite("zoo on hostile Keras files")
struct HostileFileCommandTests {
    @Test(arguments: HostileFixture.all)
    func everyCommandGivesOneErrorAndWritesNothing(_ fixture: HostileFixture) throws {
        let folder = try TemporaryDirectory()
        let output = folder.url.appendingPathComponent("out")
        let commands = [
            ["analyze", fixture.path],
            ["run", fixture.path, "--seed", "1", "--output", output.path + ".npy"],
            ["convert", fixture.path, output.path + ".onnx"],
        ]
        for command in commands {
            let started = Date()
            let result = try ZooProcess.run(command)
            #expect(Date().timeIntervalSince(started) < HostileFixture.answerSeconds, "\(command)")
            let line = expectOneErrorLine(result)
            #expect(line.contains(fixture.path), "the error names the file: \(line)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty, "no output written")
    }
}
