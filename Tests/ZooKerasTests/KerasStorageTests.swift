import Foundation
import Testing
import ZooArchive
import ZooCore
import ZooKeras
import ZooTestSupport

/// How a Keras file's weights reach the IR: float32 datasets stored contiguously and 4-byte
/// aligned are borrowed where they lie in the mapped file (or in the mapped `.keras` archive),
/// never copied; conv kernels, which change layout, and everything else are read into memory of
/// their own. The values are checked against Keras's outputs by the fixture tests; these tests
/// check which way each weight came.
@Suite("Keras weight storage")
struct KerasStorageTests {
    /// Every weight of `file`'s model by layer and name, with whether its elements are owned.
    static func ownership(_ file: String) throws -> [String: Bool] {
        let model = try KerasReader.load(path: KerasWeightMappingTests.fixture(file))
        var owned: [String: Bool] = [:]
        for layer in model.graph.layers {
            for weight in layer.op.weights {
                owned["\(layer.name)/\(weight.name)"] = weight.tensor.storage?.isOwned
            }
        }
        return owned
    }

    /// vgg_mini.h5: its Dense kernels and biases and its conv biases are borrowed from the mapped
    /// file; its conv kernels (HWIO -> OIHW) are owned copies.
    @Test func alignedFloat32DatasetsAreBorrowed() throws {
        let owned = try Self.ownership("vgg_mini.h5")
        #expect(owned["fc1/weight"] == false && owned["fc1/bias"] == false && owned["predictions/weight"] == false)
        #expect(owned["block1_conv1/bias"] == false)
        #expect(owned["block1_conv1/kernel"] == true && owned["block2_conv2/kernel"] == true)
    }

    /// vgg_mini.keras (Keras wrote its weights entry at byte 7,193, 1 mod 4) and a copy whose
    /// entry gets an extra field: no float32 dataset is 4-byte aligned where it lies, so every
    /// weight is read into memory of its own.
    @Test(arguments: ["vgg_mini.keras", "storage/vgg_mini_misaligned.keras"])
    func misalignedEntriesAreRead(_ file: String) throws {
        let owned = try Self.ownership(file)
        #expect(!owned.isEmpty && owned.values.allSatisfy { $0 })
    }

    /// A deflated weights entry is inflated once into memory of its own, from which the float32
    /// datasets are then borrowed rather than copied again.
    @Test func deflatedEntriesAreInflatedOnce() throws {
        let owned = try Self.ownership("storage/vgg_mini_deflated.keras")
        #expect(owned["fc1/weight"] == false && owned["block1_conv1/bias"] == false)
        #expect(owned["block1_conv1/kernel"] == true)
    }

    /// The rewritten `.h5` behind a 512-byte user block: aligned float32 datasets are borrowed
    /// at their absolute offsets (their values reach Keras's outputs in the fixture tests), the
    /// chunked gzip kernel and the float64 bias are read.
    @Test func userBlockChunkedAndFloat64() throws {
        let owned = try Self.ownership("storage/vgg_mini_storage.h5")
        #expect(owned["fc1/weight"] == true)
        #expect(owned["block1_conv1/bias"] == true)
        #expect(owned["predictions/weight"] == false && owned["fc1/bias"] == false && owned["block2_conv2/bias"] == false)
    }
}

/// The zip CRC-32 that checks a `.keras` weights entry, computed in 32 MiB pieces on all cores
/// and joined: it must equal one pass. Expected values from Python's `zlib.crc32`:
/// `n = 70 * 2**20 + 123; k = np.arange(n, dtype=np.uint64)`,
/// `zlib.crc32((((k * 31 + (k >> 8)) & 0xFF).astype(np.uint8)).tobytes())` and
/// `zlib.crc32(b"123456789")` (the CRC-32 check value).
@Suite("zip CRC-32")
struct ZipChecksumTests {
    @Test func piecesJoinedEqualOnePass() {
        let count = 70 * (1 << 20) + 123
        let bytes = (0..<count).map { k in UInt8(truncatingIfNeeded: k &* 31 &+ (k >> 8)) }
        #expect(bytes.withUnsafeBytes { ZipEntries.crc32($0) } == 0x1D06_3D2E)
        #expect(Array("123456789".utf8).withUnsafeBytes { ZipEntries.crc32($0) } == 0xCBF4_3926)
    }
}

/// A `.keras` that zoo writes puts its weights entry's data at a multiple of 64 bytes, so zoo
/// reads its float32 datasets in place.
@Suite("zoo-written .keras weights in place")
struct KerasWrittenArchiveStorageTests {
    @Test func zooWrittenArchivesAreReadInPlace() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("vgg_mini.keras")
        try KerasWriter.write(try KerasReader.load(path: KerasWeightMappingTests.fixture("vgg_mini.h5")), to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let entry = try bytes.withUnsafeBytes { try ZipStoredEntry.locate("model.weights.h5", in: $0) }
        #expect(entry.map { $0.range.lowerBound % 64 } == 0)
        let model = try KerasReader.load(path: path)
        let dense = model.graph.layers.first { $0.name == "fc1" }?.op.weights.first { $0.name == "weight" }
        #expect(dense?.tensor.storage?.isOwned == false)
    }
}
