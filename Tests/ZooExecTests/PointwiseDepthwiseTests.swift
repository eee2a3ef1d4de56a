import Testing
import ZooCore
import ZooExec

/// A 1x1 convolution whose one reader is a depthwise convolution (an inverted residual block's
/// expansion, each with a batch norm and an activation) runs as one step on AVX2 and AVX-512
/// when its filters are a whole number of vectors: the step's output has the bits of the two
/// convolution steps run apart (the same graph with the 1x1 step's output a graph output too,
/// which keeps it a step of its own), the oracle's values, and the same bits at 1, 2 and 3
/// threads. The cases cover the kernel's edges: the last panel of pixels of each size class (1
/// to 4, 5 to 8, more), an odd number of vectors of channels (a last block of one vector), the
/// deepest 1x1 convolution that pairs on AVX-512 and one too deep to pair, strides 1 and 2 with asymmetric padding, a dilated 5 x 5
/// window, bordered planes past 1 MiB (computed in bands of output rows), no biases, the activations the kernels store (ReLU6, SiLU, sigmoid, the exported
/// hard swish) and none, and a batch of two images.
@Suite("Pointwise and depthwise convolution pairs")
struct PointwiseDepthwiseTests {
    struct Case {
        let label: String
        let batch: Int, depth: Int, channels: Int, height: Int, width: Int
        var kernel = 3, stride = 1, dilation = 1
        var padding: Padding = .symmetric(1, axes: 2)
        var pointwiseBias = true, depthwiseBias = true
        var pointwiseActivation: Op? = .clip(Clip.relu6), depthwiseActivation: Op? = .clip(Clip.relu6)
        var hardSwish = false
    }

    static let cases: [Case] = [
        Case(label: "13 x 11, 48 channels (a last panel of 11 or 5, three vectors on AVX-512)", batch: 2, depth: 16, channels: 48, height: 13, width: 11),
        Case(
            label: "7 x 7 at stride 2, padding (0, 1), SiLU then sigmoid (a last panel of 1)", batch: 1, depth: 24, channels: 64, height: 7,
            width: 7, stride: 2, padding: .explicit(begin: [0, 0], end: [1, 1]), pointwiseActivation: .silu(SiLU()),
            depthwiseActivation: .sigmoid(Sigmoid())),
        Case(
            label: "10 x 10, depth 128, no biases, no activations (a last panel of 4)", batch: 2, depth: 128, channels: 32, height: 10, width: 10,
            pointwiseBias: false, depthwiseBias: false, pointwiseActivation: nil, depthwiseActivation: nil),
        Case(label: "depth 300 (two steps: a block of filters past the limit)", batch: 1, depth: 300, channels: 32, height: 5, width: 4),
        Case(
            label: "6 x 5, a 5 x 5 window dilated 2, hard swish (a last panel of 6)", batch: 1, depth: 8, channels: 16, height: 6, width: 5,
            kernel: 5, dilation: 2, padding: .symmetric(4, axes: 2), hardSwish: true),
        Case(label: "12 x 12 at stride 2, 80 channels", batch: 2, depth: 40, channels: 80, height: 12, width: 12, stride: 2),
        Case(
            label: "120 x 120 at stride 2, padding (0, 1) (on AVX-512 a bordered plane past 1 MiB: bands of output rows)", batch: 1,
            depth: 8, channels: 32, height: 120, width: 120, stride: 2, padding: .explicit(begin: [0, 0], end: [1, 1])),
        Case(
            label: "117 x 120, a 5 x 5 window dilated 2 (bands whose windows reach 8 rows down)", batch: 1, depth: 4, channels: 16, height: 117,
            width: 120, kernel: 5, dilation: 2, padding: .symmetric(4, axes: 2), depthwiseActivation: nil),
    ]

    /// Floats in a vector of `instructionSet` (AVX2's 256 bits, AVX-512's 512), 0 on the
    /// generic set (which runs no pairs).
    static func lanes(_ instructionSet: InstructionSet) -> Int {
        switch instructionSet {
        case .avx512: 16
        case .avx2: 8
        case .generic: 0
        }
    }

    /// The case's graph, its output `out`; with `apart`, the 1x1 step's output (its batch norm's
    /// or activation's) a graph output too.
    static func graph(_ c: Case, _ rng: inout SplitMix64, apart: Bool = false) throws -> Graph {
        var layers = [
            Layer(
                "expand", .conv(Conv(kernel: try rng.tensor([c.channels, c.depth, 1, 1]), bias: c.pointwiseBias ? try rng.tensor([c.channels]) : nil)),
                inputs: ["x"]),
            Layer(
                "expand_bn",
                .batchNorm(BatchNorm(
                    gamma: try rng.tensor([c.channels], in: 0.5...1.5), beta: try rng.tensor([c.channels]), mean: try rng.tensor([c.channels]),
                    variance: try rng.tensor([c.channels], in: 0.5...1.5))), inputs: ["expand"]),
        ]
        var last = "expand_bn"
        if let activation = c.pointwiseActivation {
            layers.append(Layer("expand_act", activation, inputs: [last]))
            last = "expand_act"
        }
        let middle = last
        layers.append(Layer(
            "depthwise",
            .conv(Conv(
                kernel: try rng.tensor([c.channels, 1, c.kernel, c.kernel]), bias: c.depthwiseBias ? try rng.tensor([c.channels]) : nil,
                stride: [c.stride, c.stride], dilation: [c.dilation, c.dilation], padding: c.padding, groups: c.channels)), inputs: [last]))
        last = "depthwise"
        if c.hardSwish {
            layers += [
                Layer("shift", .add(Add(constant: ConstantOperand(try Tensor(shape: [], values: [3])))), inputs: [last]),
                Layer("relu6", .clip(Clip(min: 0, max: 6)), inputs: ["shift"]),
                Layer("sixth", .mul(Mul(constant: ConstantOperand(try Tensor(shape: [], values: [1 / 6])))), inputs: ["relu6"]),
                Layer("out", .mul(Mul()), inputs: [last, "sixth"]),
            ]
        } else if let activation = c.depthwiseActivation {
            layers.append(Layer("out", activation, inputs: [last]))
        } else {
            layers.append(Layer("out", .identity(Identity()), inputs: [last]))
        }
        return try Graph(
            inputs: [GraphInput(name: "x", shape: Shape([c.batch, c.depth, c.height, c.width]))], layers: layers,
            outputs: (apart ? [GraphOutput(name: middle)] : []) + [GraphOutput(name: "out")])
    }

    @Test(arguments: InstructionSet.allCases.filter(\.isSupported)) func pairsRunAsOneStep(_ instructionSet: InstructionSet) throws {
        var rng = SplitMix64(seed: 0x9D_11E5)
        for c in Self.cases {
            var copy = rng
            let graph = try Self.graph(c, &rng), apart = try Self.graph(c, &copy, apart: true)
            let input = try rng.tensor([c.batch, c.depth, c.height, c.width], in: -2...2)
            let lanes = Self.lanes(instructionSet)
            // A block of filters (the depth times two vectors) of at most 4096 floats.
            let paired = lanes > 0 && c.channels % lanes == 0 && c.depth * 2 * lanes <= 4096
            let profiled = try Executor(graph: graph, options: ExecutionOptions(threads: 1, profiling: true, instructionSet: instructionSet))
                .run(["x": input])
            let kernels = profiled.timings.map(\.kernel)
            #expect(kernels.contains("pointwise-depthwise") == paired, "\(c.label) on \(instructionSet): \(kernels)")
            let one = try Executor(graph: graph, options: ExecutionOptions(threads: 1, instructionSet: instructionSet)).run(["x": input])
            let separate = try Executor(graph: apart, options: ExecutionOptions(threads: 1, instructionSet: instructionSet)).run(["x": input])
            #expect(one.outputs[0].tensor == separate.outputs[1].tensor, "\(c.label) on \(instructionSet): one step and two steps' bits")
            // Each output sums a few dozen products of up to 6 x 2 (the depth's sums after ReLU6):
            // errors are relative to those terms' magnitudes, not to the output's.
            let expected = try #require(Oracle.evaluate(graph, ["x": OracleArray(input)])["out"])
            #expect(
                ExecTestKit.mismatch(one.outputs[0].tensor, expected, atol: 1e-4) == nil, "\(c.label) on \(instructionSet): against the oracle")
            for threads in [2, 3] {
                let other = try Executor(graph: graph, options: ExecutionOptions(threads: threads, instructionSet: instructionSet)).run(["x": input])
                #expect(other.outputs[0].tensor == one.outputs[0].tensor, "\(c.label) on \(instructionSet), \(threads) threads")
            }
        }
    }

    /// The 1x1 convolution's output read by anything else too (here a graph output), or a 1x1
    /// convolution with a residual sum, stays a step of its own.
    @Test func sharedOutputsStayApart() throws {
        var rng = SplitMix64(seed: 0x9D_11E6)
        let c = Self.cases[0]
        let base = try Self.graph(c, &rng)
        let graph = try Graph(inputs: base.inputs, layers: base.layers, outputs: [GraphOutput(name: "expand_act"), GraphOutput(name: "out")])
        let input = try rng.tensor([c.batch, c.depth, c.height, c.width], in: -2...2)
        let profiled = try Executor(graph: graph, options: ExecutionOptions(threads: 1, profiling: true)).run(["x": input])
        #expect(!profiled.timings.map(\.kernel).contains("pointwise-depthwise"), "\(profiled.timings.map(\.kernel))")
        let expected = Oracle.evaluate(graph, ["x": OracleArray(input)])
        for output in profiled.outputs {
            let want = try #require(expected[output.name])
            #expect(ExecTestKit.mismatch(output.tensor, want) == nil, "\(output.name)")
        }
    }
}
