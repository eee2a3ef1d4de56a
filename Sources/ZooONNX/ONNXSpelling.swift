import ZooCore

/// How each IR op is spelled in ONNX, for `zoo ops`: the node types it reads from (and the
/// opsets of the default domain it reads them at) and what it writes (opsets 11 to 25).
public enum ONNXSpelling {
    /// `reads` and `writes` for the IR op named `name` (`conv`, `dense`, ...).
    public static func spelling(of name: String) -> (reads: String, writes: String) {
        table[name] ?? ("-", "-")
    }

    private static let all = "\(ONNXReader.opsets.lowerBound)-\(ONNXReader.opsets.upperBound)"

    private static let table: [String: (reads: String, writes: String)] = [
        "conv": ("Conv \(all)", "Conv"),
        "maxpool": ("MaxPool \(all) (ceil_mode, dilations from 10)", "MaxPool"),
        "avgpool": ("AveragePool \(all) (dilations from 19)", "AveragePool (dilations from opset 19)"),
        "globalavgpool": ("GlobalAveragePool \(all)", "GlobalAveragePool"),
        "globalmaxpool": ("GlobalMaxPool \(all)", "GlobalMaxPool"),
        "dense": ("Gemm \(all) and MatMul (+ Add) by a constant", "Gemm (rank 2), MatMul + Add otherwise"),
        "matmul": ("MatMul \(all), two runtime inputs", "MatMul"),
        "batchnorm": ("BatchNormalization \(all) (inference)", "BatchNormalization"),
        "relu": ("Relu \(all)", "Relu"),
        "clip": ("Clip \(all) (min/max inputs from 11)", "Clip"),
        "sigmoid": ("Sigmoid \(all)", "Sigmoid"),
        "tanh": ("Tanh \(all)", "Tanh"),
        "softmax": ("Softmax \(all) (before 13: flatten, softmax, reshape)", "Softmax (before 13: last axis only)"),
        "leakyrelu": ("LeakyRelu \(all)", "LeakyRelu"),
        "hardsigmoid": ("HardSigmoid \(all)", "HardSigmoid"),
        "hardswish": ("HardSwish 14-25", "HardSwish from 14, x * HardSigmoid(x) before"),
        "silu": ("Swish 24-25 (alpha 1)", "x * Sigmoid(x)"),
        "lrn": ("LRN \(all)", "LRN"),
        "add": ("Add, Sum \(all)", "Add, Sum"),
        "sub": ("Sub \(all)", "Sub"),
        "mul": ("Mul \(all)", "Mul"),
        "div": ("Div \(all)", "Div"),
        "concat": ("Concat \(all)", "Concat"),
        "flatten": ("Flatten \(all)", "Flatten"),
        "reshape": ("Reshape \(all), Squeeze, Unsqueeze (allowzero from 14)", "Reshape"),
        "transpose": ("Transpose \(all)", "Transpose"),
        "pad": ("Pad \(all) (pads input from 11, axes 18, wrap 19)", "Pad (wrap from 19; symmetric refused)"),
        "dropout": ("Dropout \(all) (inference)", "Dropout"),
        "identity": ("Identity \(all), Cast between floating-point types", "Identity"),
    ]
}
