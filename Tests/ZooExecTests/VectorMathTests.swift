import CZooKernels
import Foundation
import Testing
import ZooExec

/// CZooKernels' vector sigmoid and SiLU (`zoo_kernels_activation`, what the Sigmoid and SiLU
/// kernels, epilogues and tile stores run) on every instruction set this machine runs, against the same formulas in
/// double precision with the C library's `exp`; and its exported hard swish against the four
/// float operations it stands for.
@Suite("Vector sigmoid, SiLU and hard swish")
struct VectorMathTests {
    /// 400,001 points evenly over [-100, 100]: past both ends of the exponential's range.
    static let grid: [Float] = (0...400_000).map { -100 + 200 * Float($0) / 400_000 }
    /// 2^-24: half an ulp of 1.
    static let unit = 0x1p-24

    static func apply(_ function: zoo_activation, _ isa: InstructionSet, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { source in
            y.withUnsafeMutableBufferPointer { zoo_kernels_activation(isa.rawValue, Int32(function.rawValue), source.baseAddress, $0.baseAddress, x.count) }
        }
        return y
    }

    /// The largest error over the grid: relative where the exact value is at least 1e-30 in
    /// magnitude, absolute below. (On AVX2 and SSE2 the exponential is 0 below -87.33, where its
    /// value is no longer a normal float, so sigmoid and SiLU are 0 for x below -88.37, where
    /// their exact values are below 4e-39 and 3.3e-37; AVX-512's scales into the subnormals.)
    static func worstError(_ y: [Float], _ exact: (Double) -> Double) -> (relative: Double, absolute: Double) {
        var relative = 0.0, absolute = 0.0
        for (x, value) in zip(grid, y) {
            let reference = exact(Double(x))
            if abs(reference) >= 1e-30 {
                relative = max(relative, abs(Double(value) - reference) / abs(reference))
            } else {
                absolute = max(absolute, abs(Double(value) - reference))
            }
        }
        return (relative, absolute)
    }

    @Test(arguments: RandomizedKernelTests.instructionSets) func sigmoidIsWithinFourUlps(_ isa: InstructionSet) {
        let error = Self.worstError(Self.apply(ZOO_ACTIVATION_SIGMOID, isa, Self.grid)) { 1 / (1 + exp(-$0)) }
        #expect(error.relative <= 4 * Self.unit, "\(isa): worst relative error \(error.relative)")
        #expect(error.absolute <= 4e-37, "\(isa): below 1e-30, worst error \(error.absolute)")
        let special = Self.apply(ZOO_ACTIVATION_SIGMOID, isa, [.infinity, -.infinity, 0, -0, .nan])
        #expect(special[0] == 1 && special[1] == 0 && special[2] == 0.5 && special[3] == 0.5 && special[4].isNaN, "\(isa): \(special)")
    }

    @Test(arguments: RandomizedKernelTests.instructionSets) func siluIsWithinFiveUlps(_ isa: InstructionSet) {
        let error = Self.worstError(Self.apply(ZOO_ACTIVATION_SILU, isa, Self.grid)) { $0 / (1 + exp(-$0)) }
        #expect(error.relative <= 5 * Self.unit, "\(isa): worst relative error \(error.relative)")
        #expect(error.absolute <= 4e-37, "\(isa): below 1e-30, worst error \(error.absolute)")
        let special = Self.apply(ZOO_ACTIVATION_SILU, isa, [.infinity, 0, .nan, 100])
        #expect(special[0] == .infinity && special[1] == 0 && special[2].isNaN && special[3] == 100, "\(isa): \(special)")
    }

    /// Hard swish as tf2onnx exports Keras's, `x * (clip(x + 3, 0, 6) * (1 / 6))`, is those
    /// four operations rounded to float one by one, bit for bit, over the grid (both clip
    /// bounds and the linear part), at the clip's corners and on infinities and NaN.
    @Test(arguments: RandomizedKernelTests.instructionSets) func hardSwishIsTheFourOpsBitForBit(_ isa: InstructionSet) {
        let sixth: Float = 1 / 6
        let x = Self.grid + [-3, 3, -0, 0, .infinity, -.infinity, .nan, -3.000001, 2.999999]
        let expected = x.map { value -> Float in
            let shifted = value + 3
            let raised = shifted < 0 ? 0 : shifted
            let clipped = raised > 6 ? 6 : raised
            return value * (clipped * sixth)
        }
        let y = Self.apply(ZOO_ACTIVATION_HARD_SWISH, isa, x)
        let differing = zip(y, expected).enumerated().first { $0.element.0.bitPattern != $0.element.1.bitPattern }
        #expect(differing == nil, "\(isa): at x = \(differing.map { x[$0.offset] } ?? 0): \(differing.map { "\($0.element.0) vs \($0.element.1)" } ?? "")")
        // A hand check of the three pieces: 0 below -3, x above 3, x (x + 3) / 6 between.
        #expect(Self.apply(ZOO_ACTIVATION_HARD_SWISH, isa, [-4, 4, 1.5]) == [-0, 4, 1.5 * (4.5 * sixth)], "\(isa)")
    }

    /// Whole vectors and the tail give every element the same arithmetic, so a value does not
    /// depend on where a thread's share starts or ends: the grid mapped at once equals it mapped
    /// in pieces of 1, 7 and 33 elements, bit for bit.
    @Test(arguments: RandomizedKernelTests.instructionSets) func valuesDoNotDependOnTheirPosition(_ isa: InstructionSet) {
        let x = Array(Self.grid[..<1_000])
        for function in [ZOO_ACTIVATION_SIGMOID, ZOO_ACTIVATION_SILU, ZOO_ACTIVATION_HARD_SWISH] {
            let whole = Self.apply(function, isa, x)
            for piece in [1, 7, 33] {
                let pieces = stride(from: 0, to: x.count, by: piece).flatMap { Self.apply(function, isa, Array(x[$0..<min($0 + piece, x.count)])) }
                #expect(pieces.map(\.bitPattern) == whole.map(\.bitPattern), "\(isa), pieces of \(piece)")
            }
        }
    }
}
