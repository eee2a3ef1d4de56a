import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// `zoo run`, `zoo verify` and `zoo convert --verify` end to end, against reference outputs that
/// onnxruntime computed when the fixtures were made (fixtures/onnx/NAME/test_data_set_0).
@Suite("zoo run and zoo verify")
struct RunVerifyCommandTests {
    static func fixture(_ path: String) -> String { Fixtures.path(path) }

    /// The tensor in a `.npy` or `.pb` file.
    static func tensor(_ path: String) throws -> Tensor {
        try #require(try TensorFile.read(path: path).first?.tensor)
    }

    @Test func runWritesTheOutputOnnxruntimeComputed() throws {
        let folder = try TemporaryDirectory()
        let output = folder.url.appendingPathComponent("y.npy").path
        let result = try ZooProcess.run([
            "run", Self.fixture("onnx/resnet_mini.onnx"), "--input", Self.fixture("onnx/resnet_mini/test_data_set_0/input_0.pb"), "--output", output,
        ])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("peak live values:"), "\(result)")
        let expected = try Self.tensor(Self.fixture("onnx/resnet_mini/test_data_set_0/output_0.pb"))
        expectClose(try Self.tensor(output), expected)
    }

    @Test func runResultsDoNotDependOnTheThreadCount() throws {
        let folder = try TemporaryDirectory()
        var outputs: [Tensor] = []
        for threads in ["1", "2"] {
            let path = folder.url.appendingPathComponent("y\(threads).npy").path
            let result = try ZooProcess.run(["run", "googlenet", "--seed", "3", "--threads", threads, "--output", path])
            #expect(result.status == 0, "\(result)")
            outputs.append(try Self.tensor(path))
        }
        #expect(outputs[0] == outputs[1], "bit-identical outputs with 1 and 2 threads")
    }

    @Test func repeatPrintsTheLatencyLikeOnnxruntimePerfTest() throws {
        let result = try ZooProcess.run(["run", "lenet5", "--seed", "1", "--repeat", "3", "--profile"])
        #expect(result.status == 0, "\(result)")
        let pattern = /latency: median [0-9.]+ ms, min [0-9.]+ ms over 3 runs \(first run [0-9.]+ ms\)/
        #expect(result.stderrLines.contains { $0.wholeMatch(of: pattern) != nil }, "\(result)")
        #expect(result.stderr.contains("slowest steps"), "\(result)")
        #expect(result.stderrLines.contains { $0.hasPrefix("load: read ") && $0.contains(" ms, prepare ") }, "\(result)")
        // conv1: 6 filters of 5x5 over the 1 x 32 x 32 input, 6 x 28 x 28 outputs of 25 MACs:
        // 2 x 117,600 FLOPs plus one bias add per output (4,704), through the packed-filter gemm.
        let conv1 = result.stderrLines.first { $0.hasPrefix("conv1/") }?.split(separator: " ").map(String.init) ?? []
        #expect(conv1.count == 6 && conv1[2] == "gemm" && conv1[3] == "239904", "\(result)")
        // fc1 (400 -> 120) on one sample is a matrix-vector product: 2 x 48,000 + 120.
        let fc1 = result.stderrLines.first { $0.hasPrefix("fc1/") }?.split(separator: " ").map(String.init) ?? []
        #expect(fc1.suffix(3).first == "96120", "\(result)")
        // LeNet-5 runs 8 steps once its sigmoids are fused (conv1, pool1, conv2, pool2, flatten,
        // fc1, fc2, fc3): --profile-steps 0 lists each once, 3 lists three.
        func listed(_ steps: String) throws -> [String] {
            let run = try ZooProcess.run(["run", "lenet5", "--seed", "1", "--repeat", "2", "--profile", "--profile-steps", steps])
            #expect(run.status == 0, "\(run)")
            let lines = run.stderrLines.drop { !$0.hasPrefix("slowest steps") }.dropFirst(2)
            return Array(lines.filter { !$0.isEmpty })
        }
        #expect(try listed("3").count == 3)
        let every = try listed("0")
        #expect(every.count == Set(every.map { $0.split(separator: " ").first ?? "" }).count && every.count == 8, "\(every)")
        #expect(try ZooProcess.run(["run", "lenet5", "--repeat", "2", "--profile", "--profile-steps", "-1"]).status == 2)
    }

    @Test func dumpLayersWritesEveryValueWithFileSafeNames() throws {
        let folder = try TemporaryDirectory()
        let dump = folder.url.appendingPathComponent("layers").path
        let result = try ZooProcess.run(["run", Self.fixture("onnx/tf_lenet_opset13.onnx"), "--dump-layers", dump])
        #expect(result.status == 0, "\(result)")
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dump + "/index.json")))
        let values = try #require((index as? [String: Any])?["values"] as? [[String: Any]])
        let names = values.compactMap { $0["name"] as? String }
        let files = values.compactMap { $0["file"] as? String }
        // The input, then one value per layer of the imported graph (zoo analyze lists them).
        let analyzed = try ZooProcess.run(["analyze", Self.fixture("onnx/tf_lenet_opset13.onnx"), "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(analyzed.stdout.utf8)) as? [String: Any])
        let layers = try #require(report["layers"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(names == ["input"] + layers)
        #expect(Set(files).count == files.count)
        for file in files {
            #expect(file.allSatisfy { $0.isLetter || $0.isNumber || "._-~".contains($0) }, "\(file)")
            #expect(FileManager.default.fileExists(atPath: dump + "/" + file), "\(file)")
        }
        // tf2onnx names such as "tf_lenet_1/conv1_1/BiasAdd:0" lose their '/' and ':'.
        #expect(files.contains("tf_lenet_1_conv1_1_BiasAdd_0.npy"), "\(files)")
    }

    @Test func verifyAgainstStoredOutputs() throws {
        for name in ["lenet5", "googlenet_mini", "mobilenetv2_mini", "tf_resnet_block_opset13"] {
            let result = try ZooProcess.run(["verify", Self.fixture("onnx/\(name).onnx"), "--reference", Self.fixture("onnx/\(name)")])
            #expect(result.status == 0, "\(name): \(result)")
            #expect(result.stdout.contains("verified: every compared value is within the tolerance"), "\(name): \(result)")
        }
    }

    /// Keras's default batch-norm epsilon is 1e-3, PyTorch's 1e-5: a converter that drops the
    /// attribute changes one layer. Two specs that differ only there get the same random weights
    /// (they depend on the seed and the layer and weight names), so every layer before
    /// `layer2.0.bn2` agrees and that one is the first to diverge.
    @Test func verifyNamesTheFirstDivergingLayer() throws {
        let folder = try TemporaryDirectory()
        let original = try String(contentsOfFile: Self.fixture("specs/resnet_mini.yaml"), encoding: .utf8)
        let reference = try folder.write(original, to: "reference.yaml")
        // Only basic_down's bn2 (the block of layer2.0) gets Keras's epsilon; basic's, before it, keeps PyTorch's.
        let block = try #require(original.range(of: "  basic_down:\n"), "the spec defines basic_down")
        let bn2 = try #require(original.range(of: "- bn2: {op: batchnorm}", range: block.upperBound..<original.endIndex))
        let blocks = original.replacingCharacters(in: bn2, with: "- bn2: {op: batchnorm, epsilon: 0.001}")
        let candidate = try folder.write(blocks, to: "candidate.yaml")
        let result = try ZooProcess.run(["verify", reference, candidate, "--seed", "5"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("the first value outside the tolerance is 'layer2.0.bn2' (batchnorm)"), "\(result)")
        // The layers before it pass.
        let conv2 = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("layer2.0.conv2 ") })
        #expect(conv2.hasSuffix("ok"), "\(conv2)")
    }

    @Test func convertVerifyChecksTheWrittenFile() throws {
        let folder = try TemporaryDirectory()
        let output = folder.url.appendingPathComponent("mobilenetv2.onnx").path
        let result = try ZooProcess.run(["convert", "mobilenetv2", output, "--seed", "2", "--verify"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("verified: every compared value is within the tolerance"), "\(result)")
    }

    @Test func badInputsGetOneErrorAndStatus2() throws {
        let folder = try TemporaryDirectory()
        let model = Self.fixture("onnx/lenet5.onnx")
        let wrongShape = try ZooProcess.run(["run", model, "--input", Self.fixture("onnx/resnet_mini/test_data_set_0/input_0.pb")])
        #expect(wrongShape.status == 2, "\(wrongShape)")
        #expect(wrongShape.stderrLines.count == 1 && wrongShape.stderr.contains("fixed size"), "\(wrongShape)")
        let noReference = try ZooProcess.run(["verify", model, "--reference", folder.url.path])
        #expect(noReference.status == 2, "\(noReference)")
        #expect(noReference.stderr.contains("test_data_set_N"), "\(noReference)")
        // 10 million 224x224 images: refused before anything is allocated, on any machine.
        let huge = try ZooProcess.run(["run", "resnet18", "--seed", "1", "--input-shape", "input=10000000,3,224,224"])
        #expect(huge.status == 2 && !huge.signaled, "\(huge)")
        #expect(huge.stderr.contains("must fit in the machine's memory"), "\(huge)")
        let twoOutputsToNpy = try ZooProcess.run(["run", Self.fixture("onnx/nhwc_transpose.onnx"), "--output", folder.url.appendingPathComponent("y.npy").path])
        #expect(twoOutputsToNpy.status == 2, "\(twoOutputsToNpy)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty, "no output may be written")
        // Values a command's validate() refuses are usage errors too (argument-parser wraps them).
        for arguments in [["run", "lenet5", "--repeat", "0"], ["convert", "lenet5", folder.url.appendingPathComponent("l.onnx").path, "--verify", "--rtol=-1"]] {
            let refused = try ZooProcess.run(arguments)
            #expect(refused.status == 2 && refused.stderrLines.count == 1, "\(refused)")
        }
        // An empty zip (its 22-byte end record alone) named like a tensor file holds no tensor.
        let empty = try folder.write(Data([0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)), to: "empty.pb")
        for input in [empty, "input=\(empty)"] {
            let result = try ZooProcess.run(["run", "lenet5", "--seed", "1", "--input", input])
            #expect(result.status == 2 && !result.signaled && result.stderrLines.count == 1, "\(result)")
        }
    }
}
