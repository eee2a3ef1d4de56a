import Foundation
import Testing
import ZooTestSupport

/// Keras files end to end through the binary: analysis with Keras's trainable split, conversion
/// both ways with `--verify`, `--layout nchw`, `--explain`, and refusals with status 2.
@Suite("zoo on Keras files")
struct KerasCommandTests {
    static func fixture(_ path: String) -> String { RunVerifyCommandTests.fixture("keras/" + path) }

    /// The transfer fixture freezes its base model's first conv: Keras counts 1,269 trainable and
    /// 240 non-trainable parameters (fixtures/keras/manifest.json, from Keras itself).
    @Test func analyzeGivesKerasTrainableSplit() throws {
        for file in ["transfer.h5", "transfer.keras", "transfer_keras2.h5"] {
            let result = try ZooProcess.run(["analyze", Self.fixture(file), "--format", "json"])
            #expect(result.status == 0, "\(file): \(result)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let params = try #require((report["totals"] as? [String: Any])?["params"] as? [String: Any])
            #expect(params["trainable"] as? Int == 1269, "\(file)")
            #expect(params["non_trainable"] as? Int == 240, "\(file)")
        }
    }

    @Test func convertBothWaysVerifies() throws {
        let folder = try TemporaryDirectory()
        let onnx = folder.url.appendingPathComponent("resnet.onnx").path
        let toOnnx = try ZooProcess.run(["convert", Self.fixture("resnet_mini.h5"), onnx, "--verify", "--explain"])
        #expect(toOnnx.status == 0, "\(toOnnx)")
        #expect(toOnnx.stdout.contains("HWIO -> OIHW"), "--explain lists the kernel permutations: \(toOnnx)")
        #expect(toOnnx.stdout.contains("verified: every compared value is within the tolerance"), "\(toOnnx)")
        let keras = folder.url.appendingPathComponent("back.keras").path
        let toKeras = try ZooProcess.run(["convert", onnx, keras, "--verify"])
        #expect(toKeras.status == 0, "\(toKeras)")
        #expect(toKeras.stdout.contains("verified"), "\(toKeras)")
        // The Keras model takes NHWC inputs; Keras's own outputs for them are the reference.
        let output = folder.url.appendingPathComponent("y.npy").path
        let run = try ZooProcess.run(["run", keras, "--input", Self.fixture("resnet_mini/input_0.npy"), "--output", output])
        #expect(run.status == 0, "\(run)")
        let expected = try RunVerifyCommandTests.tensor(Self.fixture("resnet_mini/output_0.npy"))
        expectClose(try RunVerifyCommandTests.tensor(output), expected)
    }

    /// `--layout nchw` gives the converted model channels-first inputs; `zoo verify` feeds each
    /// model the same image in its own layout.
    @Test func layoutNchwKeepsTheResults() throws {
        let folder = try TemporaryDirectory()
        let onnx = folder.url.appendingPathComponent("nchw.onnx").path
        let convert = try ZooProcess.run(["convert", Self.fixture("vgg_mini.h5"), onnx, "--layout", "nchw"])
        #expect(convert.status == 0, "\(convert)")
        let analyze = try ZooProcess.run(["analyze", onnx])
        #expect(analyze.stdout.contains("(source layout NCHW)"), "\(analyze)")
        let verify = try ZooProcess.run(["verify", Self.fixture("vgg_mini.h5"), onnx])
        #expect(verify.status == 0, "\(verify)")
        // --input-shape binds the reference (NHWC) only; the NCHW candidate takes the transposed batch of 2.
        let bound = try ZooProcess.run(["verify", Self.fixture("vgg_mini.h5"), onnx, "--input-shape", "input=2,16,16,3"])
        #expect(bound.status == 0, "\(bound)")
    }

    /// An NCHW source written as Keras keeps its input channels-first behind a Permute: read
    /// back, the input is NCHW again, so `--verify` and `zoo verify` feed both models the same
    /// tensor (both were refused before: the Keras input was taken for NHWC and transposed).
    @Test func channelsFirstSourcesRoundTripThroughKeras() throws {
        let folder = try TemporaryDirectory()
        let onnx = folder.url.appendingPathComponent("lenet5.onnx").path
        #expect(try ZooProcess.run(["convert", "lenet5", onnx, "--seed", "1"]).status == 0)
        let keras = folder.url.appendingPathComponent("lenet5.keras").path
        let toKeras = try ZooProcess.run(["convert", onnx, keras, "--verify"])
        #expect(toKeras.status == 0 && toKeras.stdout.contains("verified"), "\(toKeras)")
        #expect(try ZooProcess.run(["analyze", keras]).stdout.contains("(source layout NCHW)"))
        let verify = try ZooProcess.run(["verify", onnx, keras])
        #expect(verify.status == 0, "\(verify)")
        let nchwKeras = folder.url.appendingPathComponent("vgg_nchw.keras").path
        let relayout = try ZooProcess.run(["convert", Self.fixture("vgg_mini.keras"), nchwKeras, "--layout", "nchw", "--verify"])
        #expect(relayout.status == 0 && relayout.stdout.contains("verified"), "\(relayout)")
    }

    /// A truncated .h5 (half of its 24,664 bytes) is refused with the sizes libhdf5's own refusal gives (the manifest quotes Keras: "truncated file: eof =
    /// 12332, ... stored_eof = 24664"), found by zoo before libhdf5 sees the file.
    @Test func truncatedFilesGiveBothSizes() throws {
        let result = try ZooProcess.run(["analyze", Self.fixture("malformed/truncated.h5")])
        #expect(result.status == 2 && result.stderrLines.count == 1, "\(result)")
        #expect(result.stderr.contains("has 12332 bytes, its superblock declares 24664 (a truncated file)"), "\(result)")
    }

    /// `--hdf5-in-process` reads the same file in zoo's own process: the same report, the same
    /// outputs, the same refusals.
    @Test func inProcessReadingGivesTheSameResults() throws {
        for file in ["transfer.h5", "transfer.keras"] {
            let sandboxed = try ZooProcess.run(["analyze", Self.fixture(file), "--format", "json"])
            let inProcess = try ZooProcess.run(["analyze", Self.fixture(file), "--format", "json", "--hdf5-in-process"])
            #expect(sandboxed.status == 0 && sandboxed.stdout == inProcess.stdout, "\(file): \(sandboxed) \(inProcess)")
        }
        let folder = try TemporaryDirectory()
        let outputs = ["sandboxed.npy", "in-process.npy"].map { folder.url.appendingPathComponent($0).path }
        for (output, flags) in zip(outputs, [[], ["--hdf5-in-process"]]) {
            let run = try ZooProcess.run(["run", Self.fixture("resnet_mini.h5"), "--seed", "3", "--output", output] + flags)
            #expect(run.status == 0, "\(run)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: outputs[0])) == Data(contentsOf: URL(fileURLWithPath: outputs[1])))
        let verify = try ZooProcess.run(["verify", Self.fixture("resnet_mini.h5"), Self.fixture("resnet_mini.keras"), "--hdf5-in-process"])
        #expect(verify.status == 0, "\(verify)")
        let truncated = try ZooProcess.run(["analyze", Self.fixture("malformed/truncated.h5"), "--hdf5-in-process"])
        #expect(expectOneErrorLine(truncated).contains("its superblock declares 24664 (a truncated file)"))
    }

    @Test func refusalsAreOneErrorWithStatus2() throws {
        let weightsOnly = try ZooProcess.run(["analyze", Self.fixture("lenet5.weights.h5")])
        #expect(weightsOnly.status == 2, "\(weightsOnly)")
        #expect(weightsOnly.stderr.contains("architecture"), "\(weightsOnly)")
        let withArchitecture = try ZooProcess.run(["analyze", Self.fixture("lenet5.weights.h5"), "--architecture", Self.fixture("lenet5.config.json")])
        #expect(withArchitecture.status == 0, "\(withArchitecture)")
        // The manifest's note: the first half of a real configuration, cut inside a string.
        let cut = try ZooProcess.run(["analyze", Self.fixture("malformed/not_json.h5")])
        #expect(expectOneErrorLine(cut).contains("model_config must be JSON. Received: text that JSON rejects (Unexpected end of file"), "\(cut)")
        let lambda = try ZooProcess.run(["analyze", Self.fixture("malformed/lambda_keras2.h5")])
        #expect(lambda.status == 2 && lambda.stderrLines.count == 1, "\(lambda)")
        #expect(lambda.stderr.contains("Lambda") && lambda.stderr.contains("never runs"), "\(lambda)")
        let folder = try TemporaryDirectory()
        let lrn = try ZooProcess.run(["convert", "alexnet2012", folder.url.appendingPathComponent("a.keras").path, "--seed", "1"])
        #expect(lrn.status == 2 && lrn.stderr.contains("local response normalization"), "\(lrn)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty, "no partial output")
    }
}
