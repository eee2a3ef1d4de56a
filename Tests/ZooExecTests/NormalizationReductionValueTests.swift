import Foundation
import Testing
import ZooCore
import ZooExec

/// The reduction, variadic and normalization kernels: small cases computed by hand (the working
/// beside each), randomized cases against the oracles of OracleKernels.swift, and the same bits
/// at 1, 2 and 3 threads.
@Suite("Reduction, variadic and normalization kernels")
struct NormalizationReductionValueTests {
    private func run(_ op: Op, _ inputs: [Tensor], threads: Int = 1) throws -> [Float] {
        ExecTestKit.floats(try ExecTestKit.run(op, inputs, options: ExecutionOptions(threads: threads)))
    }

    private func expectClose(_ actual: [Float], _ expected: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) { #expect(abs(a - e) <= 1e-5 + 1e-5 * abs(e), "\(actual) vs \(expected)", sourceLocation: sourceLocation) }
    }

    @Test("reductions of [[1, 2], [3, 4]] by hand")
    func reductionsByHand() throws {
        let x = try Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        expectClose(try run(.reduceMean(ReduceMean(axes: [0], keepDims: false)), [x]), [2, 3])  // (1+3)/2, (2+4)/2
        expectClose(try run(.reduceSum(ReduceSum()), [x]), [10])
        expectClose(try run(.reduceMax(ReduceMax(axes: [1])), [x]), [2, 4])
        expectClose(try run(.reduceMin(ReduceMin(axes: [-1, 0])), [x]), [1])
    }

    @Test("empty reductions: a sum of nothing is 0, a max -inf, a min +inf")
    func emptyReductions() throws {
        let x = try Tensor(shape: [2, 0, 3], values: [])
        #expect(try run(.reduceSum(ReduceSum(axes: [1])), [x]) == [0, 0, 0, 0, 0, 0])
        #expect(try run(.reduceMax(ReduceMax(axes: [1], keepDims: false)), [x]).allSatisfy { $0 == -.infinity })
        #expect(try run(.reduceMin(ReduceMin(axes: [1], keepDims: false)), [x]).allSatisfy { $0 == .infinity })
    }

    @Test("mean, max and min of [1, 5] and [3] by hand; NaN propagates through max")
    func variadicByHand() throws {
        let a = try Tensor(shape: [2], values: [1, 5]), b = try Tensor(shape: [1], values: [3])
        expectClose(try run(.mean(Mean()), [a, b]), [2, 4])  // (1+3)/2, (5+3)/2
        expectClose(try run(.maximum(Maximum()), [a, b]), [3, 5])
        expectClose(try run(.minimum(Minimum()), [a, b, try Tensor(shape: [2], values: [0, 9])]), [0, 3])
        #expect(try run(.maximum(Maximum()), [a, try Tensor(shape: [1], values: [.nan])]).allSatisfy(\.isNaN))
    }

    @Test("layernorm of [1, 2, 3, 4] by hand: mean 2.5, variance 1.25")
    func layerNormByHand() throws {
        // (x - 2.5) / sqrt(1.25) = -1.341641, -0.447214, 0.447214, 1.341641; then scale [1, 1, 2, 2], bias [0, 0, 0, 1].
        let op = LayerNorm(epsilon: 0, scale: try Tensor(shape: [4], values: [1, 1, 2, 2]), bias: try Tensor(shape: [4], values: [0, 0, 0, 1]))
        expectClose(try run(.layerNorm(op), [try Tensor(shape: [1, 4], values: [1, 2, 3, 4])]), [-1.341641, -0.447214, 0.894427, 3.683282])
    }

    @Test("instancenorm and groupnorm by hand")
    func instanceAndGroupByHand() throws {
        // channel 0 [0, 2]: mean 1, variance 1, (x - 1) / sqrt(1 + 1) = -/+0.707107, times 2;
        // channel 1 [1, 1]: 0, plus 3.
        let instance = InstanceNorm(scale: try Tensor(shape: [2], values: [2, 1]), bias: try Tensor(shape: [2], values: [0, 3]), epsilon: 1)
        expectClose(try run(.instanceNorm(instance), [try Tensor(shape: [1, 2, 2], values: [0, 2, 1, 1])]), [-1.414214, 1.414214, 3, 3])
        // groups 2 of 4 channels: [1, 2] mean 1.5, sd 0.5; [3, 5] mean 4, sd 1: -1, 1, -1, 1; per-group scale [1, 2].
        let group = GroupNorm(groups: 2, epsilon: 0, scale: try Tensor(shape: [2], values: [1, 2]), bias: nil)
        expectClose(try run(.groupNorm(group), [try Tensor(shape: [1, 4, 1], values: [1, 2, 3, 5])]), [-1, 1, -2, 2])
    }

    @Test("logsoftmax of [0, 0] is -log 2 each")
    func logSoftmaxByHand() throws {
        expectClose(try run(.logSoftmax(LogSoftmax()), [try Tensor(shape: [1, 2], values: [0, 0])]), [-0.693147, -0.693147])
    }

    @Test("random shapes and axes against the oracles, the same bits at 1, 2 and 3 threads")
    func randomized() throws {
        var rng = SplitMix64(seed: 0x2ED_0C7)
        for index in 0..<40 {
            let rank = rng.int(2...4)
            let shape = (0..<rank).map { _ in rng.int(1...5) }
            let axis = rng.int(-rank...(rank - 1))
            let resolved = axis < 0 ? axis + rank : axis
            let axes = Array(Set((0..<rng.int(0...rank)).map { _ in rng.int(0...(rank - 1)) })).sorted()
            let keepDims = rng.bool()
            let normalized = Array(shape[resolved...])
            let channels = shape[1]
            let groups = rng.pick((1...channels).filter { channels % $0 == 0 })
            var ops: [Op] = [
                .reduceMean(ReduceMean(axes: axes, keepDims: keepDims)), .reduceSum(ReduceSum(axes: axes, keepDims: keepDims)),
                .reduceMax(ReduceMax(axes: axes, keepDims: keepDims)), .reduceMin(ReduceMin(axes: axes, keepDims: keepDims)),
                .layerNorm(LayerNorm(axis: axis, epsilon: rng.float(1e-5...1e-2), scale: try rng.tensor(normalized), bias: rng.bool() ? try rng.tensor(normalized) : nil)),
                .groupNorm(GroupNorm(groups: groups, scale: try rng.tensor(rng.bool() ? [channels] : [groups]), bias: try rng.tensor([channels]))),
                .logSoftmax(LogSoftmax(axis: axis)),
            ]
            if rank >= 3 { ops.append(.instanceNorm(InstanceNorm(scale: try rng.tensor([channels]), bias: try rng.tensor([channels])))) }
            let x = try rng.tensor(shape, in: -3...3)
            for op in ops {
                ExecTestKit.checkAgainstOracle(op, [x], context: "case \(index)")
                let reference = try ExecTestKit.run(op, [x], options: ExecutionOptions(threads: 1))
                for threads in [2, 3] {
                    #expect(try ExecTestKit.run(op, [x], options: ExecutionOptions(threads: threads)) == reference, "case \(index), \(op.name), \(threads) threads")
                }
            }
            let other = try rng.tensor(Array(shape.suffix(rng.int(1...rank))).map { rng.bool() ? $0 : 1 })
            for op in [Op.mean(Mean()), .maximum(Maximum()), .minimum(Minimum())] {
                ExecTestKit.checkAgainstOracle(op, [x, other, x], context: "case \(index)")
            }
        }
    }
}
