import ZooCore

/// How each IR op is spelled in Keras, for `zoo ops`: the Keras layers (and activations) it is
/// read from, and what the Keras writer makes of it.
public enum KerasSpelling {
    /// `reads` and `writes` for the IR op named `name` (`conv`, `dense`, ...).
    public static func spelling(of name: String) -> (reads: String, writes: String) {
        table[name] ?? ("-", "-")
    }

    private static let table: [String: (reads: String, writes: String)] = [
        "conv": ("Conv2D, Conv1D (groups, dilation; causal), DepthwiseConv2D, SeparableConv2D (two convs)",
                 "Conv2D, Conv1D, DepthwiseConv2D (groups = channels); ZeroPadding before for other paddings"),
        "maxpool": ("MaxPooling2D, MaxPooling1D", "MaxPooling2D/1D (valid, same; zero-padded when the input is non-negative)"),
        "avgpool": ("AveragePooling2D, AveragePooling1D", "AveragePooling2D/1D (valid, same; zero-padded with count_include_pad)"),
        "globalavgpool": ("GlobalAveragePooling2D/1D (+ flatten unless keepdims)", "GlobalAveragePooling2D/1D (keepdims)"),
        "globalmaxpool": ("GlobalMaxPooling2D/1D (+ flatten unless keepdims)", "GlobalMaxPooling2D/1D (keepdims)"),
        "dense": ("Dense", "Dense"),
        "matmul": ("-", "refused (two runtime tensors)"),
        "batchnorm": ("BatchNormalization (center/scale off)", "BatchNormalization"),
        "relu": ("ReLU, Activation('relu')", "ReLU"),
        "clip": ("ReLU(max_value), Activation('relu6')", "ReLU(max_value) when min is 0; refused otherwise"),
        "sigmoid": ("Activation('sigmoid')", "Activation('sigmoid')"),
        "tanh": ("Activation('tanh')", "Activation('tanh')"),
        "softmax": ("Softmax(axis), Activation('softmax')", "Softmax"),
        "leakyrelu": ("LeakyReLU (alpha / negative_slope), ReLU(negative_slope), Activation('leaky_relu')", "LeakyReLU"),
        "hardsigmoid": ("Activation('hard_sigmoid') (Keras 2: 0.2x + 0.5; Keras 3: relu6(x + 3) / 6)", "Rescaling + ReLU(max_value 1)"),
        "hardswish": ("Activation('hard_swish', 'hard_silu')", "Activation('hard_silu')"),
        "silu": ("Activation('swish', 'silu')", "Activation('silu')"),
        "lrn": ("-", "refused (no Keras layer)"),
        "add": ("Add, Rescaling(offset)", "Add; Rescaling for a scalar constant"),
        "sub": ("Subtract", "Subtract; Rescaling for a scalar constant"),
        "mul": ("Multiply, Rescaling(scale)", "Multiply; Rescaling for a scalar constant"),
        "div": ("-", "refused (no Divide layer)"),
        "concat": ("Concatenate", "Concatenate"),
        "flatten": ("Flatten (after a transpose back to Keras's order), GlobalPooling without keepdims", "Flatten"),
        "reshape": ("Reshape", "Reshape"),
        "transpose": ("Permute; layout changes around channels-last tensors", "Permute, or nothing for a layout change"),
        "pad": ("ZeroPadding2D, ZeroPadding1D", "ZeroPadding2D/1D (zeros on spatial axes only)"),
        "dropout": ("Dropout, SpatialDropout2D (inference)", "Dropout"),
        "identity": ("Activation('linear')", "(no layer)"),
    ]
}
