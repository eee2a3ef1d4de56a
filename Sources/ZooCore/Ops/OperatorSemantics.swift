/// What every IR op states about itself: its shape rule, its weights, its cost and its
/// receptive-field step. Each op is a struct in its own file in `Ops/`, and ``Op`` is the closed
/// enum over them.
public protocol OperatorSemantics: Sendable, Equatable {
    /// The op's short name, rules and arity, as `zoo ops` lists them.
    static var info: OpInfo { get }

    /// This op as the case of ``Op`` that holds it (`.conv(self)`).
    var op: Op { get }

    /// How many runtime inputs this instance takes (an op holding a constant operand takes one
    /// fewer); defaults to ``OpInfo/minInputs`` ... ``OpInfo/maxInputs``.
    var arity: (min: Int, max: Int?) { get }

    /// The shape rule: the output shape for these input shapes, or a `shapeMismatch` /
    /// `invalidGraph` error stating the rule and the values. Called only with an input count
    /// inside ``arity``.
    func outputShape(inputs: [Shape]) throws -> Shape

    /// Visits every weight tensor the op holds, in a fixed order, letting `body` read or replace it.
    mutating func visitWeights(_ body: (_ name: String, _ kind: WeightKind, _ tensor: inout Tensor) throws -> Void) rethrows

    /// Multiply-accumulates and FLOPs for one evaluation (see ``Cost``).
    func cost(inputs: [Shape], output: Shape) throws -> Cost

    /// How the op transforms the receptive field of its inputs.
    func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep

    /// The op's attributes in a stable order, as the report shows them; padding is resolved
    /// against `inputs` where it depends on them.
    func attributes(inputs: [Shape]) -> [(String, AttributeValue)]
}

extension OperatorSemantics {
    public var arity: (min: Int, max: Int?) { (Self.info.minInputs, Self.info.maxInputs) }

    /// The weights in ``visitWeights(_:)`` order.
    public var weights: [Weight] {
        var copy = self
        var collected: [Weight] = []
        copy.visitWeights { name, kind, tensor in collected.append(Weight(name: name, kind: kind, tensor: tensor)) }
        return collected
    }
}

/// The static description of an op kind.
public struct OpInfo: Sendable {
    /// The short lower-case name (`conv`, `maxpool`, `relu`, ...).
    public let name: String
    /// One line on what the op computes.
    public let summary: String
    /// The FLOP rule in words.
    public let flopRule: String
    /// The receptive-field rule in words.
    public let fieldRule: String
    /// How many runtime inputs the op takes; `maxInputs == nil` means any number from `minInputs`.
    public let minInputs: Int
    public let maxInputs: Int?

    public init(name: String, summary: String, flopRule: String, fieldRule: String, minInputs: Int = 1, maxInputs: Int? = 1) {
        self.name = name
        self.summary = summary
        self.flopRule = flopRule
        self.fieldRule = fieldRule
        self.minInputs = minInputs
        self.maxInputs = maxInputs
    }

    /// A readable statement of the arity: "1 input", "1 or 2 inputs", "at least 2 inputs".
    public var arityDescription: String { Self.describeArity((minInputs, maxInputs)) }

    /// "1 input", "2 inputs", "1 or 2 inputs", "2 to 4 inputs", "at least 1 input".
    public static func describeArity(_ arity: (min: Int, max: Int?)) -> String {
        let count: String
        switch arity.max {
        case nil: count = "at least \(arity.min)"
        case arity.min: count = "\(arity.min)"
        case arity.min + 1: count = "\(arity.min) or \(arity.min + 1)"
        case let upper?: count = "\(arity.min) to \(upper)"
        }
        return count + (arity.max == 1 ? " input" : " inputs")
    }
}

/// Whether a weight counts as a parameter, and in which column.
public enum WeightRole: String, Sendable, Equatable {
    /// Learned by gradient descent: kernels, biases, batch-norm gamma and beta, stored constant
    /// operands (an ONNX file records no flag, so every stored tensor but the batch-norm
    /// statistics is trainable).
    case trainable
    /// Stored state that is not learned by gradients: batch-norm running mean and variance.
    case nonTrainable = "non_trainable"
    /// Not a parameter: a constant standing for an attribute (Keras `Rescaling`'s scale).
    case constant
}

/// What a weight is to its op: it decides the weight's ``WeightRole`` and how random weights
/// are drawn for it.
public enum WeightKind: Sendable, Equatable {
    /// A conv or dense kernel; `fanIn` inputs feed each output.
    case kernel(fanIn: Int)
    /// A bias added per output channel or unit.
    case bias
    /// Batch-norm gamma.
    case scale
    /// Batch-norm beta.
    case shift
    /// Batch-norm running mean.
    case runningMean
    /// Batch-norm running variance.
    case runningVariance
    /// A constant operand of an element-wise op; `stored` when the model file stores it as a
    /// weight (an ONNX initializer), false when it stands for an attribute.
    case operand(stored: Bool)
    /// A stored count of samples the statistics were adapted on (Keras `Normalization`'s
    /// `count`): state, not read by the op's formula.
    case sampleCount

    /// The parameter column the weight counts in.
    public var role: WeightRole {
        switch self {
        case .kernel, .bias, .scale, .shift: .trainable
        case .runningMean, .runningVariance, .sampleCount: .nonTrainable
        case .operand(let stored): stored ? .trainable : .constant
        }
    }
}

/// One named weight of an op.
public struct Weight: Sendable, Equatable {
    public let name: String
    public let kind: WeightKind
    public let tensor: Tensor

    /// The parameter column: ``WeightKind/role``.
    public var role: WeightRole { kind.role }
}

/// The arithmetic cost of one evaluation of an op, for the shapes it sees.
///
/// MACs are the multiply-accumulates of conv, dense and matmul. FLOPs follow one rule per op
/// (stated in each op's ``OpInfo/flopRule``): conv/dense/matmul 2 x MACs plus 1 per output for a
/// bias; batch norm 2 per element; other element-wise ops 1 per output element; softmax 3 per
/// element; pools per window; reductions 1 per input element; layer/instance/group norm 6 per
/// element + 1 per scale + 1 per shift; data movement 0. Symbolic dimensions count as 1 (per sample).
public struct Cost: Sendable, Equatable {
    public var macs: Int
    public var flops: Int
    /// False for an op that has no FLOP rule: its zeros are unknown, not zero.
    public var counted: Bool

    public init(macs: Int = 0, flops: Int = 0, counted: Bool = true) {
        self.macs = macs
        self.flops = flops
        self.counted = counted
    }

    public static let zero = Cost()

    /// `perElement` FLOPs for every element of `shape` (symbols count as 1).
    public static func perElement(_ perElement: Int, of shape: Shape) throws -> Cost {
        let elements = try shape.elementCountPerSample()
        return Cost(flops: try Checked.multiply(elements, perElement, "the FLOP count"))
    }
}

/// How an op maps the receptive fields of its inputs to its output (Araujo et al., Distill 2019).
public enum FieldStep: Sendable, Equatable {
    /// A sliding window along some axes of the first input: r <- r + (k' - 1) j, j <- j s,
    /// p <- p + p_begin j, with k' = d (k - 1) + 1 the dilated kernel.
    case window([WindowAxis])
    /// Padding `begin[axis]` elements before each axis: p <- p + p_begin j on the axes that
    /// carry a field (a pad op; it never makes an axis spatial).
    case pad(begin: [Int])
    /// Output element i of every axis depends on element i of each input (NumPy broadcasting
    /// aligns axes from the right); several spatial inputs are merged.
    case elementwise
    /// Concatenation along `axis`: a merge, unless `axis` is spatial (then global).
    case concat(axis: Int)
    /// The output mixes every element along these axes of the first input: global when one of
    /// them is a spatial axis of size > 1, otherwise element-wise; when the output has fewer
    /// axes (a reduction without keepdims) the reduced axes are dropped.
    case reduce(axes: [Int])
    /// A matrix product over the last two axes: global when either input has a spatial field
    /// there, otherwise element-wise over the batch axes.
    case matMul
    /// Output axis i is input axis `permutation[i]`.
    case permute([Int])
    /// A reshape: spatial axes of size > 1 that survive unchanged (in a common prefix or suffix
    /// of the two shapes) keep their field; otherwise the field becomes global.
    case reshape
    /// Every output depends on the whole input.
    case global
    /// A strided selection (a slice): the window steps `windows` (kernel 1, stride the step,
    /// padBegin `-start`) on the axes among theirs that carry a field; a field on an axis of
    /// `reversed` (a negative step) becomes global. It never makes an axis spatial.
    case slice(windows: [WindowAxis], reversed: [Int])
    /// Gather along `axis` by indices of rank `indexRank`: global when `axis` carries a field;
    /// otherwise the other axes keep their fields, those after `axis` moved by `indexRank - 1`.
    case gather(axis: Int, indexRank: Int)
}

/// One axis of a ``FieldStep/window(_:)`` step.
public struct WindowAxis: Sendable, Equatable {
    public let axis: Int
    public let kernel: Int
    public let stride: Int
    public let dilation: Int
    /// Padding added before the first element of this axis.
    public let padBegin: Int

    /// The dilated kernel extent `k' = d (k - 1) + 1`, overflow-checked.
    public func extent() throws -> Int {
        try Self.extent(kernel: kernel, dilation: dilation)
    }

    /// `d (k - 1) + 1`, the span of `kernel` taps spaced `dilation` apart, overflow-checked.
    public static func extent(kernel: Int, dilation: Int) throws -> Int {
        try Checked.add(try Checked.multiply(dilation, kernel - 1, "a dilated kernel"), 1, "a dilated kernel")
    }

    public init(axis: Int, kernel: Int, stride: Int, dilation: Int = 1, padBegin: Int) {
        self.axis = axis
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padBegin = padBegin
    }
}

/// An attribute value as reports show it.
public enum AttributeValue: Sendable, Equatable {
    case int(Int)
    case ints([Int])
    case float(Float)
    case floats([Float])
    case string(String)
    case bool(Bool)
}

/// Lets `body` visit an optional weight (a bias, batch-norm gamma) when it is present.
func visitOptional(
    _ name: String, _ kind: WeightKind, _ tensor: inout Tensor?,
    _ body: (String, WeightKind, inout Tensor) throws -> Void
) rethrows {
    guard var present = tensor else { return }
    try body(name, kind, &present)
    tensor = present
}
