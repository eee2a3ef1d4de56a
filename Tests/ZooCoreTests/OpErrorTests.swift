import Testing
import ZooCore

/// Bad attributes and shapes: each is a ``ZooError`` of the right kind whose message states the
/// rule and the received values.
@Suite("Op errors")
struct OpErrorTests {
    // MARK: window attributes

    @Test("zero or negative kernel, stride or dilation is refused with the values", arguments: [
        // (kernel, stride, dilation, the attribute named, its values as printed)
        ([0, 2], [1, 1], [1, 1], "kernel", "[0, 2]"),
        ([-1], [1], [1], "kernel", "[-1]"),
        ([3, 3], [1, 0], [1, 1], "stride", "[1, 0]"),
        ([3], [-2], [1], "stride", "[-2]"),
        ([2, 2], [1, 1], [0, 1], "dilation", "[0, 1]"),
        ([2], [1], [-3], "dilation", "[-3]"),
    ])
    func badWindowAttributes(kernel: [Int], stride: [Int], dilation: [Int], label: String, values: String) {
        let input: Shape = kernel.count == 1 ? [1, 1, 8] : [1, 1, 8, 8]
        let window = SpatialWindow(kernel: kernel, stride: stride, dilation: dilation)
        for op in [MaxPool(window: window) as any OperatorSemantics, AveragePool(window: window)] {
            OpTestKit.expectError(.invalidGraph, mentioning: ["\(label) must be at least 1", "\(label) \(values)"]) {
                _ = try op.outputShape(inputs: [input])
            }
        }
    }

    @Test("conv stride and dilation must be positive")
    func badConvAttributes() throws {
        let kernel = try OpTestKit.declared([2, 1, 3, 3])
        OpTestKit.expectError(.invalidGraph, mentioning: ["stride must be at least 1", "[0, 1]"]) {
            _ = try Conv(kernel: kernel, bias: nil, stride: [0, 1]).outputShape(inputs: [[1, 1, 8, 8]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["dilation must be at least 1", "[1, -1]"]) {
            _ = try Conv(kernel: kernel, bias: nil, dilation: [1, -1]).outputShape(inputs: [[1, 1, 8, 8]])
        }
        // A kernel tensor cannot have a zero-size spatial axis either.
        OpTestKit.expectError(.invalidGraph, mentioning: ["kernel must be at least 1", "[0, 3]"]) {
            _ = try Conv(kernel: try OpTestKit.declared([2, 1, 0, 3]), bias: nil).outputShape(inputs: [[1, 1, 8, 8]])
        }
    }

    @Test("explicit padding needs one non-negative value per edge")
    func badPadding() {
        OpTestKit.expectError(.invalidGraph, mentioning: ["one begin and one end value per spatial axis", "begin [1]", "end [1]"]) {
            _ = try MaxPool(window: SpatialWindow(kernel: [2, 2], padding: .explicit(begin: [1], end: [1]))).outputShape(inputs: [[1, 1, 4, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["must not be negative", "begin [0, -1]"]) {
            _ = try MaxPool(window: SpatialWindow(kernel: [2, 2], padding: .explicit(begin: [0, -1], end: [0, 0]))).outputShape(inputs: [[1, 1, 4, 4]])
        }
    }

    @Test("a window larger than the padded input is refused")
    func windowTooLarge() throws {
        // 4 + 0 + 0 < 5.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["must fit inside the padded input", "4 + 0 + 0 >= 5", "[1, 1, 4, 4]"]) {
            _ = try Conv(kernel: try OpTestKit.declared([1, 1, 5, 5]), bias: nil).outputShape(inputs: [[1, 1, 4, 4]])
        }
        // dilated: k' = 2·2 + 1 = 5 > 4.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["4 + 0 + 0 >= 5", "dilation [2]"]) {
            _ = try MaxPool(window: SpatialWindow(kernel: [3], dilation: [2])).outputShape(inputs: [[1, 1, 4]])
        }
        // with padding 2 + 1 + 0 = 3 < 4 on axis 1.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["2 + 1 + 0 >= 4", "spatial axis 1"]) {
            _ = try AveragePool(window: SpatialWindow(kernel: [1, 4], padding: .explicit(begin: [0, 1], end: [0, 0])))
                .outputShape(inputs: [[1, 1, 5, 2]])
        }
    }

    @Test("window ops need rank spatial + 2 and 1 or 2 spatial axes")
    func windowRank() throws {
        OpTestKit.expectError(.shapeMismatch, mentioning: ["rank-4 input", "[1, 3, 8]"]) {
            _ = try MaxPool(window: SpatialWindow(kernel: [2, 2])).outputShape(inputs: [[1, 3, 8]])
        }
        OpTestKit.expectError(.unsupported, mentioning: ["1-D and 2-D", "[2, 3, 3, 3, 3]"]) {
            _ = try Conv(kernel: try OpTestKit.declared([2, 3, 3, 3, 3]), bias: nil).outputShape(inputs: [[1, 3, 8, 8, 8]])
        }
    }

    // MARK: channels and weights

    @Test("conv channel mismatch names the input and the kernel")
    func convChannels() throws {
        // 3 input channels, kernel expects 4·1.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["input channels must equal kernel channels x groups", "[1, 3, 32, 32]", "[8, 4, 3, 3]"]) {
            _ = try Conv(kernel: try OpTestKit.declared([8, 4, 3, 3]), bias: nil).outputShape(inputs: [[1, 3, 32, 32]])
        }
        // groups 2 needs 2·2 = 4 channels, input has 6.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["(2 x 2)", "[1, 6, 8, 8]"]) {
            _ = try Conv(kernel: try OpTestKit.declared([8, 2, 3, 3]), bias: nil, groups: 2).outputShape(inputs: [[1, 6, 8, 8]])
        }
        // 8 output channels are not a multiple of groups 3.
        OpTestKit.expectError(.invalidGraph, mentioning: ["positive multiple of groups", "groups 3"]) {
            _ = try Conv(kernel: try OpTestKit.declared([8, 1, 3, 3]), bias: nil, groups: 3).outputShape(inputs: [[1, 3, 8, 8]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["groups 0"]) {
            _ = try Conv(kernel: try OpTestKit.declared([8, 1, 3, 3]), bias: nil, groups: 0).outputShape(inputs: [[1, 3, 8, 8]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["one value per output channel", "[7]"]) {
            _ = try Conv(kernel: try OpTestKit.declared([8, 3, 3, 3]), bias: try OpTestKit.declared([7])).outputShape(inputs: [[1, 3, 8, 8]])
        }
    }

    @Test("dense, batch norm and matmul shape mismatches")
    func featureMismatches() throws {
        OpTestKit.expectError(.shapeMismatch, mentioning: ["weight's 'in' axis (401)", "[1, 400]", "[120, 401]"]) {
            _ = try Dense(weight: try OpTestKit.declared([120, 401]), bias: nil).outputShape(inputs: [[1, 400]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["one value per channel", "[1, 4, 2, 2]", "mean [3]"]) {
            _ = try BatchNorm(gamma: nil, beta: nil, mean: try OpTestKit.declared([3]), variance: try OpTestKit.declared([4]))
                .outputShape(inputs: [[1, 4, 2, 2]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["second-to-last", "[2, 3]", "[4, 5]", "(3 vs 4)"]) {
            _ = try MatMul().outputShape(inputs: [[2, 3], [4, 5]])
        }
        // batch axes [2] and [5] do not broadcast.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["broadcast", "2 vs 5"]) {
            _ = try MatMul().outputShape(inputs: [[2, 3, 4], [5, 4, 6]])
        }
    }

    // MARK: broadcasting, concat, reshape, transpose

    @Test("a prelu slope must broadcast to the input without changing its shape", arguments: [[4, 1, 1], [3], [2, 1, 3, 4, 5], [2, 3, 4, 5]] as [[Int]])
    func preluSlope(slope: [Int]) {
        OpTestKit.expectError(.shapeMismatch, mentioning: ["prelu slope must broadcast to the input unidirectionally", "input [N, 3, 4, 5]", "slope \(slope)"]) {
            _ = try PRelu(slope: try OpTestKit.declared(slope)).outputShape(inputs: [["N", 3, 4, 5]])
        }
    }

    @Test("broadcasting failure names the shapes and the axis")
    func broadcastFailure() {
        OpTestKit.expectError(.shapeMismatch, mentioning: ["pow inputs must broadcast", "[1, 3, 4, 5] and [4]", "axis -1"]) {
            _ = try Pow(exponent: .tensor(try OpTestKit.declared([4]))).outputShape(inputs: [[1, 3, 4, 5]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["must broadcast", "[1, 3, 4, 4]", "[1, 4, 4, 4]", "3 vs 4"]) {
            _ = try Add().outputShape(inputs: [[1, 3, 4, 4], [1, 4, 4, 4]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["[2, 3]", "[4]"]) {
            _ = try Mul(constant: ConstantOperand(try OpTestKit.declared([4]))).outputShape(inputs: [[2, 3]])
        }
        // a symbolic dimension broadcasts only with 1 and with itself.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["[N, 3]", "[2, 3]"]) {
            _ = try Sub().outputShape(inputs: [["N", 3], [2, 3]])
        }
    }

    @Test("concat mismatch off the axis, and ranks")
    func concatMismatch() {
        OpTestKit.expectError(.shapeMismatch, mentioning: ["match on every axis but the concatenation axis", "[1, 3, 4, 4]", "[1, 3, 5, 5]"]) {
            _ = try Concat(axis: 1).outputShape(inputs: [[1, 3, 4, 4], [1, 3, 5, 5]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["[1, 3, 4, 4]", "[1, 3, 4]"]) {
            _ = try Concat(axis: 1).outputShape(inputs: [[1, 3, 4, 4], [1, 3, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["axis 4", "rank-4"]) {
            _ = try Concat(axis: 4).outputShape(inputs: [[1, 3, 4, 4], [1, 3, 4, 4]])
        }
    }

    @Test("reshape element count and target errors")
    func reshapeErrors() {
        // 24 elements vs 25.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["keep the element count", "[2, 3, 4]", "[5, 5]"]) {
            _ = try Reshape(target: [5, 5]).outputShape(inputs: [[2, 3, 4]])
        }
        // 24 is not a multiple of 5.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["cannot be inferred", "[5, -1]"]) {
            _ = try Reshape(target: [5, -1]).outputShape(inputs: [[2, 3, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["one -1", "[-1, -1]"]) {
            _ = try Reshape(target: [-1, -1]).outputShape(inputs: [[2, 3, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["[2, -2]"]) {
            _ = try Reshape(target: [2, -2]).outputShape(inputs: [[2, 3, 4]])
        }
        // 0 copies axis 2 of a rank-2 input.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["axis 2", "[6, 4]"]) {
            _ = try Reshape(target: [2, 3, 0]).outputShape(inputs: [[6, 4]])
        }
        // a symbol cannot be split off by -1 when the known part is not a divisor.
        OpTestKit.expectError(.shapeMismatch, mentioning: ["[N, 3]"]) {
            _ = try Reshape(target: [2, -1]).outputShape(inputs: [["N", 3]])
        }
    }

    @Test("transpose needs a permutation of the axes", arguments: [[0, 1, 1, 2], [0, 1, 2], [0, 1, 2, 4], [3, 2, 1, 0, 4]])
    func transposeBadPerm(perm: [Int]) {
        OpTestKit.expectError(.invalidGraph, mentioning: ["permutation of 0..<4", "perm \(perm)"]) {
            _ = try Transpose(permutation: perm).outputShape(inputs: [[1, 2, 3, 4]])
        }
    }

    @Test("pad needs 2 x rank non-negative values")
    func padErrors() {
        OpTestKit.expectError(.invalidGraph, mentioning: ["2 x rank", "[1, 1]"]) {
            _ = try Pad(pads: [1, 1]).outputShape(inputs: [[1, 3, 4, 4]])
        }
        OpTestKit.expectError(.unsupported, mentioning: ["non-negative", "[0, 0, -1, 0, 0, 0]"]) {
            _ = try Pad(pads: [0, 0, -1, 0, 0, 0]).outputShape(inputs: [[1, 3, 4]])
        }
    }

    @Test("other attribute errors: clip bounds that are not numbers, elu and selu parameters, LRN size, softmax and flatten axes")
    func otherAttributes() {
        OpTestKit.expectError(.invalidGraph, mentioning: ["must be numbers"]) {
            _ = try Clip(min: .nan, max: 0).outputShape(inputs: [[1, 2]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["elu alpha must be a finite number", "alpha nan"]) {
            _ = try Elu(alpha: .nan).outputShape(inputs: [[1, 2]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["selu alpha and gamma must be finite", "alpha 1.0", "gamma inf"]) {
            _ = try Selu(alpha: 1, gamma: .infinity).outputShape(inputs: [[1, 2]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["size must be at least 1", "size 0"]) {
            _ = try LRN(size: 0).outputShape(inputs: [[1, 4, 2, 2]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["axis must lie in [-4, 3]", "axis 4"]) {
            _ = try Softmax(axis: 4).outputShape(inputs: [[1, 2, 3, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["axis must lie in [-3, 3]", "axis -4"]) {
            _ = try Flatten(axis: -4).outputShape(inputs: [[2, 3, 4]])
        }
    }

    // MARK: unbound symbols

    @Test("an unbound symbolic channel or feature size is named, with the axis and --input-shape")
    func unboundSymbols() throws {
        OpTestKit.expectError(.shapeMismatch, mentioning: ["conv", "axis 1", "'C'", "--input-shape", "[N, C, 8, 8]"]) {
            _ = try Conv(kernel: try OpTestKit.declared([2, 3, 3, 3]), bias: nil).outputShape(inputs: [["N", "C", 8, 8]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["maxpool", "axis 3", "'W'"]) {
            _ = try MaxPool(window: SpatialWindow(kernel: [2, 2])).outputShape(inputs: [["N", 3, 8, "W"]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["batchnorm", "axis 1", "'C'"]) {
            _ = try BatchNorm(gamma: nil, beta: nil, mean: try OpTestKit.declared([3]), variance: try OpTestKit.declared([3]))
                .outputShape(inputs: [["N", "C", 4, 4]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["dense", "axis 1", "'F'"]) {
            _ = try Dense(weight: try OpTestKit.declared([4, 3]), bias: nil).outputShape(inputs: [["N", "F"]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["globalavgpool", "axis 2", "'H'"]) {
            _ = try GlobalAveragePool().outputShape(inputs: [["N", 3, "H", 7]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["concat", "'K'"]) {
            _ = try Concat(axis: 1).outputShape(inputs: [["N", "K"], ["N", "K"]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["pad", "'H'"]) {
            _ = try Pad(pads: [0, 0, 1, 0, 0, 1]).outputShape(inputs: [["N", 3, "H"]])
        }
    }

    // MARK: overflow

    @Test("sizes near Int.max are errors, never traps")
    func overflow() throws {
        let big = Int.max
        let message = "must fit in a 64-bit integer"
        // padded size Int.max + 1 + 1.
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try Conv(kernel: try OpTestKit.declared([1, 1, 3, 1]), bias: nil, padding: .symmetric(1, axes: 2))
                .outputShape(inputs: [[1, 1, .fixed(big), 1]])
        }
        // same padding: (Int.max - 1)·1 + 3 overflows.
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try MaxPool(window: SpatialWindow(kernel: [3], padding: .same(extra: .end))).outputShape(inputs: [[1, 1, .fixed(big)]])
        }
        // dilated extent Int.max·2 + 1.
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try MaxPool(window: SpatialWindow(kernel: [3], dilation: [big])).outputShape(inputs: [[1, 1, 8]])
        }
        // a tensor of 2^32·2^32 elements.
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try Tensor.declared(shape: [1 << 32, 1 << 32])
        }
        // conv MACs: 2^20·2^20·2^20 outputs x 2^20 per output.
        let conv = Conv(kernel: try OpTestKit.declared([1 << 20, 1 << 20, 1, 1]), bias: nil)
        let convInput: Shape = [1, .fixed(1 << 20), .fixed(1 << 20), .fixed(1 << 20)]
        let convOutput = try conv.outputShape(inputs: [convInput])
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) { _ = try conv.cost(inputs: [convInput], output: convOutput) }
        // dense MACs: 4·2^31 outputs x 2^31.
        let dense = Dense(weight: try OpTestKit.declared([1 << 31, 1 << 31]), bias: nil)
        let denseInput: Shape = [4, .fixed(1 << 31)]
        let denseOutput = try dense.outputShape(inputs: [denseInput])
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) { _ = try dense.cost(inputs: [denseInput], output: denseOutput) }
        // element counts of activations.
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try Relu().cost(inputs: [[.fixed(big), 2]], output: [.fixed(big), 2])
        }
        // pad, concat, flatten, reshape sizes.
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try Pad(pads: [0, 0, 0, big]).outputShape(inputs: [[1, 1]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try Concat(axis: 1).outputShape(inputs: [[1, .fixed(big)], [1, 1]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try Flatten(axis: 0).outputShape(inputs: [[.fixed(big), 2]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try Reshape(target: [-1]).outputShape(inputs: [[.fixed(big), 2]])
        }
        // receptive-field stride 2^32·2^32 through two convs of stride 2^32 (each output 1).
        let strided = Op.conv(Conv(kernel: try OpTestKit.declared([1, 1, 1, 1]), bias: nil, stride: [1 << 32, 1 << 32]))
        let graph = try Graph(
            inputs: [GraphInput(name: "x", shape: [1, 1, 8, 8])],
            layers: [Layer("a", strided, inputs: ["x"]), Layer("b", strided, inputs: ["a"])],
            outputs: [GraphOutput(name: "b")])
        let error = OpTestKit.expectError(.shapeMismatch, mentioning: [message]) {
            _ = try Analyzer.analyze(graph, model: "m", format: "test")
        }
        #expect(error?.layer == "b")
    }

    /// A global max pool over empty spatial axes has H W - 1 = -1 comparisons per output: the op
    /// must refuse the shape or count zero, never a negative number of FLOPs.
    @Test("global pools over empty spatial axes never count negative FLOPs")
    func emptyGlobalPool() {
        for op in [GlobalMaxPool() as any OperatorSemantics, GlobalAveragePool()] {
            do {
                let result = try OpTestKit.evaluate(op, [[1, 4, 0, 0]])
                #expect(result.cost.flops >= 0, "\(type(of: op).info.name): \(result.cost.flops) FLOPs")
            } catch {
                #expect(error is ZooError)
            }
        }
    }

    /// Ceil mode near Int.max: in = Int.max, k 2, s 2^62: span = 2^63 - 3, ceil(span / s) = 2,
    /// out 3, and PyTorch's drop check computes (3 - 1)·2^62 = 2^63, which does not fit in Int.
    /// The result must be an error or a size, never a trap; run in a child process so that a trap
    /// fails this test instead of killing the runner.
    @Test("ceil mode near Int.max is an error or a size, never a trap")
    func ceilModeOverflow() async {
        await #expect(processExitsWith: .success) {
            let window = SpatialWindow(kernel: [2], stride: [1 << 62], ceilMode: true)
            do {
                _ = try MaxPool(window: window).outputShape(inputs: [[1, 1, .fixed(Int.max)]])
            } catch {}
        }
    }
}
