import ZooCore

/// One ONNX node type an IR op is read from, with the opsets of the default domain the reader
/// reads it at.
public struct ONNXNodeType: Sendable, Equatable {
    public let opType: String
    public let opsets: ClosedRange<Int>

    /// `opType` read at every opset the reader follows (``ONNXReader/opsets``), or from `first` on.
    init(_ opType: String, from first: Int = ONNXReader.opsets.lowerBound) {
        self.opType = opType
        self.opsets = first...ONNXReader.opsets.upperBound
    }

    /// `opType` read at `opsets` only (an op deprecated later, as Upsample at 10).
    init(_ opType: String, opsets: ClosedRange<Int>) {
        self.opType = opType
        self.opsets = opsets
    }
}

/// How one IR op kind is spelled in ONNX: the node types it is read from, notes on reading
/// (changelog items, decompositions), and what the writer emits.
public struct ONNXOpRow: Sendable {
    public let kind: any OperatorSemantics.Type
    public let reads: [ONNXNodeType]
    public let readNotes: String
    public let writes: String

    init(_ kind: any OperatorSemantics.Type, reads: [ONNXNodeType], notes: String = "", writes: String) {
        self.kind = kind
        self.reads = reads
        self.readNotes = notes
        self.writes = writes
    }

    /// What `zoo ops` prints: each node type with its opsets, then the notes
    /// ("Add 7-25, Sum 7-25", "HardSwish 14-25", "-" for an op no node type reads).
    public var readsText: String {
        guard !reads.isEmpty else { return readNotes.isEmpty ? "-" : readNotes }
        let types = reads.map { "\($0.opType) \($0.opsets.lowerBound)-\($0.opsets.upperBound)" }.joined(separator: ", ")
        return readNotes.isEmpty ? types : "\(types) (\(readNotes))"
    }
}

/// The ONNX side of every IR op, one row per kind of ``Op/allKinds``: the one place that says
/// which node types the reader maps to IR ops and at which opsets (the reader's support check
/// and `zoo ops` are derived from it; a test checks that every kind has its row).
public enum ONNXOpTable {
    public static let rows: [ONNXOpRow] = [
        ONNXOpRow(Conv.self, reads: [.init("Conv")], writes: "Conv"),
        ONNXOpRow(
            ConvTranspose.self, reads: [.init("ConvTranspose")],
            notes: "output_shape decides the pads; before 11 only even totals and SAME_* with stride 1",
            writes: "ConvTranspose with explicit pads and output_padding"),
        ONNXOpRow(MaxPool.self, reads: [.init("MaxPool")], notes: "ceil_mode, dilations from 10", writes: "MaxPool"),
        ONNXOpRow(AveragePool.self, reads: [.init("AveragePool")], notes: "dilations from 19", writes: "AveragePool (dilations from opset 19)"),
        ONNXOpRow(GlobalAveragePool.self, reads: [.init("GlobalAveragePool")], writes: "GlobalAveragePool"),
        ONNXOpRow(GlobalMaxPool.self, reads: [.init("GlobalMaxPool")], writes: "GlobalMaxPool"),
        ONNXOpRow(Dense.self, reads: [.init("Gemm")], notes: "and MatMul (+ Add) by a constant", writes: "Gemm (rank 2), MatMul + Add otherwise"),
        ONNXOpRow(MatMul.self, reads: [.init("MatMul")], notes: "two runtime inputs", writes: "MatMul"),
        ONNXOpRow(BatchNorm.self, reads: [.init("BatchNormalization")], notes: "inference", writes: "BatchNormalization"),
        ONNXOpRow(
            Normalization.self, reads: [], notes: "none (a Keras layer; its ONNX form reads back as Sub and Div)",
            writes: "Sub by mean, Div by max(sqrt(variance), epsilon) computed once"),
        ONNXOpRow(Relu.self, reads: [.init("Relu")], writes: "Relu"),
        ONNXOpRow(Clip.self, reads: [.init("Clip")], notes: "min/max inputs from 11", writes: "Clip"),
        ONNXOpRow(Sigmoid.self, reads: [.init("Sigmoid")], writes: "Sigmoid"),
        ONNXOpRow(Tanh.self, reads: [.init("Tanh")], writes: "Tanh"),
        ONNXOpRow(
            Softmax.self, reads: [.init("Softmax")], notes: "before 13: flatten, softmax, reshape", writes: "Softmax (before 13: last axis only)"),
        ONNXOpRow(LeakyRelu.self, reads: [.init("LeakyRelu")], writes: "LeakyRelu"),
        ONNXOpRow(PRelu.self, reads: [.init("PRelu")], notes: "a constant slope, unidirectionally broadcast from 7", writes: "PRelu"),
        ONNXOpRow(HardSigmoid.self, reads: [.init("HardSigmoid")], writes: "HardSigmoid"),
        ONNXOpRow(HardSwish.self, reads: [.init("HardSwish", from: 14)], writes: "HardSwish from 14, x * HardSigmoid(x) before"),
        ONNXOpRow(SiLU.self, reads: [.init("Swish", from: 24)], notes: "alpha 1", writes: "x * Sigmoid(x)"),
        ONNXOpRow(Elu.self, reads: [.init("Elu")], notes: "alpha default 1", writes: "Elu"),
        ONNXOpRow(Selu.self, reads: [.init("Selu")], notes: "alpha, gamma defaults of Selu-6", writes: "Selu"),
        ONNXOpRow(Softplus.self, reads: [.init("Softplus")], writes: "Softplus"),
        ONNXOpRow(
            Gelu.self, reads: [.init("Gelu", from: 20)], notes: "approximate none or tanh",
            writes: "Gelu from 20, its function body (Erf or Tanh, Mul, Add) before"),
        ONNXOpRow(LRN.self, reads: [.init("LRN")], writes: "LRN"),
        ONNXOpRow(Add.self, reads: [.init("Add"), .init("Sum")], writes: "Add, Sum"),
        ONNXOpRow(Sub.self, reads: [.init("Sub")], writes: "Sub"),
        ONNXOpRow(Mul.self, reads: [.init("Mul")], writes: "Mul"),
        ONNXOpRow(Div.self, reads: [.init("Div")], writes: "Div"),
        ONNXOpRow(
            Pow.self, reads: [.init("Pow")], notes: "a constant exponent, integer too from 12; a runtime one refused",
            writes: "Pow with an initializer exponent"),
        ONNXOpRow(Sqrt.self, reads: [.init("Sqrt")], writes: "Sqrt"),
        ONNXOpRow(Exp.self, reads: [.init("Exp")], writes: "Exp"),
        ONNXOpRow(Log.self, reads: [.init("Log")], writes: "Log"),
        ONNXOpRow(Neg.self, reads: [.init("Neg")], writes: "Neg"),
        ONNXOpRow(Abs.self, reads: [.init("Abs")], writes: "Abs"),
        ONNXOpRow(Reciprocal.self, reads: [.init("Reciprocal")], writes: "Reciprocal"),
        ONNXOpRow(Erf.self, reads: [.init("Erf", from: 9)], writes: "Erf"),
        ONNXOpRow(Concat.self, reads: [.init("Concat")], writes: "Concat"),
        ONNXOpRow(Flatten.self, reads: [.init("Flatten")], writes: "Flatten"),
        ONNXOpRow(
            Reshape.self, reads: [.init("Reshape"), .init("Squeeze"), .init("Unsqueeze")], notes: "allowzero from 14; axes inputs from 13",
            writes: "Reshape"),
        ONNXOpRow(Transpose.self, reads: [.init("Transpose")], writes: "Transpose"),
        ONNXOpRow(Pad.self, reads: [.init("Pad")], notes: "pads input from 11, axes 18, wrap 19", writes: "Pad (wrap from 19; symmetric refused)"),
        ONNXOpRow(
            Resize.self, reads: [.init("Resize", from: 10), .init("Upsample", opsets: 7...9)],
            notes: "constant scales or sizes; Upsample and Resize-10 asymmetric; roi, coordinate modes, cubic from 11; antialias, axes, keep_aspect_ratio_policy 18; half_pixel_symmetric 19",
            writes: "Resize (antialias, axes-free sizes with a policy from 18; tf_half_pixel_for_nn at 11-12, or as half_pixel where the rounding allows)"),
        ONNXOpRow(Dropout.self, reads: [.init("Dropout")], notes: "inference", writes: "Dropout"),
        ONNXOpRow(Identity.self, reads: [.init("Identity"), .init("Cast")], notes: "Cast between floating-point types", writes: "Identity"),
        ONNXOpRow(
            Slice.self, reads: [.init("Slice"), .init("Split")],
            notes: "constant starts/ends/axes/steps (inputs from 10); Split as one slice per output: split input from 13, num_outputs from 18",
            writes: "Slice with initializer starts, ends, axes and steps"),
        ONNXOpRow(Gather.self, reads: [.init("Gather")], notes: "constant indices", writes: "Gather with initializer indices"),
        ONNXOpRow(
            Expand.self, reads: [.init("Expand", from: 8), .init("Tile")],
            notes: "a constant shape; Tile with constant repeats as Expand where every repeated axis has size 1 (else one Gather per axis)",
            writes: "Expand with an initializer shape"),
        ONNXOpRow(
            ReduceMean.self, reads: [.init("ReduceMean")], notes: "axes input from 18, noop_with_empty_axes 18",
            writes: "ReduceMean (axes input from 18)"),
        ONNXOpRow(
            ReduceSum.self, reads: [.init("ReduceSum")], notes: "axes input from 13, noop_with_empty_axes 13",
            writes: "ReduceSum (axes input from 13)"),
        ONNXOpRow(
            ReduceMax.self, reads: [.init("ReduceMax")], notes: "axes input from 18, noop_with_empty_axes 18",
            writes: "ReduceMax (axes input from 18)"),
        ONNXOpRow(
            ReduceMin.self, reads: [.init("ReduceMin")], notes: "axes input from 18, noop_with_empty_axes 18",
            writes: "ReduceMin (axes input from 18)"),
        ONNXOpRow(Mean.self, reads: [.init("Mean")], notes: "1..N inputs, broadcasting", writes: "Mean"),
        ONNXOpRow(Maximum.self, reads: [.init("Max")], notes: "1..N inputs, broadcasting", writes: "Max"),
        ONNXOpRow(Minimum.self, reads: [.init("Min")], notes: "1..N inputs, broadcasting", writes: "Min"),
        ONNXOpRow(
            LayerNorm.self, reads: [.init("LayerNormalization", from: 17)], notes: "stash_type 1; Mean and InvStdDev outputs refused",
            writes: "LayerNormalization from 17"),
        ONNXOpRow(InstanceNorm.self, reads: [.init("InstanceNormalization")], writes: "InstanceNormalization"),
        ONNXOpRow(
            GroupNorm.self, reads: [.init("GroupNormalization", from: 18)], notes: "scale and bias per group before 21, per channel from 21",
            writes: "GroupNormalization-21 from 21; Reshape, InstanceNormalization, Reshape, Mul, Add before"),
        ONNXOpRow(
            LogSoftmax.self, reads: [.init("LogSoftmax")], notes: "before 13: flatten, logsoftmax, reshape",
            writes: "LogSoftmax (before 13: last axis only)"),
    ]

    /// The row of `kind`, or nil when the table lacks one (a test checks that none does).
    public static func row(for kind: any OperatorSemantics.Type) -> ONNXOpRow? {
        rows.first { $0.kind == kind }
    }

    /// Every node type some row reads, with the opsets it is read at.
    static let readOpsets: [String: ClosedRange<Int>] = Dictionary(
        rows.flatMap { row in row.reads.map { ($0.opType, $0.opsets) } },
        uniquingKeysWith: { a, b in min(a.lowerBound, b.lowerBound)...max(a.upperBound, b.upperBound) })
}
