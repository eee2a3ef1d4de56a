import Foundation
import Testing
import ZooCore

// Expected generator outputs below come from a small Python reference written from the
// published algorithms (Vigna's splitmix64.c and xoshiro256starstar.c at prng.di.unimi.it,
// FNV-1a 64, the Marsaglia polar method with Python's math.log), with arbitrary-precision
// integers masked to 64 bits and float32 rounding by struct.pack('<f'). The state (1, 2, 3, 4)
// vector is also the one the rand_xoshiro crate and other ports test against.

@Suite("RandomWeights")
struct RandomWeightsTests {
    // MARK: - Generators

    @Test func splitMix64MatchesReference() {
        var zero = SplitMix64(seed: 0)
        #expect((0..<3).map { _ in zero.next() } == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var fortyTwo = SplitMix64(seed: 42)
        #expect(
            (0..<5).map { _ in fortyTwo.next() } == [
                0xBDD7_3226_2FEB_6E95, 0x28EF_E333_B266_F103, 0x4752_6757_130F_9F52, 0x581C_E1FF_0E4A_E394,
                0x09BC_585A_2448_23F2,
            ])
    }

    @Test func xoshiroMatchesPublishedVectorForState1234() throws {
        var generator = try #require(Xoshiro256StarStar(state: (1, 2, 3, 4)))
        #expect(
            (0..<10).map { _ in generator.next() } == [
                11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360,
                607_988_272_756_665_600, 16_172_922_978_634_559_625, 8_476_171_486_693_032_832,
                10_595_114_339_597_558_777, 2_904_607_092_377_533_576,
            ])
        #expect(Xoshiro256StarStar(state: (0, 0, 0, 0)) == nil)
    }

    @Test func xoshiroIsSeededBySplitMix64() {
        var generator = Xoshiro256StarStar(seed: 42)
        let state = generator.state
        #expect(state.0 == 0xBDD7_3226_2FEB_6E95 && state.1 == 0x28EF_E333_B266_F103)
        #expect(state.2 == 0x4752_6757_130F_9F52 && state.3 == 0x581C_E1FF_0E4A_E394)
        #expect(
            (0..<6).map { _ in generator.next() } == [
                0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1, 0xECB8_AD47_03B3_60A1,
                0xFDE6_DC7F_E2EC_5E64, 0xC50D_A531_0179_5238,
            ])
    }

    @Test func nextDoubleUsesTheTop53Bits() {
        var generator = Xoshiro256StarStar(seed: 42)
        let doubles = (0..<4).map { _ in generator.nextDouble() }
        #expect(doubles == [0.08386297105988216, 0.3789802506626686, 0.6800434110281394, 0.9246929453253876])
    }

    @Test func nextNormalFollowsThePolarMethod() {
        // The reference used the platform's log, so allow a couple of ulps.
        let expected = [
            -0.7262191382447857, -0.21119691823195985, 0.2216227015035933, 0.5227716877560146,
            0.46417731016247366, 0.7409788916865562,
        ]
        var generator = Xoshiro256StarStar(seed: 42)
        for value in expected {
            let sample = generator.nextNormal()
            #expect(abs(sample - value) <= 2 * value.ulp, "\(sample) vs \(value)")
        }
    }

    // MARK: - portableLog

    @Test func portableLogHandlesSpecialValues() {
        #expect(portableLog(1) == 0)
        #expect(portableLog(0) == -.infinity)
        #expect(portableLog(-0.0) == -.infinity)
        #expect(portableLog(.infinity) == .infinity)
        #expect(portableLog(-1).isNaN)
        #expect(portableLog(-.infinity).isNaN)
        #expect(portableLog(.nan).isNaN)
    }

    @Test func portableLogIsWithinOneUlpOfFoundationLog() {
        var arguments: [Double] = [
            .leastNonzeroMagnitude, 2 * .leastNonzeroMagnitude, 3 * .leastNonzeroMagnitude, 0x1.0p-1050,
            .leastNormalMagnitude.nextDown, .leastNormalMagnitude, .greatestFiniteMagnitude, 1e300, 1e-300,
            2, 0.5, 10, 0.1, .pi, M_E, 2.0.squareRoot(), 0.5.squareRoot(), 1.4142135623730951.nextDown,
        ]
        var near = 1.0
        var below = 1.0
        for _ in 0..<2000 {
            near = near.nextUp
            below = below.nextDown
            arguments += [near, below]
        }
        for k in 1...2000 { arguments.append(1 + Double(k) * 0x1.0p-20) }
        for k in 1...2000 { arguments.append(1 - Double(k) * 0x1.0p-21) }
        for k in 0..<4000 { arguments.append(0.5 + Double(k) / 2666) }
        var random = Xoshiro256StarStar(seed: 2024)
        for _ in 0..<50_000 {
            // Uniform over the bit patterns of positive finite doubles (every exponent, subnormals too).
            let bits = random.next() % Double.infinity.bitPattern
            if bits != 0 { arguments.append(Double(bitPattern: bits)) }
        }
        for _ in 0..<20_000 { arguments.append(Double.leastNormalMagnitude * random.nextDouble()) }

        var worst: (ulps: UInt64, argument: Double) = (0, 1)
        for x in arguments {
            let distance = ulpDistance(portableLog(x), log(x))
            if distance > worst.ulps { worst = (distance, x) }
        }
        #expect(worst.ulps <= 1, "worst: \(worst.ulps) ulps at \(worst.argument)")
    }

    // MARK: - Distributions

    @Test func heNormalKernelHasTheExpectedMeanAndStd() throws {
        let kernelShape = [250, 16, 5, 5]
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: Shape([1, 16, 9, 9]))],
            layers: [Layer("conv", .conv(Conv(kernel: try .declared(shape: kernelShape), bias: nil)), inputs: ["x"])],
            outputs: [GraphOutput(name: "conv")])
        let values = try #require(try tensor(RandomWeights.instantiate(graph, seed: 1), "conv", "kernel").values)
        #expect(values.count == 100_000)
        let expectedStd = (2.0 / 400).squareRoot()
        let (mean, std) = moments(values)
        let n = Double(values.count)
        #expect(abs(mean) <= 5 * expectedStd / n.squareRoot(), "mean \(mean)")
        #expect(abs(std - expectedStd) <= 5 * expectedStd / (2 * n).squareRoot(), "std \(std), expected \(expectedStd)")
    }

    @Test func denseFanInIsTheInputFeatures() throws {
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: Shape([1, 2000]))],
            layers: [Layer("fc", .dense(Dense(weight: try .declared(shape: [8, 2000]), bias: nil)), inputs: ["x"])],
            outputs: [GraphOutput(name: "fc")])
        let values = try #require(try tensor(RandomWeights.instantiate(graph, seed: 3), "fc", "weight").values)
        let expectedStd = (2.0 / 2000).squareRoot()
        let (_, std) = moments(values)
        #expect(abs(std - expectedStd) <= 0.05 * expectedStd, "std \(std), expected \(expectedStd)")
    }

    @Test func uniformWeightsStayInTheirRangesAndSpreadOut() throws {
        let graph = try RandomWeights.instantiate(sampleGraph(channels: 64), seed: 11)
        let ranges: [(layer: String, weight: String, low: Float, high: Float)] = [
            ("conv1", "bias", -0.1, 0.1), ("bn", "gamma", 0.5, 1.5), ("bn", "beta", -0.1, 0.1),
            ("bn", "mean", -0.1, 0.1), ("bn", "variance", 0.5, 1.5), ("shift", "constant", -0.1, 0.1),
            ("fc", "bias", -0.1, 0.1),
        ]
        for range in ranges {
            let values = try #require(try tensor(graph, range.layer, range.weight).values)
            let low = try #require(values.min())
            let high = try #require(values.max())
            #expect(low >= range.low && high <= range.high, "\(range.layer)/\(range.weight) in [\(low), \(high)]")
            // Far from a constant: a bias of zeros or a gamma of ones could hide a bug.
            #expect(high - low >= 0.5 * (range.high - range.low), "\(range.layer)/\(range.weight) spread [\(low), \(high)]")
        }
        let variance = try #require(try tensor(graph, "bn", "variance").values)
        #expect(variance.allSatisfy { $0 > 0 })
    }

    @Test func valuesMatchTheReferenceForSeed7() throws {
        let graph = try RandomWeights.instantiate(sampleGraph(channels: 4), seed: 7)
        let bias = try #require(try tensor(graph, "conv1", "bias").values)
        #expect(bias.map(\.bitPattern) == [0xBD28_2308, 0xBBC3_34B9, 0xBD97_006E, 0xBD46_5F8B])
        let variance = try #require(try tensor(graph, "bn", "variance").values)
        #expect(variance.map(\.bitPattern) == [0x3F3E_FD57, 0x3F6D_9ED6, 0x3F83_F6BC, 0x3F42_FE35])
        // conv1 kernel [4, 3, 3, 3]: fan_in 27, std sqrt(2/27).
        let kernel = try #require(try tensor(graph, "conv1", "kernel").values)
        #expect(kernel.prefix(4).map(\.bitPattern) == [0x3CF0_E881, 0x3E5E_05E4, 0x3CAE_5731, 0xBE2E_6A4F])
    }

    // MARK: - Reproducibility and independence

    @Test func sameSeedGivesBitIdenticalGraphs() throws {
        let declared = try sampleGraph(channels: 8)
        let first = try RandomWeights.instantiate(declared, seed: 99)
        let second = try RandomWeights.instantiate(declared, seed: 99)
        #expect(first == second)
        for layer in first.layers {
            for weight in layer.op.weights {
                #expect(weight.tensor.isMaterialized, "\(layer.name)/\(weight.name)")
                let other = try tensor(second, layer.name, weight.name)
                #expect(weight.tensor.values?.map(\.bitPattern) == other.values?.map(\.bitPattern))
            }
        }
    }

    @Test func differentSeedsGiveDifferentWeights() throws {
        let declared = try sampleGraph(channels: 8)
        let first = try RandomWeights.instantiate(declared, seed: 1)
        let second = try RandomWeights.instantiate(declared, seed: 2)
        for layer in first.layers {
            for weight in layer.op.weights {
                let other = try tensor(second, layer.name, weight.name)
                #expect(weight.tensor != other, "\(layer.name)/\(weight.name)")
            }
        }
    }

    @Test func weightsOfALayerDoNotDependOnOtherLayers() throws {
        let small = try sampleGraph(channels: 8)
        // The same layers with a new one in front, and the shift layer gone.
        let stem = Layer("stem", .conv(Conv(kernel: try .declared(shape: [3, 3, 1, 1]), bias: try .declared(shape: [3]))), inputs: ["x"])
        var layers = small.layers.filter { $0.name != "shift" }
        for index in layers.indices {
            layers[index].inputs = layers[index].inputs.map { $0 == "x" ? "stem" : $0 == "shift" ? "act" : $0 }
        }
        let large = try Graph(inputs: small.inputs, layers: [stem] + layers, outputs: small.outputs)
        let a = try RandomWeights.instantiate(small, seed: 5)
        let b = try RandomWeights.instantiate(large, seed: 5)
        for name in ["conv1", "bn", "fc"] {
            #expect(a.layer(named: name)?.op == b.layer(named: name)?.op, "\(name)")
            for weight in try #require(a.layer(named: name)).op.weights {
                #expect(weight.tensor == (try tensor(b, name, weight.name)), "\(name)/\(weight.name)")
            }
        }
    }

    @Test func materializedTensorsAndAbsentWeightsAreKept() throws {
        let kernel = try Tensor(shape: [2, 1, 1, 1], values: [3, -4])
        let gamma = try Tensor(shape: [2], values: [7, 8])
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: Shape([1, 1, 4, 4]))],
            layers: [
                Layer("conv", .conv(Conv(kernel: kernel, bias: nil, stride: [2, 2], padding: .valid)), inputs: ["x"]),
                Layer(
                    "bn",
                    .batchNorm(BatchNorm(gamma: gamma, beta: nil, mean: try .declared(shape: [2]), variance: try .declared(shape: [2]), epsilon: 0.01)),
                    inputs: ["conv"]),
            ],
            outputs: [GraphOutput(name: "bn")])
        let result = try RandomWeights.instantiate(graph, seed: 123)

        guard case .conv(let conv)? = result.layer(named: "conv")?.op else {
            Issue.record("conv layer lost")
            return
        }
        #expect(conv.kernel.storage === kernel.storage)
        #expect(conv.bias == nil)
        #expect(conv.stride == [2, 2])
        guard case .batchNorm(let bn)? = result.layer(named: "bn")?.op else {
            Issue.record("bn layer lost")
            return
        }
        #expect(bn.gamma?.storage === gamma.storage)
        #expect(bn.beta == nil)
        #expect(bn.mean.isMaterialized && bn.variance.isMaterialized)
        #expect(bn.epsilon == 0.01)
        #expect(result.inputs == graph.inputs && result.outputs == graph.outputs)
        #expect(result.layers.map(\.inputs) == graph.layers.map(\.inputs))
    }

    @Test func oversizedDeclaredTensorIsAnErrorNotATrap() throws {
        // 2^62 elements fit in an Int; their bytes do not.
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: Shape([1, 1]))],
            layers: [Layer("huge", .add(Add(constant: ConstantOperand(try .declared(shape: [1 << 62])))), inputs: ["x"])],
            outputs: [GraphOutput(name: "huge")])
        let error = #expect(throws: ZooError.self) { try RandomWeights.instantiate(graph, seed: 0) }
        #expect(error?.layer == "huge")
    }

    // MARK: - Helpers

    /// conv1 (3 -> C, 3x3, bias) -> bn (all four tensors) -> relu -> add a constant -> flatten -> fc.
    private func sampleGraph(channels c: Int) throws -> Graph {
        try Graph(
            inputs: [GraphInput(name: "x", shape: Shape([1, 3, 6, 6]))],
            layers: [
                Layer("conv1", .conv(Conv(kernel: try .declared(shape: [c, 3, 3, 3]), bias: try .declared(shape: [c]))), inputs: ["x"]),
                Layer(
                    "bn",
                    .batchNorm(
                        BatchNorm(
                            gamma: try .declared(shape: [c]), beta: try .declared(shape: [c]),
                            mean: try .declared(shape: [c]), variance: try .declared(shape: [c]))),
                    inputs: ["conv1"]),
                Layer("act", .relu(Relu()), inputs: ["bn"]),
                Layer("shift", .add(Add(constant: ConstantOperand(try .declared(shape: [c, 1, 1])))), inputs: ["act"]),
                Layer("flat", .flatten(Flatten()), inputs: ["shift"]),
                Layer("fc", .dense(Dense(weight: try .declared(shape: [5, c * 16]), bias: try .declared(shape: [5]))), inputs: ["flat"]),
            ],
            outputs: [GraphOutput(name: "fc")])
    }

    private func tensor(_ graph: Graph, _ layer: String, _ weight: String) throws -> Tensor {
        let op = try #require(graph.layer(named: layer)?.op, "no layer \(layer)")
        return try #require(op.weights.first { $0.name == weight }?.tensor, "no weight \(layer)/\(weight)")
    }

    private func moments(_ values: [Float]) -> (mean: Double, std: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0.0) { $0 + Double($1) } / n
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return (mean, variance.squareRoot())
    }

    /// The number of doubles between `a` and `b` (0 when equal, counting -0 and +0 as one).
    private func ulpDistance(_ a: Double, _ b: Double) -> UInt64 {
        guard a.isFinite, b.isFinite else { return a == b || (a.isNaN && b.isNaN) ? 0 : .max }
        func ordered(_ x: Double) -> Int64 {
            let magnitude = Int64(bitPattern: x.bitPattern & 0x7FFF_FFFF_FFFF_FFFF)
            return x.sign == .minus ? -magnitude : magnitude
        }
        return (ordered(a) - ordered(b)).magnitude
    }
}
