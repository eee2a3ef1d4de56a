/// The matrix product of two runtime tensors with NumPy semantics (ONNX MatMul): the last two
/// axes multiply (`[..., M, K] x [..., K, N] -> [..., M, N]`), the leading axes broadcast, and a
/// rank-1 operand is promoted to a matrix and its axis removed from the result.
///
/// - MACs: `M K N` per broadcast batch element; FLOPs: 2 x MACs.
public struct MatMul: OperatorSemantics {
    public var op: Op { .matMul(self) }

    public init() {}

    public static let info = OpInfo(
        name: "matmul",
        summary: "matrix product of two runtime inputs, NumPy broadcasting",
        flopRule: "2 x MACs; MACs = M x K x N per broadcast batch element",
        fieldRule: "global when an input's last two axes are spatial, otherwise merges the fields",
        minInputs: 2, maxInputs: 2)

    /// The broadcast batch dims, M, K and N, and which operands were promoted from rank 1.
    private func dimensions(_ inputs: [Shape]) throws -> (batch: Shape, m: Dim, k: Int, n: Dim, squeezeM: Bool, squeezeN: Bool) {
        var a = inputs[0], b = inputs[1]
        guard a.rank >= 1, b.rank >= 1 else {
            throw ZooError(.shapeMismatch, "matmul operands need rank 1 or more. Received: \(a) and \(b).")
        }
        let squeezeM = a.rank == 1, squeezeN = b.rank == 1
        if squeezeM { a = Shape([.fixed(1)] + a.dims) }
        if squeezeN { b = Shape(b.dims + [.fixed(1)]) }
        let k = try a.size(ofAxis: a.rank - 1, for: Self.info.name)
        let kb = try b.size(ofAxis: b.rank - 2, for: Self.info.name)
        guard k == kb else {
            throw ZooError(
                .shapeMismatch,
                "matmul needs the first operand's last axis to equal the second's second-to-last. Received: \(inputs[0]) and \(inputs[1]) (\(k) vs \(kb)).")
        }
        let batch = try Broadcasting.shape([Shape(Array(a.dims.dropLast(2))), Shape(Array(b.dims.dropLast(2)))], op: Self.info.name)
        return (batch, a[a.rank - 2], k, b[b.rank - 1], squeezeM, squeezeN)
    }

    public func outputShape(inputs: [Shape]) throws -> Shape {
        let d = try dimensions(inputs)
        var dims = d.batch.dims
        if !d.squeezeM { dims.append(d.m) }
        if !d.squeezeN { dims.append(d.n) }
        return Shape(dims)
    }

    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {}

    public func cost(inputs: [Shape], output: Shape) throws -> Cost {
        let d = try dimensions(inputs)
        let macs = try Checked.multiply(try output.elementCountPerSample(), d.k, "matmul MACs")
        return Cost(macs: macs, flops: try Checked.multiply(macs, 2, "matmul FLOPs"))
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep { .matMul }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [] }
}
