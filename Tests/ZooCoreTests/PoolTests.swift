import Testing
import ZooCore

/// One max- or average-pool case. Expected values by hand from
///
///     k' = d (k - 1) + 1,   out = floor((in + p_b + p_e - k') / s) + 1
///
/// and in ceil mode out = ceil((in + p_b + p_e - k') / s) + 1, minus one when the last window
/// would start inside the end padding, i.e. when (out - 1) s >= in + p_b (PyTorch's rule).
/// FLOPs: max pool k_h k_w - 1 per output element, average pool k_h k_w per output element.
struct PoolCase: Sendable, CustomTestStringConvertible {
    enum Kind: Sendable { case max, average }
    let label: String
    let kind: Kind
    let input: Shape
    let kernel: [Int]
    var stride: [Int]? = nil
    var dilation: [Int]? = nil
    var padding: Padding = .valid
    var ceil = false
    let output: Shape
    let flops: Int
    let field: [WindowAxis]

    var testDescription: String { label }

    var window: SpatialWindow {
        SpatialWindow(kernel: kernel, stride: stride, dilation: dilation, padding: padding, ceilMode: ceil)
    }
}

let poolCases: [PoolCase] = [
    // out = floor((28 - 2) / 2) + 1 = 14; FLOPs (4 - 1)·6·14·14 = 3·1,176 = 3,528.
    PoolCase(
        label: "LeNet max 2/2 on 28x28", kind: .max, input: [1, 6, 28, 28], kernel: [2, 2], stride: [2, 2],
        output: [1, 6, 14, 14], flops: 3_528,
        field: [WindowAxis(axis: 2, kernel: 2, stride: 2, padBegin: 0), WindowAxis(axis: 3, kernel: 2, stride: 2, padBegin: 0)]),
    // out = floor((112 + 2 - 3) / 2) + 1 = 55 + 1 = 56; FLOPs 8·64·56·56 = 8·200,704 = 1,605,632.
    PoolCase(
        label: "ResNet max 3/2 pad 1", kind: .max, input: ["N", 64, 112, 112], kernel: [3, 3], stride: [2, 2],
        padding: .symmetric(1, axes: 2),
        output: ["N", 64, 56, 56], flops: 1_605_632,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 1), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 1)]),
    // ceil: (112 - 3) / 2 = 54.5 -> 55 + 1 = 56 (floor would give 55); last start (56 - 1)·2 = 110 < 112 kept;
    // FLOPs 8·64·56·56 = 1,605,632.
    PoolCase(
        label: "GoogLeNet max 3/2 ceil on 112", kind: .max, input: [1, 64, 112, 112], kernel: [3, 3], stride: [2, 2], ceil: true,
        output: [1, 64, 56, 56], flops: 1_605_632,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 0), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 0)]),
    // PyTorch's dropped window: in 5, k 2, s 2, pad 1: ceil((5 + 2 - 2) / 2) + 1 = 3 + 1 = 4, but the 4th window
    // starts at (4 - 1)·2 = 6 >= 5 + 1 (inside the end padding) -> 3. FLOPs (4 - 1)·3·3 = 27.
    PoolCase(
        label: "2-D max ceil drops a window starting in the end padding (in 5, k 2, s 2, pad 1)", kind: .max,
        input: [1, 1, 5, 5], kernel: [2, 2], stride: [2, 2], padding: .symmetric(1, axes: 2), ceil: true,
        output: [1, 1, 3, 3], flops: 27,
        field: [WindowAxis(axis: 2, kernel: 2, stride: 2, padBegin: 1), WindowAxis(axis: 3, kernel: 2, stride: 2, padBegin: 1)]),
    // 1-D version of the same: out 3; FLOPs (2 - 1)·3 = 3.
    PoolCase(
        label: "1-D max ceil drops a window starting in the end padding (in 5, k 2, s 2, pad 1)", kind: .max,
        input: [1, 1, 5], kernel: [2], stride: [2], padding: .symmetric(1, axes: 1), ceil: true,
        output: [1, 1, 3], flops: 3,
        field: [WindowAxis(axis: 2, kernel: 2, stride: 2, padBegin: 1)]),
    // ceil adds a window: in 6, k 3, s 2: floor(3 / 2) + 1 = 2, ceil(3 / 2) + 1 = 3; last start 4 < 6 kept.
    // FLOPs (9 - 1)·3·3 = 72.
    PoolCase(
        label: "2-D max ceil adds a window (in 6, k 3, s 2)", kind: .max, input: [1, 1, 6, 6], kernel: [3, 3], stride: [2, 2],
        ceil: true, output: [1, 1, 3, 3], flops: 72,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 0), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 0)]),
    // same without ceil: 2; FLOPs 8·4 = 32.
    PoolCase(
        label: "2-D max floor (in 6, k 3, s 2)", kind: .max, input: [1, 1, 6, 6], kernel: [3, 3], stride: [2, 2],
        output: [1, 1, 2, 2], flops: 32,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 0), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 0)]),
    // ceil with an exact division changes nothing: in 7, k 3, s 2: (7 - 3) / 2 + 1 = 3. FLOPs 8·9 = 72.
    PoolCase(
        label: "2-D max ceil, exact division (in 7, k 3, s 2)", kind: .max, input: [1, 1, 7, 7], kernel: [3, 3], stride: [2, 2],
        ceil: true, output: [1, 1, 3, 3], flops: 72,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 0), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 0)]),
    // ceil with pad, last window starting on the last input element: in 4, k 3, s 2, pad 1:
    // ceil((4 + 2 - 3) / 2) + 1 = 2 + 1 = 3; last start (3 - 1)·2 = 4 < 4 + 1 kept. FLOPs (3 - 1)·2·3 = 12.
    PoolCase(
        label: "1-D max ceil keeps a window starting on the last element (in 4, k 3, s 2, pad 1)", kind: .max,
        input: [1, 2, 4], kernel: [3], stride: [2], padding: .symmetric(1, axes: 1), ceil: true,
        output: [1, 2, 3], flops: 12,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 1)]),
    // 1-D: out = 10 - 3 + 1 = 8; FLOPs (3 - 1)·3·8 = 48.
    PoolCase(
        label: "1-D max k3 s1", kind: .max, input: [1, 3, 10], kernel: [3],
        output: [1, 3, 8], flops: 48,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, padBegin: 0)]),
    // 1-D dilation 2: k' = 5; out = 10 - 5 + 1 = 6; FLOPs (3 - 1)·2·6 = 24 (the window holds 3 elements, not 5).
    PoolCase(
        label: "1-D max dilation 2", kind: .max, input: [1, 2, 10], kernel: [3], dilation: [2],
        output: [1, 2, 6], flops: 24,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 1, dilation: 2, padBegin: 0)]),
    // 2-D dilation 3: k' = 3·1 + 1 = 4; out = 7 - 4 + 1 = 4; FLOPs (4 - 1)·16 = 48.
    PoolCase(
        label: "2-D max dilation 3", kind: .max, input: [1, 1, 7, 7], kernel: [2, 2], dilation: [3, 3],
        output: [1, 1, 4, 4], flops: 48,
        field: [
            WindowAxis(axis: 2, kernel: 2, stride: 1, dilation: 3, padBegin: 0),
            WindowAxis(axis: 3, kernel: 2, stride: 1, dilation: 3, padBegin: 0),
        ]),
    // average 2/2 on 10: out 5; FLOPs 4·16·25 = 1,600.
    PoolCase(
        label: "2-D average 2/2", kind: .average, input: [1, 16, 10, 10], kernel: [2, 2], stride: [2, 2],
        output: [1, 16, 5, 5], flops: 1_600,
        field: [WindowAxis(axis: 2, kernel: 2, stride: 2, padBegin: 0), WindowAxis(axis: 3, kernel: 2, stride: 2, padBegin: 0)]),
    // 1-D average 3/3 on 9: out = (9 - 3) / 3 + 1 = 3; FLOPs 3·4·3 = 36.
    PoolCase(
        label: "1-D average 3/3", kind: .average, input: [1, 4, 9], kernel: [3], stride: [3],
        output: [1, 4, 3], flops: 36,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 3, padBegin: 0)]),
    // 1-D average ceil, dropped window: in 5, k 2, s 2, pad 1 -> 3 (as for max); FLOPs 2·3 = 6.
    PoolCase(
        label: "1-D average ceil drops a window starting in the end padding", kind: .average,
        input: [1, 1, 5], kernel: [2], stride: [2], padding: .symmetric(1, axes: 1), ceil: true,
        output: [1, 1, 3], flops: 6,
        field: [WindowAxis(axis: 2, kernel: 2, stride: 2, padBegin: 1)]),
    // 2-D average ceil adds a window: in 6, k 3, s 2 -> 3; FLOPs 9·2·9 = 162.
    PoolCase(
        label: "2-D average ceil adds a window", kind: .average, input: [1, 2, 6, 6], kernel: [3, 3], stride: [2, 2], ceil: true,
        output: [1, 2, 3, 3], flops: 162,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 0), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 0)]),
    // average same_upper, k 3, s 2 on 5: out = ceil(5 / 2) = 3; total = 2·2 + 3 - 5 = 2 -> begin 1, end 1;
    // FLOPs 9·9 = 81.
    PoolCase(
        label: "2-D average same_upper 3/2 on 5", kind: .average, input: [1, 1, 5, 5], kernel: [3, 3], stride: [2, 2],
        padding: .same(extra: .end),
        output: [1, 1, 3, 3], flops: 81,
        field: [WindowAxis(axis: 2, kernel: 3, stride: 2, padBegin: 1), WindowAxis(axis: 3, kernel: 3, stride: 2, padBegin: 1)]),
    // average same_lower, k 2, s 2 on 7: out = ceil(7 / 2) = 4; total = 3·2 + 2 - 7 = 1 -> begin 1, end 0;
    // FLOPs 2·4 = 8.
    PoolCase(
        label: "1-D average same_lower 2/2 on 7", kind: .average, input: [1, 1, 7], kernel: [2], stride: [2],
        padding: .same(extra: .beginning),
        output: [1, 1, 4], flops: 8,
        field: [WindowAxis(axis: 2, kernel: 2, stride: 2, padBegin: 1)]),
    // average dilation 2: k' = 3; out = 6 - 3 + 1 = 4; FLOPs 4·16 = 64.
    PoolCase(
        label: "2-D average dilation 2", kind: .average, input: [1, 1, 6, 6], kernel: [2, 2], dilation: [2, 2],
        output: [1, 1, 4, 4], flops: 64,
        field: [
            WindowAxis(axis: 2, kernel: 2, stride: 1, dilation: 2, padBegin: 0),
            WindowAxis(axis: 3, kernel: 2, stride: 1, dilation: 2, padBegin: 0),
        ]),
]

/// Global pools: output [N, C, 1, ...]; FLOPs H W per output (average) and H W - 1 (max).
struct GlobalPoolCase: Sendable, CustomTestStringConvertible {
    let label: String
    let input: Shape
    let output: Shape
    let averageFlops: Int
    let maxFlops: Int
    var testDescription: String { label }
}

let globalPoolCases: [GlobalPoolCase] = [
    // HW = 49; average 49·512 = 25,088; max 48·512 = 24,576.
    GlobalPoolCase(label: "ResNet head 512x7x7", input: [1, 512, 7, 7], output: [1, 512, 1, 1], averageFlops: 25_088, maxFlops: 24_576),
    // symbolic batch counts as 1; HW = 12; average 12·3 = 36; max 11·3 = 33.
    GlobalPoolCase(label: "symbolic batch 3x3x4", input: ["N", 3, 3, 4], output: ["N", 3, 1, 1], averageFlops: 36, maxFlops: 33),
    // 1-D: W = 10; average 10·8 = 80; max 9·8 = 72.
    GlobalPoolCase(label: "1-D 8x10", input: ["N", 8, 10], output: ["N", 8, 1], averageFlops: 80, maxFlops: 72),
    // 1x1 input: average 1·4 = 4; max 0·4 = 0.
    GlobalPoolCase(label: "already 1x1", input: [1, 4, 1, 1], output: [1, 4, 1, 1], averageFlops: 4, maxFlops: 0),
]

@Suite("Pools")
struct PoolTests {
    @Test("shape, FLOPs and field step", arguments: poolCases)
    func poolCase(_ c: PoolCase) throws {
        let op: any OperatorSemantics = switch c.kind {
        case .max: MaxPool(window: c.window)
        case .average: AveragePool(window: c.window)
        }
        let output = try op.outputShape(inputs: [c.input])
        #expect(output == c.output)
        #expect(op.weights.isEmpty)
        #expect(try op.cost(inputs: [c.input], output: output) == Cost(macs: 0, flops: c.flops))
        #expect(try op.fieldStep(inputs: [c.input], output: output) == .window(c.field))
    }

    @Test("count_include_pad does not change shape or FLOPs")
    func countIncludePad() throws {
        // k 3 s 1 pad 1 on 4: out 4; FLOPs 9·16 = 144 either way.
        for flag in [false, true] {
            let op = AveragePool(window: SpatialWindow(kernel: [3, 3], padding: .symmetric(1, axes: 2)), countIncludePad: flag)
            let (output, cost, _) = try OpTestKit.evaluate(op, [[1, 1, 4, 4]])
            #expect(output == [1, 1, 4, 4])
            #expect(cost == Cost(flops: 144))
        }
    }

    @Test("global pools", arguments: globalPoolCases)
    func globalPool(_ c: GlobalPoolCase) throws {
        let average = try OpTestKit.evaluate(GlobalAveragePool(), [c.input])
        #expect(average.output == c.output)
        #expect(average.cost == Cost(flops: c.averageFlops))
        #expect(average.step == .global)
        let max = try OpTestKit.evaluate(GlobalMaxPool(), [c.input])
        #expect(max.output == c.output)
        #expect(max.cost == Cost(flops: c.maxFlops))
        #expect(max.step == .global)
        #expect(GlobalAveragePool().weights.isEmpty && GlobalMaxPool().weights.isEmpty)
    }
}
