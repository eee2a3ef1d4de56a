import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// The slice, split, gather, expand and range fixtures end to end: zoo's outputs against
/// onnxruntime's, and the files zoo writes of them computing the same.
@Suite("Slice, split, gather, expand fixtures end to end")
struct SliceGatherFixtureCommandTests {
    static let names = [
        "split13_head", "split18_variants", "split11_variants", "slice13_steps", "slice9_attrs", "gather13_variants", "expand13_bias",
        "range11_fold", "range11_empty", "shape15_size",
    ]

    @Test("zoo verify passes against onnxruntime's outputs", arguments: names)
    func verifiesAgainstOnnxruntime(_ name: String) throws {
        let result = try ZooProcess.run(["verify", Fixtures.path("onnx/\(name).onnx"), "--reference", Fixtures.path("onnx/\(name)")])
        #expect(result.status == 0, "\(result)")
    }

    @Test("converted to ONNX at opset 13 and 18, the file computes what the original does", arguments: ["split13_head", "slice13_steps", "gather13_variants", "expand13_bias"])
    func convertedFileComputesTheSame(_ name: String) throws {
        let folder = try TemporaryDirectory()
        for opset in ["13", "18"] {
            let output = folder.path("\(name)_\(opset).onnx")
            let result = try ZooProcess.run(["convert", Fixtures.path("onnx/\(name).onnx"), output, "--opset", opset, "--verify"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("verified: every compared value is within the tolerance"), "\(result)")
        }
    }

    @Test("a bad slice, split, gather, expand or range gives one error and status 2", arguments: [
        ("slice_step_zero", "steps must not be 0"), ("split_sizes_sum", "summing to the axis size"),
        ("split_num_outputs", "num_outputs 4"), ("gather_out_of_range", "index 4 for axis 1 of size 4"),
        ("expand_incompatible", "(2 vs 3)"), ("range_delta_zero", "delta must not be 0"), ("range_huge", "1099511627776 elements"),
    ])
    func badInputIsRefused(_ name: String, _ phrase: String) throws {
        let result = try ZooProcess.run(["analyze", Fixtures.path("onnx/malformed/\(name).onnx")])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains(phrase), "\(result)")
    }
}
