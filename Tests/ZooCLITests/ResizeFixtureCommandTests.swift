import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// The Resize, Upsample and Tile fixtures end to end: zoo's outputs against onnxruntime's (the
/// exporters' spellings from Upsample-7 to Resize-19, a tf2onnx export of Keras's upsampling
/// layers, a PyTorch-style YOLO head and U-Net), the files zoo writes of them computing the
/// same at several opsets, and one clear error for each broken node.
@Suite("Resize and Upsample fixtures end to end")
struct ResizeFixtureCommandTests {
    static let names = [
        "resize_pytorch_variants", "resize_sizes_variants", "resize11_roi", "resize10_nearest", "upsample9_scales", "upsample7_attr",
        "resize18_axes", "resize19_symmetric", "tf_upsampling_opset13", "yolo_head_mini", "unet_mini",
    ]

    @Test("zoo verify passes against onnxruntime's outputs", arguments: names)
    func verifiesAgainstOnnxruntime(_ name: String) throws {
        let result = try ZooProcess.run(["verify", Fixtures.path("onnx/\(name).onnx"), "--reference", Fixtures.path("onnx/\(name)")])
        #expect(result.status == 0, "\(result)")
    }

    @Test("converted to ONNX, the file computes what the original does", arguments: [
        ("resize_pytorch_variants", "11"), ("resize_pytorch_variants", "13"), ("resize_sizes_variants", "11"), ("resize11_roi", "13"),
        ("resize10_nearest", "13"), ("upsample7_attr", "13"), ("resize18_axes", "18"), ("resize19_symmetric", "19"), ("unet_mini", "17"),
        ("yolo_head_mini", "17"), ("tf_upsampling_opset13", "13"),
    ])
    func convertedFileComputesTheSame(_ name: String, _ opset: String) throws {
        let folder = try TemporaryDirectory()
        let output = folder.path("\(name)_\(opset).onnx")
        let result = try ZooProcess.run(["convert", Fixtures.path("onnx/\(name).onnx"), output, "--opset", opset, "--verify"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("verified: every compared value is within the tolerance"), "\(result)")
    }

    @Test("what an older opset cannot state is refused by name, nothing written")
    func olderOpsetsRefuse() throws {
        let folder = try TemporaryDirectory()
        for (name, opset, phrase) in [
            ("resize18_axes", "13", "antialias comes with Resize-18"), ("resize19_symmetric", "18", "half_pixel_symmetric coordinates come with Resize-19"),
        ] {
            let output = folder.path("\(name).onnx")
            let result = try ZooProcess.run(["convert", Fixtures.path("onnx/\(name).onnx"), output, "--opset", opset])
            #expect(result.status == 2 && result.stderr.contains(phrase), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test("a bad resize or upsample gives one error and status 2", arguments: [
        ("malformed/resize_scale_zero", "scales must be finite and above 0"), ("malformed/resize_scale_negative", "[1.0, 1.0, -2.0, 2.0]"),
        ("malformed/resize_scales_and_sizes", "scales or sizes, not both"), ("malformed/resize_sizes_huge", "must fit in a 64-bit integer"),
        ("malformed/resize_mode_area", "Received: 'area'"), ("malformed/resize_antialias_nearest", "antialias applies to linear and cubic"),
        ("malformed/resize_scales_rank", "3 for a rank-4 input"), ("malformed/upsample_scale_below_one", "Upsample scales must be at least 1"),
        ("malformed/resize_axes_count", "one size per listed axis. Received: sizes [5, 6], axes [2]"), ("resize_runtime_scales", "must be a constant"),
    ])
    func badInputIsRefused(_ name: String, _ phrase: String) throws {
        let result = try ZooProcess.run(["analyze", Fixtures.path("onnx/\(name).onnx")])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderrLines.count == 1 && result.stderr.contains(phrase), "\(result)")
    }

    @Test("zoo explain states a resize's sizes, coordinates and taps, and why its field is global")
    func explainsAResize() throws {
        let result = try ZooProcess.run(["explain", Fixtures.path("onnx/resize_pytorch_variants.onnx"), "interpolate_bilinear"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("pytorch_half_pixel: x_in = (x + 1/2) / scale - 1/2"), "\(result)")
        #expect(result.stdout.contains("H: 4 -> 8, scale 2.0, 2 taps per output"), "\(result)")
        #expect(result.stdout.contains("not representable: upsampling"), "\(result)")
    }

    @Test("to Keras: PyTorch's nearest and bilinear upsampling become UpSampling2D, its bicubic (a = -0.75) is refused by name")
    func kerasTargets() throws {
        let folder = try TemporaryDirectory()
        let output = folder.path("variants.keras")
        let result = try ZooProcess.run(["convert", Fixtures.path("onnx/resize_pytorch_variants.onnx"), output])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("layer 'interpolate_bicubic'") && result.stderr.contains("(cubic, pytorch_half_pixel coordinates)"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
