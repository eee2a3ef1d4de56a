/// The closed catalog of IR ops: one case per op, each holding the op's struct (its file in
/// `Ops/` states the formulas). Switches over `Op` are exhaustive on purpose: adding a case
/// makes the compiler point at every format table and kernel that must learn it.
public enum Op: Sendable, Equatable {
    case conv(Conv)
    case convTranspose(ConvTranspose)
    case maxPool(MaxPool)
    case averagePool(AveragePool)
    case globalAveragePool(GlobalAveragePool)
    case globalMaxPool(GlobalMaxPool)
    case dense(Dense)
    case matMul(MatMul)
    case batchNorm(BatchNorm)
    case normalization(Normalization)
    case relu(Relu)
    case clip(Clip)
    case sigmoid(Sigmoid)
    case tanh(Tanh)
    case softmax(Softmax)
    case leakyRelu(LeakyRelu)
    case prelu(PRelu)
    case hardSigmoid(HardSigmoid)
    case hardSwish(HardSwish)
    case silu(SiLU)
    case elu(Elu)
    case selu(Selu)
    case softplus(Softplus)
    case gelu(Gelu)
    case lrn(LRN)
    case add(Add)
    case sub(Sub)
    case mul(Mul)
    case div(Div)
    case pow(Pow)
    case sqrt(Sqrt)
    case exp(Exp)
    case log(Log)
    case neg(Neg)
    case abs(Abs)
    case reciprocal(Reciprocal)
    case erf(Erf)
    case concat(Concat)
    case flatten(Flatten)
    case reshape(Reshape)
    case transpose(Transpose)
    case pad(Pad)
    case resize(Resize)
    case dropout(Dropout)
    case identity(Identity)
    case slice(Slice)
    case gather(Gather)
    case expand(Expand)
    case reduceMean(ReduceMean)
    case reduceSum(ReduceSum)
    case reduceMax(ReduceMax)
    case reduceMin(ReduceMin)
    case mean(Mean)
    case maximum(Maximum)
    case minimum(Minimum)
    case layerNorm(LayerNorm)
    case instanceNorm(InstanceNorm)
    case groupNorm(GroupNorm)
    case logSoftmax(LogSoftmax)

    /// The op's semantics as an existential, for code that treats every op alike.
    public var semantics: any OperatorSemantics {
        switch self {
        case .conv(let op): op
        case .convTranspose(let op): op
        case .maxPool(let op): op
        case .averagePool(let op): op
        case .globalAveragePool(let op): op
        case .globalMaxPool(let op): op
        case .dense(let op): op
        case .matMul(let op): op
        case .batchNorm(let op): op
        case .normalization(let op): op
        case .relu(let op): op
        case .clip(let op): op
        case .sigmoid(let op): op
        case .tanh(let op): op
        case .softmax(let op): op
        case .leakyRelu(let op): op
        case .prelu(let op): op
        case .hardSigmoid(let op): op
        case .hardSwish(let op): op
        case .silu(let op): op
        case .elu(let op): op
        case .selu(let op): op
        case .softplus(let op): op
        case .gelu(let op): op
        case .lrn(let op): op
        case .add(let op): op
        case .sub(let op): op
        case .mul(let op): op
        case .div(let op): op
        case .pow(let op): op
        case .sqrt(let op): op
        case .exp(let op): op
        case .log(let op): op
        case .neg(let op): op
        case .abs(let op): op
        case .reciprocal(let op): op
        case .erf(let op): op
        case .concat(let op): op
        case .flatten(let op): op
        case .reshape(let op): op
        case .transpose(let op): op
        case .pad(let op): op
        case .resize(let op): op
        case .dropout(let op): op
        case .identity(let op): op
        case .slice(let op): op
        case .gather(let op): op
        case .expand(let op): op
        case .reduceMean(let op): op
        case .reduceSum(let op): op
        case .reduceMax(let op): op
        case .reduceMin(let op): op
        case .mean(let op): op
        case .maximum(let op): op
        case .minimum(let op): op
        case .layerNorm(let op): op
        case .instanceNorm(let op): op
        case .groupNorm(let op): op
        case .logSoftmax(let op): op
        }
    }

    /// Every op kind, in the order `zoo ops` lists them.
    public static let allKinds: [any OperatorSemantics.Type] = [
        Conv.self, ConvTranspose.self, MaxPool.self, AveragePool.self, GlobalAveragePool.self, GlobalMaxPool.self, Dense.self, MatMul.self,
        BatchNorm.self, Normalization.self, Relu.self, Clip.self, Sigmoid.self, Tanh.self, Softmax.self, LeakyRelu.self, PRelu.self,
        HardSigmoid.self, HardSwish.self, SiLU.self, Elu.self, Selu.self, Softplus.self, Gelu.self, LRN.self, Add.self,
        Sub.self, Mul.self, Div.self, Pow.self, Sqrt.self, Exp.self, Log.self, Neg.self, Abs.self, Reciprocal.self,
        Erf.self, Concat.self, Flatten.self, Reshape.self, Transpose.self, Pad.self, Resize.self, Dropout.self, Identity.self,
        Slice.self, Gather.self, Expand.self,
        ReduceMean.self, ReduceSum.self, ReduceMax.self, ReduceMin.self, Mean.self, Maximum.self, Minimum.self, LayerNorm.self, InstanceNorm.self, GroupNorm.self, LogSoftmax.self,
    ]

    /// The short name (`conv`, `relu`, ...).
    public var name: String { type(of: semantics).info.name }

    /// The weights in visiting order.
    public var weights: [Weight] { semantics.weights }

    /// Visits (and may replace) every weight.
    public mutating func visitWeights(_ body: (String, WeightKind, inout Tensor) throws -> Void) rethrows {
        var op = semantics
        try op.visitWeights(body)
        self = op.op
    }
}
