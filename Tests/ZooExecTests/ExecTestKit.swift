import Testing
import ZooCore
import ZooExec
import ZooTestSupport

/// Random test cases from ZooCore's SplitMix64 (a fixed seed gives the same cases on every run,
/// so a failure can be replayed from its seed).
extension SplitMix64 {
    /// An integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// A fair coin.
    mutating func bool() -> Bool { Bool.random(using: &self) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    /// A float in `range`.
    mutating func float(_ range: ClosedRange<Float>) -> Float { Float.random(in: range, using: &self) }

    /// One element of a non-empty array.
    mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...(choices.count - 1))] }

    /// A random permutation of `0..<count`.
    mutating func permutation(_ count: Int) -> [Int] { Array(0..<count).shuffled(using: &self) }

    /// `count` floats uniform in `range`.
    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in float(range) }
    }

    /// A materialized tensor of `shape` with elements uniform in `range`.
    mutating func tensor(_ shape: [Int], in range: ClosedRange<Float> = -1...1) throws -> Tensor {
        try Tensor(shape: shape, values: floats(shape.reduce(1, *), in: range))
    }

    /// A tensor whose elements have magnitudes in `magnitude` and random signs (for divisors).
    mutating func awayFromZero(_ shape: [Int], magnitude: ClosedRange<Float> = 0.5...2) throws -> Tensor {
        try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in float(magnitude) * (bool() ? 1 : -1) })
    }
}

/// The helpers the ZooExec tests share: running one op or a graph through the executor, and
/// comparing its output with the oracle under the project's tolerance.
enum ExecTestKit {
    /// The tolerance of docs/DESIGN.md section 6: `|a - b| <= atol + rtol |b|`, `b` the oracle's value.
    static let atol = 1e-5
    static let rtol = 1e-4

    /// The elements of a tensor (empty for a declared one, which then fails a count comparison).
    static func floats(_ tensor: Tensor) -> [Float] { tensor.values ?? [] }

    /// A one-layer graph `x0, x1, ... -> y` running `op`.
    static func oneLayerGraph(_ op: Op, inputShapes: [[Int]]) throws -> Graph {
        let names = inputShapes.indices.map { "x\($0)" }
        return try Graph(
            inputs: zip(names, inputShapes).map { GraphInput(name: $0, shape: Shape($1)) },
            layers: [Layer("y", op, inputs: names)],
            outputs: [GraphOutput(name: "y")])
    }

    /// The executor's output for `op` applied to `inputs`.
    static func run(_ op: Op, _ inputs: [Tensor], options: ExecutionOptions = ExecutionOptions()) throws -> Tensor {
        let graph = try oneLayerGraph(op, inputShapes: inputs.map(\.shape))
        let feeds = Dictionary(uniqueKeysWithValues: inputs.enumerated().map { ("x\($0.offset)", $0.element) })
        return try Executor(graph: graph, options: options).run(feeds).outputs[0].tensor
    }

    /// Why the executor's `actual` is not within tolerance of the oracle's `expected` (shape,
    /// count, or the first element that fails, with its multi-index), or nil when it is.
    static func mismatch(_ actual: Tensor, _ expected: OracleArray, atol: Double = atol, rtol: Double = rtol) -> String? {
        closenessProblem(floats(actual).map(Double.init), shape: actual.shape, expected.values, shape: expected.shape, rtol: rtol, atol: atol)
            .map { "executor vs oracle: \($0)" }
    }

    /// Runs `op` on `inputs` in the executor and in the oracle and expects the same shape and
    /// values within tolerance; `context` (the case) is printed with any failure.
    static func checkAgainstOracle(
        _ op: Op, _ inputs: [Tensor], context: String = "", options: ExecutionOptions = ExecutionOptions(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let description = "\(op) on \(inputs.map(\.shape))\(context.isEmpty ? "" : " [\(context)]")"
        let actual: Tensor
        do {
            actual = try run(op, inputs, options: options)
        } catch {
            Issue.record("executor failed: \(error) — \(description)", sourceLocation: sourceLocation)
            return
        }
        let expected = Oracle.evaluate(op, inputs.map(OracleArray.init))
        if let problem = mismatch(actual, expected) {
            Issue.record("\(problem) — \(description)", sourceLocation: sourceLocation)
        }
    }

    /// Expects `body` to throw a ``ZooError`` (of `kind` when given), never to crash or succeed.
    static func expectZooError(
        _ kind: ZooError.Kind? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        let error = #expect(throws: ZooError.self, sourceLocation: sourceLocation) { try body() }
        if let error, let kind {
            #expect(error.kind == kind, "kind \(error.kind): \(error.message)", sourceLocation: sourceLocation)
        }
    }
}
