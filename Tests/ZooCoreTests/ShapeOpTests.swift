import Testing
import ZooCore

/// A data-movement op case (concat, flatten, reshape, transpose, pad): shape and field step;
/// FLOPs are always 0.
struct MovementCase: Sendable, CustomTestStringConvertible {
    let label: String
    let op: Op
    let inputs: [Shape]
    let output: Shape
    let step: FieldStep
    var testDescription: String { label }
}

let movementCases: [MovementCase] = [
    // Concat: 64 + 128 + 32 = 224 channels (an inception-style merge).
    MovementCase(label: "concat channels of three branches", op: .concat(Concat(axis: 1)),
                 inputs: [[1, 64, 28, 28], [1, 128, 28, 28], [1, 32, 28, 28]], output: [1, 224, 28, 28], step: .concat(axis: 1)),
    // axis -1 of rank 2 is 1: 3 + 5 = 8.
    MovementCase(label: "concat axis -1", op: .concat(Concat(axis: -1)), inputs: [[2, 3], [2, 5]], output: [2, 8], step: .concat(axis: 1)),
    // symbolic batch off the axis is kept: 3 + 4 = 7.
    MovementCase(label: "concat with a symbolic batch", op: .concat(Concat(axis: 1)), inputs: [["N", 3], ["N", 4]],
                 output: ["N", 7], step: .concat(axis: 1)),
    // spatial concat: 4 + 6 = 10 on axis 3.
    MovementCase(label: "concat along width", op: .concat(Concat(axis: 3)), inputs: [[1, 2, 5, 4], [1, 2, 5, 6]],
                 output: [1, 2, 5, 10], step: .concat(axis: 3)),

    // Flatten: 512·7·7 = 25,088, the batch symbol survives (VGG-16's flatten).
    MovementCase(label: "flatten [N,512,7,7] axis 1", op: .flatten(Flatten(axis: 1)), inputs: [["N", 512, 7, 7]],
                 output: ["N", 25_088], step: .reshape),
    // LeNet: 16·5·5 = 400.
    MovementCase(label: "flatten LeNet pool2", op: .flatten(Flatten()), inputs: [[1, 16, 5, 5]], output: [1, 400], step: .reshape),
    // axis 0: [1, 2·3·4] = [1, 24].
    MovementCase(label: "flatten axis 0", op: .flatten(Flatten(axis: 0)), inputs: [[2, 3, 4]], output: [1, 24], step: .reshape),
    // axis = rank: [24, 1].
    MovementCase(label: "flatten axis = rank", op: .flatten(Flatten(axis: 3)), inputs: [[2, 3, 4]], output: [24, 1], step: .reshape),
    // axis -1 of rank 3 is 2: [2·3, 4] = [6, 4].
    MovementCase(label: "flatten axis -1", op: .flatten(Flatten(axis: -1)), inputs: [[2, 3, 4]], output: [6, 4], step: .reshape),

    // Reshape: -1 takes N·25,088 / 25,088 = N.
    MovementCase(label: "reshape [-1, 25088] with a symbolic batch", op: .reshape(Reshape(target: [-1, 25_088])),
                 inputs: [["N", 512, 7, 7]], output: ["N", 25_088], step: .reshape),
    // 0 copies N, -1 takes 512·7·7 = 25,088.
    MovementCase(label: "reshape [0, -1] with a symbolic batch", op: .reshape(Reshape(target: [0, -1])),
                 inputs: [["N", 512, 7, 7]], output: ["N", 25_088], step: .reshape),
    // 24 / 4 = 6.
    MovementCase(label: "reshape [4, -1]", op: .reshape(Reshape(target: [4, -1])), inputs: [[2, 3, 4]], output: [4, 6], step: .reshape),
    // 0, 0 copy 2 and 3; -1 = 24 / 6 = 4.
    MovementCase(label: "reshape [0, 0, -1]", op: .reshape(Reshape(target: [0, 0, -1])), inputs: [[2, 3, 4]], output: [2, 3, 4], step: .reshape),
    // 0 copies 2: [2, 12].
    MovementCase(label: "reshape [0, 12]", op: .reshape(Reshape(target: [0, 12])), inputs: [[2, 3, 4]], output: [2, 12], step: .reshape),
    // allowzero: 0 means 0, 0·3 = 0 elements = 3·0.
    MovementCase(label: "reshape allowzero [3, 0] of [0, 3]", op: .reshape(Reshape(target: [3, 0], allowZero: true)),
                 inputs: [[0, 3]], output: [3, 0], step: .reshape),
    // without allowzero the 0 copies axis 0 (size 2).
    MovementCase(label: "reshape [0, 3] copies", op: .reshape(Reshape(target: [0, 3])), inputs: [[2, 3]], output: [2, 3], step: .reshape),
    // channel split keeping the spatial suffix: 64 = 4·16.
    MovementCase(label: "reshape channels [0, 4, 16, 7, 7]", op: .reshape(Reshape(target: [0, 4, 16, 7, 7])),
                 inputs: [["N", 64, 7, 7]], output: ["N", 4, 16, 7, 7], step: .reshape),

    // Transpose: output axis i is input axis perm[i].
    MovementCase(label: "transpose NHWC -> NCHW", op: .transpose(.nhwcToNchw), inputs: [[1, 8, 6, 3]], output: [1, 3, 8, 6],
                 step: .permute([0, 3, 1, 2])),
    MovementCase(label: "transpose NCHW -> NHWC", op: .transpose(.nchwToNhwc), inputs: [["N", 3, 8, 6]], output: ["N", 8, 6, 3],
                 step: .permute([0, 2, 3, 1])),
    MovementCase(label: "transpose default reverses", op: .transpose(Transpose(permutation: nil)), inputs: [[2, 3, 4]],
                 output: [4, 3, 2], step: .permute([2, 1, 0])),

    // Pad: d + begin + end per axis; pads = every begin, then every end.
    // H 5 + 1 + 3 = 9, W 5 + 2 + 4 = 11; the field step carries the begin pads of every axis.
    MovementCase(label: "pad constant, asymmetric", op: .pad(Pad(pads: [0, 0, 1, 2, 0, 0, 3, 4], mode: .constant, value: 0)),
                 inputs: [[1, 3, 5, 5]], output: [1, 3, 9, 11],
                 step: .pad(begin: [0, 0, 1, 2])),
    // The lecture: a 5x5 input padded symmetrically by 1 on each side -> 7x7.
    MovementCase(label: "pad symmetric 5x5 by 1 -> 7x7 (the lecture)", op: .pad(Pad(pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: .symmetric)),
                 inputs: [[1, 1, 5, 5]], output: [1, 1, 7, 7], step: .pad(begin: [0, 0, 1, 1])),
    // reflect at its limit d - 1 = 3: 4 + 3 + 3 = 10.
    MovementCase(label: "pad reflect at the limit d - 1", op: .pad(Pad(pads: [0, 0, 3, 0, 0, 3], mode: .reflect)),
                 inputs: [[1, 1, 4]], output: [1, 1, 10], step: .pad(begin: [0, 0, 3])),
    // symmetric at its limit d = 4: 4 + 4 + 4 = 12.
    MovementCase(label: "pad symmetric at the limit d", op: .pad(Pad(pads: [0, 0, 4, 0, 0, 4], mode: .symmetric)),
                 inputs: [[1, 1, 4]], output: [1, 1, 12], step: .pad(begin: [0, 0, 4])),
    // wrap at its limit d = 4: 4 + 4 + 2 = 10.
    MovementCase(label: "pad wrap at the limit d", op: .pad(Pad(pads: [0, 0, 4, 0, 0, 2], mode: .wrap)),
                 inputs: [[1, 1, 4]], output: [1, 1, 10], step: .pad(begin: [0, 0, 4])),
    // edge has no limit: 2 + 10 + 10 = 22.
    MovementCase(label: "pad edge beyond the size", op: .pad(Pad(pads: [0, 0, 10, 0, 0, 10], mode: .edge)),
                 inputs: [[1, 1, 2]], output: [1, 1, 22], step: .pad(begin: [0, 0, 10])),
    // constant on an empty axis: 0 + 1 + 1 = 2.
    MovementCase(label: "pad constant on an empty axis", op: .pad(Pad(pads: [0, 0, 1, 0, 0, 1])),
                 inputs: [[1, 1, 0]], output: [1, 1, 2], step: .pad(begin: [0, 0, 1])),
    // an unpadded symbolic batch stays symbolic: 4 + 1 + 1 = 6.
    MovementCase(label: "pad keeps a symbolic batch", op: .pad(Pad(pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: .reflect)),
                 inputs: [["N", 3, 4, 4]], output: ["N", 3, 6, 6], step: .pad(begin: [0, 0, 1, 1])),
    // channel padding only: 3 + 1 + 2 = 6 channels.
    MovementCase(label: "pad channels only", op: .pad(Pad(pads: [0, 1, 0, 0, 0, 2, 0, 0])),
                 inputs: [[1, 3, 4, 4]], output: [1, 6, 4, 4], step: .pad(begin: [0, 1, 0, 0])),
]

@Suite("Concat, Flatten, Reshape, Transpose, Pad")
struct ShapeOpTests {
    @Test("shape and field step, no FLOPs, no weights", arguments: movementCases)
    func movement(_ c: MovementCase) throws {
        let (output, cost, step) = try OpTestKit.evaluate(c.op.semantics, c.inputs)
        #expect(output == c.output)
        #expect(cost == Cost(macs: 0, flops: 0))
        #expect(cost.counted)
        #expect(step == c.step)
        #expect(c.op.weights.isEmpty)
    }

    @Test("pad limits: reflect <= d - 1, symmetric and wrap <= d", arguments: [
        // (mode, size, pad, allowed)
        (Pad.Mode.reflect, 4, 3, true), (.reflect, 4, 4, false), (.reflect, 1, 1, false),
        (.symmetric, 4, 4, true), (.symmetric, 4, 5, false),
        (.wrap, 4, 4, true), (.wrap, 4, 5, false),
        (.edge, 4, 100, true), (.edge, 0, 1, false),
        (.constant, 4, 100, true), (.constant, 0, 3, true),
    ])
    func padLimits(mode: Pad.Mode, size: Int, pad: Int, allowed: Bool) throws {
        // pad on the end of the last axis only; output size + pad.
        let op = Pad(pads: [0, 0, 0, 0, 0, pad], mode: mode)
        if allowed {
            #expect(try op.outputShape(inputs: [[1, 1, .fixed(size)]]) == [1, 1, .fixed(size + pad)])
        } else {
            let limit = mode == .reflect ? size - 1 : mode == .edge ? 0 : size
            OpTestKit.expectError(.shapeMismatch, mentioning: [mode.rawValue, "at most \(limit)", "size \(size)", "[0, 0, 0, 0, 0, \(pad)]"]) {
                _ = try op.outputShape(inputs: [[1, 1, .fixed(size)]])
            }
        }
    }
}
