import Testing
import ZooCore

/// Slice, gather and expand: shapes, costs and field steps computed by hand, the receptive
/// fields they lead to, and the errors for bad attributes.
@Suite("Slice, Gather, Expand")
struct SliceGatherExpandTests {
    static let cases: [MovementCase] = [
        // H 1:INT64_MAX:2 of 7 = 1, 3, 5 (3); W 5 down past 0 (6), reversed.
        MovementCase(label: "slice H 1::2, W ::-1", op: .slice(Slice(starts: [1, -1], ends: [Int.max, Int.min], axes: [2, 3], steps: [2, -1])),
                     inputs: [["N", 3, 7, 6]], output: ["N", 3, 3, 6],
                     step: .slice(windows: [WindowAxis(axis: 2, kernel: 1, stride: 2, padBegin: -1)], reversed: [3])),
        // channels 2:1000 of 5 clamp to 2:5 (3), stride 1 from 2.
        MovementCase(label: "slice channels, end clamped", op: .slice(Slice(starts: [2], ends: [1000], axes: [1])), inputs: [[1, 5, 4, 4]],
                     output: [1, 3, 4, 4], step: .slice(windows: [WindowAxis(axis: 1, kernel: 1, stride: 1, padBegin: -2)], reversed: [])),
        // start 10 clamps to 4 of 4: empty; one element backwards from -2 = 2 is a window at 2.
        MovementCase(label: "slice empty and one element backwards", op: .slice(Slice(starts: [10, -2], ends: [20, 1], axes: [0, 1], steps: [1, -5])),
                     inputs: [[4, 4]], output: [0, 1],
                     step: .slice(windows: [WindowAxis(axis: 0, kernel: 1, stride: 1, padBegin: -4), WindowAxis(axis: 1, kernel: 1, stride: 1, padBegin: -2)],
                                  reversed: [])),
        // the whole symbolic batch (0 to INT64_MAX) keeps its symbol and takes no window.
        MovementCase(label: "slice keeps a whole symbolic batch", op: .slice(Slice(starts: [0, 1], ends: [Int.max, 3], axes: [0, 1])),
                     inputs: [["N", 4]], output: ["N", 2], step: .slice(windows: [WindowAxis(axis: 1, kernel: 1, stride: 1, padBegin: -1)], reversed: [])),
        // a scalar index drops axis 1; indices [2, 3] insert [2, 3] at axis 2.
        MovementCase(label: "gather scalar on channels", op: .gather(Gather(axis: 1, indices: [3], indicesShape: [])), inputs: [["N", 4, 5, 5]],
                     output: ["N", 5, 5], step: .gather(axis: 1, indexRank: 0)),
        MovementCase(label: "gather [2, 3] indices on axis -2", op: .gather(Gather(axis: -2, indices: [0, 1, 2, -1, -2, -3], indicesShape: [2, 3])),
                     inputs: [[2, 3, 4]], output: [2, 2, 3, 4], step: .gather(axis: 1, indexRank: 2)),
        // broadcast both ways: [N, 1, 5] with [3, 1, 1, 1] -> [3, N, 1, 5].
        MovementCase(label: "expand both ways", op: .expand(Expand(shape: [3, 1, 1, 1])), inputs: [["N", 1, 5]], output: [3, "N", 1, 5],
                     step: .elementwise),
        MovementCase(label: "expand a bias to channels", op: .expand(Expand(shape: [1, 8, 1, 1])), inputs: [[1, 1, 4, 4]], output: [1, 8, 4, 4],
                     step: .elementwise),
    ]

    @Test("shape and field step, no FLOPs, no weights", arguments: cases)
    func movement(_ c: MovementCase) throws {
        let (output, cost, step) = try OpTestKit.evaluate(c.op.semantics, c.inputs)
        #expect(output == c.output)
        #expect(cost == Cost(macs: 0, flops: 0) && cost.counted)
        #expect(step == c.step)
        #expect(c.op.weights.isEmpty)
    }

    static let spatial = ReceptiveField.local([2: AxisField(size: 3, stride: 2, padding: 1), 3: AxisField(size: 3, stride: 2, padding: 1)])

    @Test("a slice along H by 2 from 1: r 3, j 2 -> 4, p 1 - 1 x 2 = -1; W untouched; channels gain no field")
    func sliceField() throws {
        let slice = Slice(starts: [1, 1], ends: [Int.max, 3], axes: [2, 1], steps: [2, 1])
        let shapes: [Shape] = [[1, 4, 8, 8]]
        let output = try slice.outputShape(inputs: shapes)
        let field = try ReceptiveField.propagate(try slice.fieldStep(inputs: shapes, output: output), inputs: [Self.spatial], shapes: shapes, output: output)
        #expect(field == .local([2: AxisField(size: 3, stride: 4, padding: -1), 3: AxisField(size: 3, stride: 2, padding: 1)]))
    }

    @Test("a reversed spatial axis makes the field global; a reversed channel axis does not")
    func reversedField() throws {
        let shapes: [Shape] = [[1, 4, 8, 8]]
        for (axis, global) in [(3, true), (1, false)] {
            let slice = Slice(starts: [-1], ends: [Int.min], axes: [axis], steps: [-1])
            let output = try slice.outputShape(inputs: shapes)
            let field = try ReceptiveField.propagate(try slice.fieldStep(inputs: shapes, output: output), inputs: [Self.spatial], shapes: shapes, output: output)
            #expect((field == .global) == global, "axis \(axis)")
        }
    }

    @Test("gather on channels keeps the spatial fields (renumbered for a scalar index); on H it is global")
    func gatherField() throws {
        let shapes: [Shape] = [[1, 4, 8, 8]]
        let channel = Gather(axis: 1, indices: [0], indicesShape: [])
        let out = try channel.outputShape(inputs: shapes)
        let kept = try ReceptiveField.propagate(try channel.fieldStep(inputs: shapes, output: out), inputs: [Self.spatial], shapes: shapes, output: out)
        #expect(kept == .local([1: AxisField(size: 3, stride: 2, padding: 1), 2: AxisField(size: 3, stride: 2, padding: 1)]))
        let rows = Gather(axis: 2, indices: [0, 7])
        let rowsOut = try rows.outputShape(inputs: shapes)
        #expect(try ReceptiveField.propagate(try rows.fieldStep(inputs: shapes, output: rowsOut), inputs: [Self.spatial], shapes: shapes, output: rowsOut) == .global)
    }

    @Test("bad attributes give one error stating the rule and the values")
    func errors() {
        OpTestKit.expectError(.invalidGraph, mentioning: ["steps must not be 0", "[0]"]) {
            _ = try Slice(starts: [0], ends: [2], steps: [0]).outputShape(inputs: [[4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["distinct", "[1, -1]"]) {
            _ = try Slice(starts: [0, 0], ends: [1, 1], axes: [1, -1]).outputShape(inputs: [[4, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["axis must lie in", "axis 2"]) {
            _ = try Slice(starts: [0], ends: [1], axes: [2]).outputShape(inputs: [[4, 4]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["'N'"]) {
            _ = try Slice(starts: [1], ends: [3]).outputShape(inputs: [["N", 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["index 4", "axis 1 of size 4"]) {
            _ = try Gather(axis: 1, indices: [0, 4]).outputShape(inputs: [[2, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["index -5"]) {
            _ = try Gather(axis: 1, indices: [-5]).outputShape(inputs: [[2, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["3 indices", "[2, 2]"]) {
            _ = try Gather(indices: [0, 1, 0], indicesShape: [2, 2]).outputShape(inputs: [[2, 4]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["(2 vs 3)"]) {
            _ = try Expand(shape: [3, 1]).outputShape(inputs: [[2, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["negative", "[-1]"]) {
            _ = try Expand(shape: [-1]).outputShape(inputs: [[2, 4]])
        }
    }
}
