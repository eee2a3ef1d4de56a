import Testing
import ZooCore
import ZooKeras

@Suite("Keras op table")
struct KerasOpTableTests {
    @Test("every kind of Op.allKinds has exactly one Keras row, and every row is of a listed kind")
    func oneRowPerKind() {
        for kind in Op.allKinds {
            #expect(KerasOpTable.rows.filter { $0.kind == kind }.count == 1, "no single Keras row for \(kind.info.name)")
        }
        for row in KerasOpTable.rows {
            #expect(Op.allKinds.contains { $0 == row.kind }, "Keras row of \(row.kind.info.name), which Op.allKinds does not list")
            #expect(!row.writes.isEmpty)
        }
    }

    @Test("each activation name imports as one op kind; the class list holds InputLayer and no code class")
    func activationsAndClasses() {
        #expect(Set(KerasOpTable.activations).count == KerasOpTable.activations.count, "\(KerasOpTable.activations)")
        #expect(KerasOpTable.classes.contains("InputLayer"))
        #expect(KerasOpTable.classes.isDisjoint(with: ["Lambda", "TFOpLambda", "SlicingOpLambda"]))
    }
}
