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
}
