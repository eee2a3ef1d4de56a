import Testing
import ZooCore
import ZooONNX

@Suite("ONNX op table")
struct ONNXOpTableTests {
    @Test("every kind of Op.allKinds has exactly one ONNX row, and every row is of a listed kind")
    func oneRowPerKind() {
        for kind in Op.allKinds {
            #expect(ONNXOpTable.rows.filter { $0.kind == kind }.count == 1, "no single ONNX row for \(kind.info.name)")
        }
        for row in ONNXOpTable.rows {
            #expect(Op.allKinds.contains { $0 == row.kind }, "ONNX row of \(row.kind.info.name), which Op.allKinds does not list")
        }
    }

    @Test("node types are read within the reader's opsets, each by one op kind")
    func nodeTypesWithinReaderOpsets() {
        var seen: [String: String] = [:]
        for row in ONNXOpTable.rows {
            #expect(!row.writes.isEmpty)
            for type in row.reads {
                #expect(ONNXReader.opsets.contains(type.opsets.lowerBound) && ONNXReader.opsets.contains(type.opsets.upperBound), "\(type.opType) \(type.opsets)")
                #expect(seen.updateValue(row.kind.info.name, forKey: type.opType) == nil, "\(type.opType) is read by two rows")
            }
        }
    }

    @Test("the reads text names each node type with its opsets, then the notes")
    func readsText() throws {
        let hardSwish = try #require(ONNXOpTable.row(for: HardSwish.self))
        #expect(hardSwish.readsText == "HardSwish 14-25")
        let add = try #require(ONNXOpTable.row(for: Add.self))
        #expect(add.readsText == "Add 7-25, Sum 7-25")
        let maxPool = try #require(ONNXOpTable.row(for: MaxPool.self))
        #expect(maxPool.readsText == "MaxPool 7-25 (ceil_mode, dilations from 10)")
    }
}
