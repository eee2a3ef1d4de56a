import Testing
import ZooCore
import ZooExec

/// The slice, gather and expand kernels: small cases computed by hand, randomized cases against
/// the oracles of OracleKernels.swift (written from the ONNX text), the same bits for every
/// thread count, and concat at ranks 1 to 6 with negative axes.
@Suite("Slice, gather, expand kernels")
struct SliceGatherExpandKernelTests {
    static func values(_ op: Op, _ x: Tensor) throws -> (shape: [Int], values: [Float]) {
        let y = try ExecTestKit.run(op, [x])
        return (y.shape, ExecTestKit.floats(y))
    }

    static let ramp = try! Tensor(shape: [2, 5], values: (0..<10).map(Float.init))

    @Test("hand-computed slices of [[0 1 2 3 4] [5 6 7 8 9]]")
    func handSlices() throws {
        // columns 4, 2, 0 of row 1 (start 4 clamps from 100 to d - 1 = 4, end INT_MIN to -1).
        #expect(try Self.values(.slice(Slice(starts: [1, 100], ends: [2, Int.min], steps: [1, -2])), Self.ramp) == ([1, 3], [9, 7, 5]))
        // columns 1 and 3 of both rows.
        #expect(try Self.values(.slice(Slice(starts: [1], ends: [Int.max], axes: [-1], steps: [2])), Self.ramp) == ([2, 2], [1, 3, 6, 8]))
        // start past the end: empty.
        #expect(try Self.values(.slice(Slice(starts: [7], ends: [9], axes: [1])), Self.ramp) == ([2, 0], []))
        // rows reversed, columns -3:-1 = 2, 3.
        #expect(try Self.values(.slice(Slice(starts: [-1, -3], ends: [-3, -1], steps: [-1, 1])), Self.ramp) == ([2, 2], [7, 8, 2, 3]))
    }

    @Test("hand-computed gathers and expands")
    func handGathersAndExpands() throws {
        // column -1 = 4 and 9: a scalar index drops the axis.
        #expect(try Self.values(.gather(Gather(axis: 1, indices: [-1], indicesShape: [])), Self.ramp) == ([2], [4, 9]))
        // rows [[1, 0], [1, 1]].
        let rows = try Self.values(.gather(Gather(axis: 0, indices: [1, 0, 1, 1], indicesShape: [2, 2])), Self.ramp)
        #expect(rows == ([2, 2, 5], [5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 5, 6, 7, 8, 9]))
        // [3, 1] column [1 2 3] to [2, 3, 2]: each row twice, the block twice.
        let column = try Tensor(shape: [3, 1], values: [1, 2, 3])
        #expect(try Self.values(.expand(Expand(shape: [2, 1, 2])), column) == ([2, 3, 2], [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]))
    }

    static func randomSlice(_ rng: inout SplitMix64, shape: [Int]) -> Slice {
        let axes = Array(rng.permutation(shape.count).prefix(rng.int(1...shape.count))).map { rng.bool() ? $0 - shape.count : $0 }
        let bounds = [Int.min, Int.max, -100, 100]
        var starts: [Int] = [], ends: [Int] = [], steps: [Int] = []
        for axis in axes {
            let size = shape[axis < 0 ? axis + shape.count : axis]
            starts.append(rng.chance(0.15) ? rng.pick(bounds) : rng.int(-size - 1...size + 1))
            ends.append(rng.chance(0.25) ? rng.pick(bounds) : rng.int(-size - 1...size + 1))
            steps.append(rng.pick([-3, -2, -1, 1, 1, 2, 3]))
        }
        return Slice(starts: starts, ends: ends, axes: axes, steps: steps)
    }

    @Test func randomSlices() throws {
        var rng = SplitMix64(seed: 0x51_1CE)
        for index in 0..<60 {
            let shape = RandomizedKernelTests.randomShape(&rng, rank: 1...5)
            ExecTestKit.checkAgainstOracle(.slice(Self.randomSlice(&rng, shape: shape)), [try rng.tensor(shape)], context: "case \(index)")
        }
    }

    @Test func randomGathers() throws {
        var rng = SplitMix64(seed: 0x6A_7E4)
        for index in 0..<40 {
            let shape = RandomizedKernelTests.randomShape(&rng, rank: 1...4)
            let axis = rng.int(-shape.count...(shape.count - 1))
            let size = shape[axis < 0 ? axis + shape.count : axis]
            let indicesShape = (0..<rng.int(0...2)).map { _ in rng.int(1...3) }
            let indices = (0..<indicesShape.reduce(1, *)).map { _ in rng.int(-size...(size - 1)) }
            ExecTestKit.checkAgainstOracle(
                .gather(Gather(axis: axis, indices: indices, indicesShape: indicesShape)), [try rng.tensor(shape)], context: "case \(index)")
        }
    }

    @Test func randomExpands() throws {
        var rng = SplitMix64(seed: 0xE_4A9D)
        for index in 0..<40 {
            let input = RandomizedKernelTests.randomShape(&rng, rank: 1...4).map { rng.chance(0.4) ? 1 : $0 }
            // aligned at the last axis: 1 keeps the input's size, the input's 1 takes any size.
            var target = input.map { size in size == 1 ? rng.int(1...3) : (rng.bool() ? 1 : size) }
            if rng.bool() { target = (0..<rng.int(1...2)).map { _ in rng.int(1...3) } + target }
            if rng.chance(0.2) { target = Array(target.suffix(rng.int(0...target.count))) }
            ExecTestKit.checkAgainstOracle(.expand(Expand(shape: target)), [try rng.tensor(input)], context: "case \(index)")
        }
    }

    @Test("slice, gather and expand give the same bits for 1, 2 and 3 threads")
    func threadCountDoesNotMatter() throws {
        var rng = SplitMix64(seed: 0x7_4EAD)
        let x = try rng.tensor([3, 16, 40, 36])
        let ops: [Op] = [
            .slice(Slice(starts: [1, -2, 3], ends: [Int.max, Int.min, 30], axes: [1, 2, 3], steps: [2, -3, 1])),
            .gather(Gather(axis: 2, indices: Array(stride(from: 39, through: 0, by: -2)))),
            .expand(Expand(shape: [2, 1, 1, 1, 1])),
        ]
        for op in ops {
            let runs = try [1, 2, 3].map { ExecTestKit.floats(try ExecTestKit.run(op, [x], options: ExecutionOptions(threads: $0))) }
            #expect(runs[0] == runs[1] && runs[1] == runs[2], "\(op.name)")
            ExecTestKit.checkAgainstOracle(op, [x], context: "large", options: ExecutionOptions(threads: 2))
        }
    }

    @Test("concat of ranks 1 to 6 along every axis, negative ones too")
    func concatEveryRank() throws {
        var rng = SplitMix64(seed: 0xC0_4A6)
        for rank in 1...6 {
            let base = (0..<rank).map { _ in rng.int(1...3) }
            for axis in -rank..<rank {
                let resolved = axis < 0 ? axis + rank : axis
                let inputs = try (0..<3).map { _ in
                    var shape = base
                    shape[resolved] = rng.int(1...3)
                    return try rng.tensor(shape)
                }
                ExecTestKit.checkAgainstOracle(.concat(Concat(axis: axis)), inputs, context: "rank \(rank) axis \(axis)")
            }
        }
    }
}
