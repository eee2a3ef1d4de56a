import Foundation
import Testing
import ZooCore
@_spi(Fuzzing) import ZooKeras
import ZooTestSupport

/// The inputs `make fuzz-keras-snapshot` found (`fuzz/findings/keras-snapshot-*`: a 4-byte
/// little-endian length n, an n-byte `.h5` image, then the messages a sandboxed child sent for
/// it), replayed through the parent's side of a sandboxed read: each must end in one `ZooError`,
/// where it once trapped.
@Suite("Snapshot fuzzer findings")
struct KerasSnapshotFindingTests {
    static let folder = Fixtures.packageRoot.appendingPathComponent("fuzz/findings")

    static func findings() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("keras-snapshot-") }.sorted()
    }

    /// The image and the stream of a finding, replayed.
    static func replay(_ name: String) throws -> Model {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return try data.withUnsafeBytes { bytes in
            try #require(bytes.count >= 4, "\(name) holds its image's length")
            let length = Int(bytes.loadUnaligned(as: UInt32.self).littleEndian)
            try #require(length <= bytes.count - 4, "\(name): an image of \(length) bytes in \(bytes.count)")
            return try HDF5SnapshotFuzzing.model(
                image: UnsafeRawBufferPointer(rebasing: bytes[4..<(4 + length)]),
                stream: UnsafeRawBufferPointer(rebasing: bytes[(4 + length)...]), name: name)
        }
    }

    @Test("every kept finding ends in one ZooError")
    func findingsAreRefused() throws {
        let names = try Self.findings()
        #expect(!names.isEmpty, "fuzz/findings holds the snapshot fuzzer's inputs")
        for name in names {
            #expect(throws: ZooError.self, "\(name)") { _ = try Self.replay(name) }
        }
    }

    /// The first finding: a LayerNormalization whose `axis` lies past the rank of its rank-4
    /// input (Keras itself refuses such an axis when it builds the layer).
    @Test("a LayerNormalization axis at or past the rank is refused by name")
    func layerNormAxisPastRank() throws {
        let error = #expect(throws: ZooError.self) { _ = try Self.replay("keras-snapshot-layernorm-axis-past-rank") }
        #expect(error?.kind == .unsupported && error?.message.contains("LayerNormalization imports over the last axes") == true, "\(String(describing: error))")
        // The same rule on a real model's configuration: norms_mini's first layer norm (input
        // [N, 8, 8, 6], rank 4) given axis 4, 5, -5 or the batch axis 0.
        for axis in ["[4]", "[5]", "[-5]", "[0]"] {
            let edited = #expect(throws: ZooError.self, "axis \(axis)") {
                _ = try KerasApplicationsLayersTests.loadEdited("norms_mini") {
                    $0.replacingOccurrences(of: "\"axis\": [-1], \"epsilon\": 0.001, \"center\": true", with: "\"axis\": \(axis), \"epsilon\": 0.001, \"center\": true")
                }
            }
            #expect(edited?.kind == .unsupported && edited?.layer == "layer_norm", "axis \(axis): \(String(describing: edited))")
            #expect(edited?.message.contains("axis \(axis) of a rank-4 tensor in 'layer_norm'") == true, "\(edited?.message ?? "")")
        }
    }
}
