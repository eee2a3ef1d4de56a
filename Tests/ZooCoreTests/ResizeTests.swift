import Testing
import ZooCore

/// Resize: output sizes, FLOPs, taps and field steps worked out by hand from ONNX Resize's
/// text, and the errors for bad attributes.
@Suite("Resize")
struct ResizeTests {
    static func scales(_ interpolation: Resize.Interpolation, _ scales: [Float], _ mode: Resize.CoordinateMode = .halfPixel, axes: [Int]? = nil) -> Resize {
        Resize(interpolation: interpolation, target: .scales(scales), axes: axes, coordinateMode: mode)
    }

    @Test("output sizes: floor(scale x in) from scales, the sizes themselves, a common scale for a policy")
    func outputSizes() throws {
        // 5 x 0.6 = 3.0000001 (0.6 in float32) -> 3; 7 x 1.5 = 10.5 -> 10; the symbolic batch keeps scale 1.
        #expect(try Self.scales(.linear, [1, 1, 0.6, 1.5]).outputShape(inputs: [["N", 2, 5, 7]]) == ["N", 2, 3, 10])
        #expect(try Resize(interpolation: .nearest, target: .sizes([9, 4], policy: .stretch), axes: [2, 3]).outputShape(inputs: [["N", 2, 5, 7]])
            == ["N", 2, 9, 4])
        // not_larger on 4 x 6 to at most 3 x 3: scale min(3/4, 3/6) = 0.5, out floor(2 + 1/2) = 2, floor(3 + 1/2) = 3.
        let notLarger = Resize(interpolation: .nearest, target: .sizes([3, 3], policy: .notLarger), axes: [2, 3])
        #expect(try notLarger.outputShape(inputs: [[1, 1, 4, 6]]) == [1, 1, 2, 3])
        // not_smaller: scale max(3/4, 3/6) = 0.75: 3 and floor(4.5 + 1/2) = 5.
        let notSmaller = Resize(interpolation: .nearest, target: .sizes([3, 3], policy: .notSmaller), axes: [2, 3])
        #expect(try notSmaller.outputShape(inputs: [[1, 1, 4, 6]]) == [1, 1, 3, 5])
    }

    @Test("FLOPs: 2n - 1 per element of each pass in axis order, nearest none")
    func flops() throws {
        // [1, 1, 2, 2] -> [1, 1, 4, 4] linear: H pass writes 4 x 2 = 8 elements, W pass 16, each 2 x 2 - 1 = 3 FLOPs.
        let (output, cost, _) = try OpTestKit.evaluate(Self.scales(.linear, [1, 1, 2, 2]), [[1, 1, 2, 2]])
        #expect(output == [1, 1, 4, 4])
        #expect(cost == Cost(macs: 0, flops: (8 + 16) * 3))
        // cubic (4 taps): 7 FLOPs per element; only W changes: 3 x 6 elements.
        let cubic = try OpTestKit.evaluate(Self.scales(.cubic, [1, 1, 1, 2]), [[1, 1, 3, 3]])
        #expect(cubic.cost == Cost(macs: 0, flops: 18 * 7))
        #expect(try OpTestKit.evaluate(Self.scales(.nearest, [1, 1, 2, 2]), [[1, 1, 2, 2]]).cost == .zero)
        // antialias at scale 1/2: the triangle stretched to half-width 2 has 2 - 2 (floor(-2) + 1) = 4 taps.
        let antialiased = Resize(interpolation: .linear, target: .scales([1, 1, 0.5, 1]), antialias: true)
        #expect(antialiased.tapCount(scale: 0.5) == 4)
        #expect(try OpTestKit.evaluate(antialiased, [[1, 1, 8, 2]]).cost == Cost(macs: 0, flops: 4 * 2 * 7))
    }

    @Test("half_pixel linear 2 -> 4: x_in = -1/4, 1/4, 3/4, 5/4 read (0, 0), (0, 1), (0, 1), (1, 1) with 1/4, 3/4 weights")
    func linearTaps() throws {
        let op = Self.scales(.linear, [2])
        let axis = try #require(try op.resolve([2]).first)
        let taps = op.taps(axis)
        #expect(taps.width == 2)
        #expect(taps.indices == [0, 0, 0, 1, 0, 1, 1, 1])
        #expect(taps.weights == [0.25, 0.75, 0.75, 0.25, 0.25, 0.75, 0.75, 0.25])
    }

    @Test("nearest: asymmetric floor repeats, half_pixel round_prefer_floor and ceil differ at halves")
    func nearestTaps() throws {
        // asymmetric x 3: x / 3 floored.
        let repeatThree = Self.scales(.nearest, [3], .asymmetric)
        var floor = repeatThree
        floor.nearestRounding = .floor
        #expect(floor.taps(try #require(try floor.resolve([2]).first)).indices == [0, 0, 0, 1, 1, 1])
        // round_prefer_floor of x / 3 = 0, 1/3, 2/3, 1, 4/3, 5/3: 0, 0, 1, 1, 1, 2 -> clamped to 1.
        #expect(repeatThree.taps(try #require(try repeatThree.resolve([2]).first)).indices == [0, 0, 1, 1, 1, 1])
        // half_pixel 4 -> 2 (scale 1/2): x_in = 2x + 1/2 = 0.5, 2.5: prefer floor 0, 2; prefer ceil 1, 3.
        var down = Self.scales(.nearest, [0.5])
        #expect(down.taps(try #require(try down.resolve([4]).first)).indices == [0, 2])
        down.nearestRounding = .roundPreferCeil
        #expect(down.taps(try #require(try down.resolve([4]).first)).indices == [1, 3])
    }

    @Test("cubic at t = 1/2 with a = -0.75: weights -0.09375, 0.59375, 0.59375, -0.09375")
    func cubicTaps() throws {
        // asymmetric x 2: output 1 maps to 0.5, taps -1 (clamped 0), 0, 1, 2.
        let op = Self.scales(.cubic, [2], .asymmetric)
        let taps = op.taps(try #require(try op.resolve([4]).first))
        #expect(Array(taps.indices[4..<8]) == [0, 0, 1, 2])
        #expect(Array(taps.weights[4..<8]) == [-0.09375, 0.59375, 0.59375, -0.09375])
        // exclude_outside drops tap -1 and renormalizes by 1 - (-0.09375) = 1.09375.
        var excluding = op
        excluding.excludeOutside = true
        let renormalized = excluding.taps(try #require(try excluding.resolve([4]).first))
        #expect(abs(renormalized.weights[4]) < 1e-7)
        #expect(abs(renormalized.weights[5] - Float(0.59375 / 1.09375)) < 1e-7)
    }

    @Test("field steps: unchanged axes element-wise, an integer downsample a window, upsampling global")
    func fieldSteps() throws {
        #expect(try OpTestKit.evaluate(Self.scales(.linear, [1, 1, 1, 1]), [["N", 3, 5, 5]]).step == .elementwise)
        // nearest asymmetric floor by 1/2: output x reads 2x: kernel 1, stride 2, no padding.
        var nearest = Self.scales(.nearest, [1, 1, 0.5, 0.5], .asymmetric)
        nearest.nearestRounding = .floor
        #expect(try OpTestKit.evaluate(nearest, [[1, 3, 8, 8]]).step == .window([
            WindowAxis(axis: 2, kernel: 1, stride: 2, padBegin: 0), WindowAxis(axis: 3, kernel: 1, stride: 2, padBegin: 0),
        ]))
        // linear half_pixel by 1/2: x_in = 2x + 1/2 between 2x and 2x + 1: kernel 2, stride 2.
        #expect(try OpTestKit.evaluate(Self.scales(.linear, [1, 1, 0.5, 1]), [[1, 3, 8, 8]]).step == .window([
            WindowAxis(axis: 2, kernel: 2, stride: 2, padBegin: 0),
        ]))
        #expect(try OpTestKit.evaluate(Self.scales(.nearest, [1, 1, 2, 2]), [[1, 3, 4, 4]]).step == .global)
    }

    @Test("a receptive field through a downsample by 2: r 3 + (2 - 1) x 2 = 5, j 4")
    func downsampledField() throws {
        let shapes: [Shape] = [[1, 3, 8, 8]]
        let op = Self.scales(.linear, [1, 1, 0.5, 1])
        let output = try op.outputShape(inputs: shapes)
        let before = ReceptiveField.local([2: AxisField(size: 3, stride: 2, padding: 1), 3: AxisField(size: 3, stride: 2, padding: 1)])
        let field = try ReceptiveField.propagate(try op.fieldStep(inputs: shapes, output: output), inputs: [before], shapes: shapes, output: output)
        #expect(field == .local([2: AxisField(size: 5, stride: 4, padding: 1), 3: AxisField(size: 3, stride: 2, padding: 1)]))
    }

    @Test("bad attributes and sizes give one error naming the rule and the values")
    func errors() throws {
        OpTestKit.expectError(.invalidGraph, mentioning: ["above 0", "[1.0, 1.0, 0.0, 2.0]"]) {
            _ = try Self.scales(.nearest, [1, 1, 0, 2]).outputShape(inputs: [[1, 1, 2, 2]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["above 0", "-2.0"]) {
            _ = try Self.scales(.nearest, [1, 1, -2, 2]).outputShape(inputs: [[1, 1, 2, 2]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["one scale per input axis", "3 for a rank-4"]) {
            _ = try Self.scales(.nearest, [1, 2, 2]).outputShape(inputs: [[1, 1, 2, 2]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["at least one element", "axis 2"]) {
            _ = try Self.scales(.linear, [1, 1, 0.1, 1]).outputShape(inputs: [[1, 1, 4, 4]])
        }
        OpTestKit.expectError(.shapeMismatch, mentioning: ["overflows", "axis 3"]) {
            _ = try Self.scales(.linear, [1, 1, 1, 1e30]).outputShape(inputs: [[1, 1, 4, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["antialias", "nearest"]) {
            _ = try Resize(interpolation: .nearest, target: .scales([1, 1, 0.5, 0.5]), antialias: true).outputShape(inputs: [[1, 1, 4, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["region of interest"]) {
            _ = try Self.scales(.linear, [1, 1, 2, 2], .tfCropAndResize).outputShape(inputs: [[1, 1, 4, 4]])
        }
        OpTestKit.expectError(.invalidGraph, mentioning: ["axes must be distinct", "[2, -2]"]) {
            _ = try Resize(interpolation: .nearest, target: .sizes([3, 3], policy: .stretch), axes: [2, -2]).outputShape(inputs: [[1, 1, 4, 4]])
        }
        // a size to compute on a symbolic axis needs the axis bound
        OpTestKit.expectError(.shapeMismatch, mentioning: ["unbound symbol 'H'", "--input-shape"]) {
            _ = try Self.scales(.nearest, [1, 1, 2, 2]).outputShape(inputs: [[1, 3, "H", "W"]])
        }
    }

    /// A spec's upsample is nn.Upsample: nearest asymmetric + floor, linear pytorch_half_pixel;
    /// linear x 2 on [8, 4, 4]: the H pass writes 8 x 8 x 4 = 256 elements, the W pass 512, 3
    /// FLOPs each: 2,304.
    @Test("a spec's upsample: nn.Upsample's modes, FLOPs by hand, a bad mode named")
    func specOp() throws {
        let model = try Spec.parse(
            """
            name: t
            input: [8, 4, 4]
            layers:
              - up: {op: upsample, mode: linear}
              - near: {op: upsample, scale: [1, 3]}
            """, file: "t.yaml")
        let report = try model.analyze()
        #expect(report.layer("up")?.outputShape == ["N", 8, 8, 8])
        #expect(report.layer("up")?.flops == 2304)
        #expect(report.layer("near")?.outputShape == ["N", 8, 8, 24])
        guard case .resize(let linear) = model.graph.layers[0].op, case .resize(let nearest) = model.graph.layers[1].op else {
            Issue.record("both layers must be resizes")
            return
        }
        #expect(linear.coordinateMode == .pytorchHalfPixel && nearest.coordinateMode == .asymmetric && nearest.nearestRounding == .floor)
        let error = #expect(throws: ZooError.self) {
            _ = try Spec.parse("name: t\ninput: [4, 5, 5]\nlayers:\n  - up: {op: upsample, mode: area}\n", file: "t.yaml")
        }
        #expect(error?.message.contains("mode must be nearest, linear or cubic. Received: area") == true, "\(String(describing: error))")
    }
}
