import ZooCore

/// How one IR op kind is spelled in Keras: the layer classes and `activation` names it is read
/// from, notes on reading, and what the Keras writer makes of it.
public struct KerasOpRow: Sendable {
    public let kind: any OperatorSemantics.Type
    /// Layer classes whose import yields this op (a class may yield several ops and so appear
    /// in several rows).
    public let classes: [String]
    /// Names of `activation=` (and of the `Activation` layer) that import as this op.
    public let activations: [String]
    /// Keras 3 raw operations of `keras.src.ops.numpy` (a functional node such as `x + 3.0`)
    /// that import as this op, by their registered class names.
    public let operations: [String]
    /// TensorFlow functions a Keras 2 `TFOpLambda` layer names (`config.function`, such as
    /// `math.multiply` for `tf.math.multiply`) that import as this op, through the row's
    /// activation or operation.
    public let tensorFlowFunctions: [String]
    public let readNotes: String
    public let writes: String

    init(
        _ kind: any OperatorSemantics.Type, classes: [String] = [], activations: [String] = [], operations: [String] = [],
        tensorFlowFunctions: [String] = [], notes: String = "", writes: String
    ) {
        self.kind = kind
        self.classes = classes
        self.activations = activations
        self.operations = operations
        self.tensorFlowFunctions = tensorFlowFunctions
        self.readNotes = notes
        self.writes = writes
    }

    /// What `zoo ops` prints: the classes, the activations as `Activation('name')`, then the
    /// notes; "-" when nothing reads the op.
    public var readsText: String {
        let names = classes + activations.map { "Activation('\($0)')" } + operations.map { "ops.numpy.\($0)" }
            + tensorFlowFunctions.map { "TFOpLambda tf.\($0)" }
        guard !names.isEmpty else { return readNotes.isEmpty ? "-" : readNotes }
        let list = names.joined(separator: ", ")
        return readNotes.isEmpty ? list : "\(list) (\(readNotes))"
    }
}

/// The Keras side of every IR op, one row per kind of ``Op/allKinds``: the one list of the layer
/// classes and activations the importer reads (its class check and its activation error are
/// derived from it; a test checks that every kind has its row).
public enum KerasOpTable {
    public static let rows: [KerasOpRow] = [
        KerasOpRow(
            Conv.self, classes: ["Conv2D", "Conv1D", "DepthwiseConv2D", "SeparableConv2D"],
            notes: "groups, dilation, causal; SeparableConv2D as two convs",
            writes: "Conv2D, Conv1D, DepthwiseConv2D (groups = channels); ZeroPadding before for other paddings"),
        KerasOpRow(
            ConvTranspose.self, classes: ["Conv2DTranspose", "Conv1DTranspose"],
            notes: "padding and output_padding as TensorFlow crops them",
            writes: "Conv2DTranspose, Conv1DTranspose (groups 1; valid or same with output_padding as needed, else refused)"),
        KerasOpRow(
            MaxPool.self, classes: ["MaxPooling2D", "MaxPooling1D"],
            writes: "MaxPooling2D/1D (valid, same; zero-padded when the input is non-negative)"),
        KerasOpRow(
            AveragePool.self, classes: ["AveragePooling2D", "AveragePooling1D"],
            writes: "AveragePooling2D/1D (valid, same; zero-padded with count_include_pad)"),
        KerasOpRow(
            GlobalAveragePool.self, classes: ["GlobalAveragePooling2D", "GlobalAveragePooling1D"], notes: "+ flatten unless keepdims",
            writes: "GlobalAveragePooling2D/1D (keepdims)"),
        KerasOpRow(
            GlobalMaxPool.self, classes: ["GlobalMaxPooling2D", "GlobalMaxPooling1D"], notes: "+ flatten unless keepdims",
            writes: "GlobalMaxPooling2D/1D (keepdims)"),
        KerasOpRow(Dense.self, classes: ["Dense"], writes: "Dense"),
        KerasOpRow(MatMul.self, writes: "refused (two runtime tensors)"),
        KerasOpRow(BatchNorm.self, classes: ["BatchNormalization"], notes: "center/scale off", writes: "BatchNormalization"),
        KerasOpRow(
            Normalization.self, classes: ["Normalization"], notes: "adapted (weights) or mean/variance given; invert refused",
            writes: "Normalization over the axes its statistics span (weights when stored, mean/variance otherwise); also a Sub then Div by per-channel constants (its ONNX form) when sqrt(d^2) = d exactly"),
        KerasOpRow(Relu.self, classes: ["ReLU"], activations: ["relu"], tensorFlowFunctions: ["nn.relu"], writes: "ReLU"),
        KerasOpRow(
            Clip.self, classes: ["ReLU"], activations: ["relu6"], notes: "ReLU with max_value",
            writes: "ReLU(max_value) when min is 0; refused otherwise"),
        KerasOpRow(Sigmoid.self, activations: ["sigmoid"], tensorFlowFunctions: ["math.sigmoid", "nn.sigmoid"], writes: "Activation('sigmoid')"),
        KerasOpRow(Tanh.self, activations: ["tanh"], operations: ["Tanh"], tensorFlowFunctions: ["math.tanh", "nn.tanh"], writes: "Activation('tanh')"),
        KerasOpRow(Softmax.self, classes: ["Softmax"], activations: ["softmax"], notes: "axis", writes: "Softmax"),
        KerasOpRow(
            LeakyRelu.self, classes: ["LeakyReLU", "ReLU"], activations: ["leaky_relu"],
            notes: "alpha / negative_slope; ReLU with negative_slope", writes: "LeakyReLU"),
        KerasOpRow(
            PRelu.self, classes: ["PReLU"], notes: "alpha channels-last, shared_axes",
            writes: "PReLU (alpha channels-last, shared_axes where the slope is 1)"),
        KerasOpRow(
            HardSigmoid.self, activations: ["hard_sigmoid"], notes: "Keras 2: 0.2x + 0.5; Keras 3: relu6(x + 3) / 6",
            writes: "Rescaling + ReLU(max_value 1)"),
        KerasOpRow(HardSwish.self, activations: ["hard_swish", "hard_silu"], writes: "Activation('hard_silu')"),
        KerasOpRow(SiLU.self, activations: ["swish", "silu"], tensorFlowFunctions: ["nn.silu", "nn.swish"], writes: "Activation('silu')"),
        KerasOpRow(
            Elu.self, classes: ["ELU"], activations: ["elu"], notes: "the ELU layer's alpha, default 1",
            writes: "Activation('elu') for alpha 1, ELU(alpha) otherwise"),
        KerasOpRow(
            Selu.self, activations: ["selu"], notes: "Klambauer et al.'s constants, ONNX's defaults in float32",
            writes: "Activation('selu') with the default alpha and gamma; refused otherwise"),
        KerasOpRow(Softplus.self, activations: ["softplus"], writes: "Activation('softplus')"),
        KerasOpRow(
            Gelu.self, activations: ["gelu"], notes: "exact: Keras 2 and 3 default approximate=False",
            writes: "Activation('gelu') for approximate none; tanh refused"),
        KerasOpRow(LRN.self, writes: "refused (no Keras layer)"),
        KerasOpRow(
            Add.self, classes: ["Add", "Rescaling", "CustomScaleLayer"], operations: ["Add"], tensorFlowFunctions: ["__operators__.add", "math.add"],
            notes: "Rescaling's offset; CustomScaleLayer x + y * scale", writes: "Add; Rescaling for a scalar constant"),
        KerasOpRow(Sub.self, classes: ["Subtract"], operations: ["Subtract"], tensorFlowFunctions: ["__operators__.sub", "math.subtract"], writes: "Subtract; Rescaling for a scalar constant"),
        KerasOpRow(
            Mul.self, classes: ["Multiply", "Rescaling", "LayerScale"], operations: ["Multiply"], tensorFlowFunctions: ["math.multiply", "__operators__.mul"],
            notes: "Rescaling's scale; LayerScale's gamma over channels", writes: "Multiply; Rescaling for a scalar constant; LayerScale (.keras) for a stored one per channel"),
        KerasOpRow(Div.self, operations: ["Divide", "TrueDivide"], tensorFlowFunctions: ["__operators__.truediv", "math.truediv", "math.divide"], writes: "refused (no Divide layer)"),
        KerasOpRow(Pow.self, operations: ["Power"], notes: "a tensor to a number", writes: "refused (no Keras activation or layer)"),
        KerasOpRow(Sqrt.self, operations: ["Sqrt"], writes: "refused (no Keras activation or layer)"),
        KerasOpRow(Exp.self, activations: ["exponential"], operations: ["Exp"], writes: "Activation('exponential')"),
        KerasOpRow(Log.self, operations: ["Log"], writes: "refused (no Keras activation or layer)"),
        KerasOpRow(Neg.self, operations: ["Negative"], writes: "Rescaling(scale -1)"),
        KerasOpRow(Abs.self, operations: ["Absolute", "Abs"], writes: "refused (no Keras activation or layer)"),
        KerasOpRow(Reciprocal.self, operations: ["Reciprocal"], writes: "refused (no Keras activation or layer)"),
        KerasOpRow(Erf.self, writes: "refused (no Keras activation or layer)"),
        KerasOpRow(Concat.self, classes: ["Concatenate"], writes: "Concatenate"),
        KerasOpRow(
            Flatten.self, classes: ["Flatten"], notes: "after a transpose back to Keras's order; GlobalPooling without keepdims",
            writes: "Flatten"),
        KerasOpRow(Reshape.self, classes: ["Reshape"], writes: "Reshape"),
        KerasOpRow(
            Transpose.self, classes: ["Permute"], notes: "and layout changes around channels-last tensors",
            writes: "Permute, or nothing for a layout change"),
        KerasOpRow(Pad.self, classes: ["ZeroPadding2D", "ZeroPadding1D"], writes: "ZeroPadding2D/1D (zeros on spatial axes only)"),
        KerasOpRow(
            Resize.self, classes: ["UpSampling2D", "Resizing"], notes: "nearest, bilinear, bicubic (tf.image.resize's); antialias; crop/pad to aspect ratio refused",
            writes: "UpSampling2D for whole factors, else Resizing, when one computes the same taps; else refused"),
        KerasOpRow(Dropout.self, classes: ["Dropout", "SpatialDropout2D"], notes: "inference", writes: "Dropout"),
        KerasOpRow(Identity.self, activations: ["linear"], writes: "(no layer)"),
        KerasOpRow(
            Slice.self, classes: ["Cropping2D", "Cropping1D"], notes: "data_format aware",
            writes: "Cropping2D/1D (a step-1 crop of the spatial axes only)"),
        KerasOpRow(Gather.self, writes: "refused (no Keras layer)"),
        KerasOpRow(Expand.self, writes: "refused (no Keras layer)"),
        KerasOpRow(ReduceMean.self, writes: "refused (no Keras reduce layer)"),
        KerasOpRow(ReduceSum.self, writes: "refused (no Keras reduce layer)"),
        KerasOpRow(ReduceMax.self, writes: "refused (no Keras reduce layer)"),
        KerasOpRow(ReduceMin.self, writes: "refused (no Keras reduce layer)"),
        KerasOpRow(Mean.self, classes: ["Average"], writes: "Average (no constant operand)"),
        KerasOpRow(Maximum.self, classes: ["Maximum"], writes: "Maximum (no constant operand)"),
        KerasOpRow(Minimum.self, classes: ["Minimum"], writes: "Minimum (no constant operand)"),
        KerasOpRow(
            LayerNorm.self, classes: ["LayerNormalization"], notes: "the last axes, center/scale off; rms_scaling refused",
            writes: "LayerNormalization over the last axis in Keras's order (several axes merged by Reshapes)"),
        KerasOpRow(InstanceNorm.self, writes: "GroupNormalization with one group per channel"),
        KerasOpRow(
            GroupNorm.self, classes: ["GroupNormalization"], notes: "the channel axis, center/scale off",
            writes: "GroupNormalization (axis -1, gamma and beta per channel)"),
        KerasOpRow(LogSoftmax.self, writes: "refused"),
    ]

    /// The row of `kind`, or nil when the table lacks one (a test checks that none does).
    public static func row(for kind: any OperatorSemantics.Type) -> KerasOpRow? {
        rows.first { $0.kind == kind }
    }

    /// Every layer class the importer reads: the rows' classes, `InputLayer`, and `Activation`
    /// (a layer of any of ``activations``).
    public static let classes: Set<String> = Set(rows.flatMap(\.classes)).union(["InputLayer", "Activation"])

    /// Every raw Keras 3 operation (`keras.src.ops.numpy`) the importer reads.
    public static let operations: Set<String> = Set(rows.flatMap(\.operations))

    /// Every TensorFlow function of a Keras 2 `TFOpLambda` the importer reads, with its row.
    public static let tensorFlowFunctions: [String: KerasOpRow] = Dictionary(
        rows.flatMap { row in row.tensorFlowFunctions.map { ($0, row) } }, uniquingKeysWith: { first, _ in first })

    /// Layer classes `keras.applications` registers in its own modules, read only from them.
    public static let applicationModules: [String: String] = [
        "LayerScale": "keras.src.applications.convnext", "CustomScaleLayer": "keras.src.applications.inception_resnet_v2",
    ]

    /// The module of the raw operations zoo reads.
    public static let operationModule = "keras.src.ops.numpy"

    /// Every activation name the importer reads, in table order.
    public static let activations: [String] = rows.flatMap(\.activations)
}
