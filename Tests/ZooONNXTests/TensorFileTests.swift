import Foundation
import Testing
import ZooCore
import ZooONNX
import ZooTestSupport

/// Tensor files (.npy, .npz, ONNX TensorProto .pb): files written by real NumPy and onnx read
/// as fixtures/tensors/expected.json says (made by fixtures/tensors/make_tensor_fixtures.py,
/// independently of zoo), zoo's own files equal NumPy's and onnx's bytes and round-trip
/// bit-identically, and every malformed input gives one ZooError naming the file.
///
/// Set ZOO_TENSOR_OUT to a folder to keep the files `writtenFilesReadBack` writes, then check
/// them with `.venv/bin/python fixtures/tensors/check_written.py FOLDER` (numpy.load and
/// onnx.numpy_helper).
@Suite("Tensor files")
struct TensorFileTests {
    // MARK: - Fixtures

    static let fixtureFolder = Fixtures.root.appendingPathComponent("tensors")

    /// Every file in expected.json (checked by `fixtureListIsComplete`).
    static let fixtureNames = [
        "bool_3.npy", "deflated.npz", "float16_2x3.npy", "float32_3x4.npy", "float64_2x2x2.npy", "float_data.pb",
        "fortran_2x3x4.npy", "int32_2x2.npy", "int64_5.npy", "raw_data.pb", "scalar.npy", "stored.npz", "uint8_4.npy",
        "version2.npy", "version3.npy",
    ]

    struct Expected: Decodable {
        let name: String
        let shape: [Int]
        let bits: [UInt32]
    }

    static func expected() throws -> [String: [Expected]] {
        let data = try Data(contentsOf: fixtureFolder.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode([String: [Expected]].self, from: data)
    }

    static func fixture(_ name: String) -> String {
        fixtureFolder.appendingPathComponent(name).path
    }

    /// A fresh folder, removed by `body`'s end unless it is ZOO_TENSOR_OUT.
    static func withFolder<T>(keep: String? = nil, _ body: (URL) throws -> T) throws -> T {
        if let keep {
            let folder = URL(fileURLWithPath: keep)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return try body(folder)
        }
        let folder = try TemporaryDirectory()
        return try withExtendedLifetime(folder) { try body(folder.url) }
    }

    static func bits(_ tensor: Tensor) -> [UInt32] {
        (tensor.values ?? []).map(\.bitPattern)
    }

    static func check(_ tensors: [(name: String, tensor: Tensor)], against expected: [Expected], _ file: String) {
        #expect(tensors.map(\.name) == expected.map(\.name), "\(file)")
        for (read, want) in zip(tensors, expected) {
            #expect(read.tensor.shape == want.shape, "\(file): \(read.name)")
            #expect(bits(read.tensor) == want.bits, "\(file): \(read.name)")
        }
    }

    @Test func fixtureListIsComplete() throws {
        #expect(try Self.expected().keys.sorted() == Self.fixtureNames.sorted())
    }

    @Test(arguments: fixtureNames)
    func readsFilesWrittenByNumPyAndOnnx(_ file: String) throws {
        let expected = try #require(try Self.expected()[file])
        let tensors = try TensorFile.read(path: Self.fixture(file))
        Self.check(tensors, against: expected, file)
    }

    /// `<f4` data is borrowed from the mapped file; other dtypes are converted into new storage.
    @Test func float32NpyIsBorrowedOthersConverted() throws {
        let float32 = try #require(try TensorFile.read(path: Self.fixture("float32_3x4.npy")).first?.tensor.storage)
        #expect(!float32.isOwned)
        let float16 = try #require(try TensorFile.read(path: Self.fixture("float16_2x3.npy")).first?.tensor.storage)
        #expect(float16.isOwned)
    }

    // MARK: - Writing

    /// zoo writes .npy headers byte for byte as numpy.save does, and TensorProtos as
    /// onnx.numpy_helper.from_array serializes them.
    @Test(arguments: ["float32_3x4.npy", "scalar.npy", "raw_data.pb"])
    func writesTheBytesNumPyAndOnnxWrite(_ file: String) throws {
        let tensors = try TensorFile.read(path: Self.fixture(file))
        try Self.withFolder { folder in
            let path = folder.appendingPathComponent(file).path
            try TensorFile.write(tensors, to: path)
            let written = try Data(contentsOf: URL(fileURLWithPath: path))
            let reference = try Data(contentsOf: URL(fileURLWithPath: Self.fixture(file)))
            #expect(written == reference)
        }
    }

    /// Every fixture written back in its own format (as float32) reads back to the expected
    /// values; with ZOO_TENSOR_OUT set the files stay for check_written.py.
    @Test func writtenFilesReadBack() throws {
        let expected = try Self.expected()
        try Self.withFolder(keep: ProcessInfo.processInfo.environment["ZOO_TENSOR_OUT"]) { folder in
            for file in Self.fixtureNames {
                let path = folder.appendingPathComponent(file).path
                try TensorFile.write(try TensorFile.read(path: Self.fixture(file)), to: path)
                Self.check(try TensorFile.read(path: path), against: expected[file] ?? [], "written \(file)")
            }
        }
    }

    static func special() throws -> Tensor {
        let values: [Float] = [0, -0.0, .infinity, -.infinity, .nan, Float(bitPattern: 0x7FC0_1234), .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.5, -2]
        return try Tensor(shape: [2, 5], values: values)
    }

    @Test(arguments: ["t.npy", "t.pb", "t.npz"])
    func roundTripsAreBitIdentical(_ file: String) throws {
        let tensors: [(name: String, tensor: Tensor)] = [
            ("special", try Self.special()),
            ("scalar", try Tensor(shape: [], values: [3.25])),
            ("empty", try Tensor(shape: [0, 3], values: [])),
            ("rank5", try Tensor(shape: [1, 2, 1, 3, 2], values: (0..<12).map { Float($0) / 7 })),
        ]
        try Self.withFolder { folder in
            let path = folder.appendingPathComponent(file).path
            let cases = file.hasSuffix(".npz") ? [tensors] : tensors.map { [$0] }
            for written in cases {
                try TensorFile.write(written, to: path)
                let read = try TensorFile.read(path: path)
                let expectedNames = file.hasSuffix(".npy") ? ["t"] : written.map(\.name)
                #expect(read.map(\.name) == expectedNames)
                #expect(read.map(\.tensor.shape) == written.map(\.tensor.shape))
                #expect(read.map { Self.bits($0.tensor) } == written.map { Self.bits($0.tensor) })
            }
        }
    }

    @Test func npzBytesAreDeterministic() throws {
        let tensors: [(name: String, tensor: Tensor)] = [("a", try Self.special()), ("b", try Tensor(shape: [3], values: [1, 2, 3]))]
        try Self.withFolder { folder in
            let first = folder.appendingPathComponent("first.npz"), second = folder.appendingPathComponent("second.npz")
            try TensorFile.write(tensors, to: first.path)
            try TensorFile.write(tensors, to: second.path)
            #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        }
    }

    /// A tensor borrowed from a file stays valid when the file is written over: the new file
    /// is renamed into place, the old one is never written into.
    @Test func writingOverTheInputKeepsTheTensorsReadFromIt() throws {
        try Self.withFolder { folder in
            let path = folder.appendingPathComponent("w.npy").path
            try TensorFile.write([("w", try Tensor(shape: [2], values: [1, 2]))], to: path)
            let before = try #require(try TensorFile.read(path: path).first?.tensor)
            try TensorFile.write([("w", try Tensor(shape: [3], values: [7, 8, 9]))], to: path)
            #expect(before.values == [1, 2])
            #expect(try TensorFile.read(path: path).first?.tensor.values == [7, 8, 9])
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(leftovers == ["w.npy"])
        }
    }

    @Test func writeRefusesWhatTheFormatCannotHold() throws {
        let one = try Tensor(shape: [1], values: [1])
        let declared = try Tensor.declared(shape: [2])
        try Self.withFolder { folder in
            func error(_ tensors: [(name: String, tensor: Tensor)], _ file: String) -> ZooError? {
                #expect(throws: ZooError.self) { try TensorFile.write(tensors, to: folder.appendingPathComponent(file).path) }
            }
            #expect(error([("a", one)], "a.txt")?.kind == .unsupported)
            #expect(error([("a", one), ("b", one)], "a.npy")?.kind == .invalidGraph)
            #expect(error([], "a.pb")?.kind == .invalidGraph)
            #expect(error([("a", one), ("a", one)], "a.npz")?.kind == .invalidGraph)
            #expect(error([("", one)], "a.npz")?.kind == .invalidGraph)
            #expect(error([("a", declared)], "a.npy")?.kind == .invalidGraph)
            #expect(error([("a", one)], "missing/a.npy")?.kind == .io)
            #expect(error([("a", one)], "missing/a.npz")?.kind == .io)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(leftovers.isEmpty)
        }
    }

    // MARK: - Malformed input

    /// The error reading `bytes` as a file named `name`; it must name the file.
    static func readError(_ bytes: [UInt8], name: String = "bad.npy") throws -> ZooError? {
        try withFolder { folder in
            let path = folder.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: ZooError.self) { try TensorFile.read(path: path) }
            #expect(error?.file == path)
            return error
        }
    }

    /// A .npy file with `header` (padded as NumPy pads it) and `data`.
    static func npy(_ header: String, version: UInt8 = 1, data: [UInt8]) -> [UInt8] {
        var text = Array(header.utf8)
        let prefix = version == 1 ? 10 : 12
        while (prefix + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        let length = text.count
        bytes += version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)] : [UInt8(length & 0xFF), UInt8(length >> 8), 0, 0]
        return bytes + text + data
    }

    static func header(descr: String = "<f4", fortran: String = "False", shape: String) -> String {
        "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
    }

    static let twelveFloats = [UInt8](repeating: 0, count: 48)

    @Test func wellFormedHandMadeNpyReads() throws {
        try Self.withFolder { folder in
            let path = folder.appendingPathComponent("ok.npy").path
            try Data(Self.npy(Self.header(shape: "(3, 4)"), data: Self.twelveFloats)).write(to: URL(fileURLWithPath: path))
            #expect(try TensorFile.read(path: path).first?.tensor.shape == [3, 4])
            // Python 2 NumPy wrote long integers with an L; double quotes are Python too.
            try Data(Self.npy("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (3L, 4L)}", data: Self.twelveFloats))
                .write(to: URL(fileURLWithPath: path))
            #expect(try TensorFile.read(path: path).first?.tensor.shape == [3, 4])
        }
    }

    /// float32 data that does not start at a multiple of 4 (a header NumPy would have padded)
    /// is copied rather than borrowed, and reads the same.
    @Test func unalignedFloat32DataReads() throws {
        let text = Array("{'descr':'<f4','fortran_order':False,'shape':(2,)}\n".utf8)
        #expect((10 + text.count) % 4 != 0)
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.count), 0] + text
        for value: Float in [1.5, -2] { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        try Self.withFolder { folder in
            let path = folder.appendingPathComponent("odd.npy").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let tensor = try #require(try TensorFile.read(path: path).first?.tensor)
            #expect(tensor.shape == [2])
            #expect(tensor.values == [1.5, -2])
        }
    }

    /// The content decides the format: a .npy named .bin, a TensorProto without extension, an
    /// empty .npz (an archive with only its end record) named .zip.
    @Test func formatIsDecidedByContent() throws {
        try Self.withFolder { folder in
            let npy = folder.appendingPathComponent("weights.bin").path
            try FileManager.default.copyItem(atPath: Self.fixture("float32_3x4.npy"), toPath: npy)
            #expect(try TensorFile.read(path: npy).map(\.name) == ["weights"])
            let proto = folder.appendingPathComponent("input_0").path
            try FileManager.default.copyItem(atPath: Self.fixture("raw_data.pb"), toPath: proto)
            #expect(try TensorFile.read(path: proto).map(\.name) == ["input_0"])
            let empty = folder.appendingPathComponent("empty.npz").path
            try TensorFile.write([], to: empty)
            let zip = folder.appendingPathComponent("empty.zip").path
            try FileManager.default.moveItem(atPath: empty, toPath: zip)
            #expect(try TensorFile.read(path: zip).isEmpty)
        }
    }

    @Test func malformedNpyFiles() throws {
        let cases: [(String, [UInt8], ZooError.Kind, String)] = [
            ("empty file", [], .malformedFile, "empty"),
            ("bad magic", Array("NUMPY not really".utf8), .malformedFile, "magic"),
            ("magic only", [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1], .malformedFile, "version"),
            ("unknown version", Self.npy(Self.header(shape: "(3, 4)"), version: 4, data: Self.twelveFloats), .unsupported, "4.0"),
            ("truncated header", Array(Self.npy(Self.header(shape: "(3, 4)"), data: []).prefix(40)), .malformedFile, "inside the file"),
            ("unparseable dict", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4}", data: Self.twelveFloats), .malformedFile, "literal"),
            ("not a dict", Self.npy("[1, 2]", data: Self.twelveFloats), .malformedFile, "dict"),
            ("missing key", Self.npy("{'descr': '<f4', 'shape': (3, 4)}", data: Self.twelveFloats), .malformedFile, "exactly the keys"),
            ("extra key", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'x': 1}", data: Self.twelveFloats), .malformedFile, "exactly the keys"),
            ("duplicate key", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'shape': (3, 4)}", data: Self.twelveFloats), .malformedFile, "exactly the keys"),
            ("shape not a tuple", Self.npy(Self.header(shape: "(12)"), data: Self.twelveFloats), .malformedFile, "tuple"),
            ("negative dim", Self.npy(Self.header(shape: "(-3, 4)"), data: Self.twelveFloats), .malformedFile, "non-negative"),
            ("integer beyond 64 bits", Self.npy(Self.header(shape: "(99999999999999999999,)"), data: []), .malformedFile, "64 bits"),
            ("fortran_order not bool", Self.npy(Self.header(fortran: "0", shape: "(3, 4)"), data: Self.twelveFloats), .malformedFile, "True or False"),
            ("unknown dtype", Self.npy(Self.header(descr: "<c8", shape: "(3, 4)"), data: Self.twelveFloats), .unsupported, "'<c8'"),
            ("big-endian", Self.npy(Self.header(descr: ">f4", shape: "(3, 4)"), data: Self.twelveFloats), .unsupported, "big-endian"),
            ("structured dtype", Self.npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}", data: [UInt8](repeating: 0, count: 12)), .unsupported, "structured"),
            ("data too short", Self.npy(Self.header(shape: "(3, 4)"), data: [UInt8](repeating: 0, count: 44)), .malformedFile, "needs 48 bytes, the file has 44"),
            ("data too long", Self.npy(Self.header(shape: "(3, 4)"), data: [UInt8](repeating: 0, count: 52)), .malformedFile, "needs 48 bytes, the file has 52"),
            ("product overflow", Self.npy(Self.header(shape: "(4294967296, 4294967296, 16)"), data: []), .malformedFile, "64 bits"),
            ("huge shape, no data", Self.npy(Self.header(shape: "(1099511627776, 1024)"), data: Self.twelveFloats), .malformedFile, "needs 4503599627370496 bytes"),
            ("deep nesting", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 60_000) + "}", data: []), .malformedFile, "deeper"),
            ("unterminated string", Self.npy("{'descr: <f4}", data: []), .malformedFile, "unterminated"),
        ]
        for (label, bytes, kind, phrase) in cases {
            let error = try Self.readError(bytes)
            #expect(error?.kind == kind, "\(label): \(String(describing: error))")
            #expect(error?.message.contains(phrase) == true, "\(label): \(String(describing: error))")
        }
    }

    // MARK: - Malformed .npz

    static func npzBytes(_ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(file))))
    }

    /// `bytes` with the little-endian UInt32 at `offset` set to `value`.
    static func patch(_ bytes: [UInt8], at offset: Int, _ value: UInt32) -> [UInt8] {
        var copy = bytes
        for byte in 0..<4 { copy[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(byte))) }
        return copy
    }

    /// The offset of the first central directory header (`PK\x01\x02`).
    static func centralDirectory(_ bytes: [UInt8]) throws -> Int {
        try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)] == [0x50, 0x4B, 0x01, 0x02] })
    }

    @Test func malformedNpzFiles() throws {
        let deflated = try Self.npzBytes("deflated.npz"), stored = try Self.npzBytes("stored.npz")
        let deflatedCD = try Self.centralDirectory(deflated), storedCD = try Self.centralDirectory(stored)
        // Central directory header: compressed size at +20, uncompressed size at +24.
        var flipped = stored
        flipped[200] ^= 0x01  // a data byte of the first entry: the CRC no longer matches
        let cases: [(String, [UInt8], ZooError.Kind, String)] = [
            ("truncated archive", Array(deflated.prefix(deflated.count / 2)), .malformedFile, "zip archive"),
            ("bad zip", [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 7, count: 60), .malformedFile, "zip archive"),
            ("deflated entry yields more than declared", Self.patch(deflated, at: deflatedCD + 24, 100), .malformedFile, "yields more"),
            ("deflated entry yields less than declared", Self.patch(deflated, at: deflatedCD + 24, 1000), .malformedFile, "yields 328"),
            ("deflate ratio impossible", Self.patch(deflated, at: deflatedCD + 24, 0xFFFF_FFF0), .malformedFile, "1032 times"),
            (
                "stored entry larger than the file",
                Self.patch(Self.patch(stored, at: storedCD + 20, 0xFFFF_FFF0), at: storedCD + 24, 0xFFFF_FFF0), .malformedFile, "side by side"
            ),
            ("stored sizes disagree", Self.patch(stored, at: storedCD + 24, 170), .malformedFile, "stored zip entry"),
            ("CRC mismatch", flipped, .malformedFile, "CRC-32"),
        ]
        for (label, bytes, kind, phrase) in cases {
            let error = try Self.readError(bytes, name: "bad.npz")
            #expect(error?.kind == kind, "\(label): \(String(describing: error))")
            #expect(error?.message.contains(phrase) == true, "\(label): \(String(describing: error))")
        }
    }

    @Test func npzEntriesMustBeNpyArrays() throws {
        try Self.withFolder { folder in
            // An .npz written by zoo, renamed inside: patch "a.npy" to "a.txt" in both headers.
            let path = folder.appendingPathComponent("x.npz").path
            try TensorFile.write([("a", try Tensor(shape: [1], values: [1]))], to: path)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            for start in 0..<(bytes.count - 5) where bytes[start..<(start + 5)] == Array("a.npy".utf8)[...] {
                bytes.replaceSubrange(start..<(start + 5), with: Array("a.txt".utf8))
            }
            let error = try Self.readError(bytes, name: "bad.npz")
            #expect(error?.kind == .malformedFile)
            #expect(error?.message.contains("'a.txt'") == true)
        }
    }

    /// A malformed .npy inside an .npz names the entry as the error's layer.
    @Test func malformedEntryInsideNpzNamesTheEntry() throws {
        try Self.withFolder { folder in
            let path = folder.appendingPathComponent("x.npz").path
            try TensorFile.write([("weights", try Tensor(shape: [2], values: [1, 2]))], to: path)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            // The entry's data starts right after its local header; break its magic, and the CRC.
            let magic = try #require((0..<(bytes.count - 6)).first { bytes[$0..<($0 + 6)] == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] })
            bytes[magic + 1] = 0x4F
            let error = try Self.readError(bytes, name: "bad.npz")
            #expect(error?.kind == .malformedFile)
            #expect(error?.layer == "weights")
        }
    }

    // MARK: - Malformed .pb and unreadable files

    @Test func malformedTensorProtos() throws {
        // Field 1 (dims) = 2, field 2 (data_type) = 1 (FLOAT), raw_data (field 9) of 4 bytes.
        let shortRaw: [UInt8] = [0x08, 0x02, 0x10, 0x01, 0x4A, 0x04, 0, 0, 0x80, 0x3F]
        // dims 2, data_type 8 (STRING).
        let strings: [UInt8] = [0x08, 0x02, 0x10, 0x08]
        // dims = 2^62 twice: the element count overflows.
        let overflow: [UInt8] = [0x08] + Self.varint(1 << 62) + [0x08] + Self.varint(1 << 62) + [0x10, 0x01]
        let cases: [(String, [UInt8], ZooError.Kind, String)] = [
            ("undefined wire type", [0x0F, 0x01, 0x02], .malformedFile, "TensorProto"),
            ("truncated field", [0x4A, 0x64, 0x00], .malformedFile, "TensorProto"),
            ("raw_data length", shortRaw, .malformedFile, "raw_data"),
            ("string tensor", strings, .unsupported, "data_type 8"),
            ("element count overflow", overflow, .malformedFile, "element count"),
        ]
        for (label, bytes, kind, phrase) in cases {
            let error = try Self.readError(bytes, name: "bad.pb")
            #expect(error?.kind == kind, "\(label): \(String(describing: error))")
            #expect(error?.message.contains(phrase) == true, "\(label): \(String(describing: error))")
        }
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = [], rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        return bytes + [UInt8(rest)]
    }

    @Test func unreadablePathsAreIOErrors() throws {
        try Self.withFolder { folder in
            let missing = folder.appendingPathComponent("missing.npy").path
            let error = #expect(throws: ZooError.self) { try TensorFile.read(path: missing) }
            #expect(error?.kind == .io)
            #expect(error?.file == missing)
            let directory = #expect(throws: ZooError.self) { try TensorFile.read(path: folder.path) }
            #expect(directory?.kind == .io)
        }
    }
}
