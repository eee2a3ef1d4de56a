import Testing
import ZooCore
import ZooExec
import ZooTestSupport

/// The element-wise functions at points whose values are known by hand or from tables (the
/// constants below are the functions' published values, to 10 digits), including the IEEE edge
/// cases the ONNX schemas imply: NaN below the domain, infinities at the poles.
@Suite("Element-wise values")
struct ElementwiseValueTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let op: Op
        let inputs: [Float]
        let expected: [Float]
        var testDescription: String { op.name }
    }

    static let cases: [Case] = [
        // sqrt 0.25 = 0.5, sqrt 2 = 1.4142135624; NaN below 0.
        // e^-1 - 1 = -0.6321205588; 0.5 (e^-2 - 1) = -0.4323323584.
        Case(op: .elu(Elu()), inputs: [-1, 0, 2], expected: [-0.6321205588, 0, 2]),
        Case(op: .elu(Elu(alpha: 0.5)), inputs: [-2, 3], expected: [-0.4323323584, 3]),
        // gamma (alpha e^x - alpha) with ONNX's float32 constants: x = -1 -> -1.1113307413,
        // x = -3 -> -1.6705687340; 2 gamma = 2.1014020443.
        Case(op: .selu(Selu()), inputs: [-1, -3, 0, 2], expected: [-1.1113307413, -1.6705687340, 0, 2.1014020443]),
        // ln 2 = 0.6931471806, ln(1 + e) = 1.3132616875, ln(1 + e^-1) = 0.3132616875,
        // ln(1 + e^-20) = 2.0611536900e-9 (tf-keras's docstring prints 2.0611537e-09), and 100 at
        // 100, where exp(100) overflows float32.
        Case(op: .softplus(Softplus()), inputs: [0, 1, -1, -20, 100], expected: [0.6931471806, 1.3132616875, 0.3132616875, 2.0611536900e-9, 100]),
        // x Phi(x): tf-keras's gelu docstring prints -0.00404951, -0.15865529, 0, 0.8413447,
        // 2.9959507 at -3, -1, 0, 1, 3 (float32); in double -0.0040496941, -0.1586552539, 0,
        // 0.8413447461, 2.9959503059.
        Case(op: .gelu(Gelu()), inputs: [-3, -1, 0, 1, 3], expected: [-0.0040496941, -0.1586552539, 0, 0.8413447461, 2.9959503059]),
        // The tanh form; tf-keras prints -0.00363752, -0.15880796, 0, 0.841192, 2.9963627.
        Case(op: .gelu(Gelu(approximate: .tanh)), inputs: [-3, -1, 0, 1, 3], expected: [-0.0036373921, -0.1588080094, 0, 0.8411919906, 2.9963626079]),
        // 2^3, (-2)^3, 0.5^3; 4^0.5, 2^0.5, NaN for a negative base, 0; 1/0 = inf, 1/4, 1/(-0.5).
        Case(op: .pow(Pow(exponent: 3)), inputs: [2, -2, 0.5], expected: [8, -8, 0.125]),
        Case(op: .pow(Pow(exponent: 0.5)), inputs: [4, 2, -4, 0], expected: [2, 1.4142135624, .nan, 0]),
        Case(op: .pow(Pow(exponent: -1)), inputs: [0, 4, -0.5], expected: [.infinity, 0.25, -2]),
        Case(op: .sqrt(Sqrt()), inputs: [0, 0.25, 4, 2, -1], expected: [0, 0.5, 2, 1.4142135624, .nan]),
        // e = 2.7182818285, 1/e = 0.3678794412, e^2 = 7.3890560989.
        Case(op: .exp(Exp()), inputs: [0, 1, -1, 2], expected: [1, 2.7182818285, 0.3678794412, 7.3890560989]),
        // ln 2 = 0.6931471806, ln 0.5 = -ln 2; ln 0 = -inf; NaN below 0.
        Case(op: .log(Log()), inputs: [1, 2, 0.5, 0, -1], expected: [0, 0.6931471806, -0.6931471806, -.infinity, .nan]),
        Case(op: .neg(Neg()), inputs: [1.5, -2, 0], expected: [-1.5, 2, 0]),
        Case(op: .abs(Abs()), inputs: [-3, 0, 2.5, -.infinity], expected: [3, 0, 2.5, .infinity]),
        // 1/4, 1/(-0.5), 1/0 = +inf.
        Case(op: .reciprocal(Reciprocal()), inputs: [4, -0.5, 0], expected: [0.25, -2, .infinity]),
        // erf 0.5 = 0.5204998778, erf 1 = 0.8427007929, erf 3 = 0.9999779095 (odd function).
        Case(op: .erf(Erf()), inputs: [0, 0.5, 1, -1, 3], expected: [0, 0.5204998778, 0.8427007929, -0.8427007929, 0.9999779095]),
    ]

    @Test(arguments: cases)
    func knownValues(_ c: Case) throws {
        let output = try ExecTestKit.run(c.op, [try Tensor(shape: [c.inputs.count], values: c.inputs)])
        expectClose(output, try Tensor(shape: [c.expected.count], values: c.expected), rtol: 1e-6, atol: 1e-7, "\(c.op.name)")
    }

    /// [[-1, 2, -3], [4, -5, 0]] with slopes [0.5, -1, 2] per column: [[-0.5, 2, -6], [4, 5, 0]].
    @Test func preluPerColumn() throws {
        let op = PRelu(slope: try Tensor(shape: [3], values: [0.5, -1, 2]))
        let output = try ExecTestKit.run(.prelu(op), [try Tensor(shape: [2, 3], values: [-1, 2, -3, 4, -5, 0])])
        #expect(output.shape == [2, 3] && output.values == [-0.5, 2, -6, 4, 5, 0])
    }

    /// A tensor exponent: [2, 3] ^ [[1], [2], [3]] broadcasts to [[2, 3], [4, 9], [8, 27]]; and a
    /// per-column one, [[2, 3], [4, 5]] ^ [2, 0.5] = [[4, 1.7320508076], [16, 2.2360679775]].
    @Test func powTensorExponents() throws {
        let rows = Pow(exponent: .tensor(try Tensor(shape: [3, 1], values: [1, 2, 3])))
        let up = try ExecTestKit.run(.pow(rows), [try Tensor(shape: [2], values: [2, 3])])
        #expect(up.shape == [3, 2] && up.values == [2, 3, 4, 9, 8, 27])
        let columns = Pow(exponent: .tensor(try Tensor(shape: [2], values: [2, 0.5])))
        let same = try ExecTestKit.run(.pow(columns), [try Tensor(shape: [2, 2], values: [2, 3, 4, 5])])
        expectClose(same, try Tensor(shape: [2, 2], values: [4, 1.7320508076, 16, 2.2360679775]), rtol: 1e-6, atol: 0)
    }

    /// The tails of gelu at x = -10, where `1 + erf` and `1 + tanh` cancel to 0 in float32:
    /// `-5 erfc(10 / sqrt 2) = -7.6198530242e-23` and, with `z = sqrt(2/pi) (-10 - 44.715)`,
    /// `-10 / (1 + exp(-2 z)) = -1.2040923482e-37` (both in double), to 1e-4 relative.
    @Test func geluTails() throws {
        let x = try Tensor(shape: [1], values: [-10])
        let exact = try ExecTestKit.run(.gelu(Gelu()), [x])
        expectClose(exact, try Tensor(shape: [1], values: [-7.6198530242e-23]), rtol: 1e-4, atol: 0)
        let tanh = try ExecTestKit.run(.gelu(Gelu(approximate: .tanh)), [x])
        expectClose(tanh, try Tensor(shape: [1], values: [-1.2040923482e-37]), rtol: 1e-4, atol: 0)
    }
}
