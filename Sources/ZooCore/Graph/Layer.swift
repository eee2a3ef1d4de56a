/// One node of the IR: an op applied to named input values. The layer's name is the name of the
/// value it produces (ONNX value names are kept, so that `verify` can match them).
public struct Layer: Sendable, Equatable {
    public var name: String
    public var op: Op
    public var inputs: [String]
    /// Whether the source model froze the layer (Keras `trainable=False`, a frozen base model):
    /// its trainable weights then count as non-trainable, as Keras counts them.
    public var frozen: Bool

    public init(_ name: String, _ op: Op, inputs: [String], frozen: Bool = false) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.frozen = frozen
    }
}

/// A graph input: its name, its shape as the model takes it (batch first, possibly symbolic),
/// and the layout of that shape in the source model.
public struct GraphInput: Sendable, Equatable {
    public var name: String
    public var shape: Shape
    /// The axis order the model's users hold this input in (`NHWC` for a Keras channels_last
    /// model, whose importer inserts the transpose to the IR's `NCHW`).
    public var layout: Layout

    public init(name: String, shape: Shape, layout: Layout? = nil) {
        self.name = name
        self.shape = shape
        self.layout = layout ?? .channelsFirst(rank: shape.rank)
    }

    /// This input with its shape replaced by `shape` (`--input-shape`): the rank must stay, and
    /// only symbolic dimensions may change.
    public func binding(_ shape: Shape) throws -> GraphInput {
        guard shape.rank == self.shape.rank else {
            throw ZooError(
                .shapeMismatch,
                "A shape given for an input (by --input-shape or an input file) must keep the input's rank (\(self.shape.rank)). Received: input '\(name)' \(self.shape), given \(shape).")
        }
        for (old, new) in zip(self.shape.dims, shape.dims) {
            if case .fixed(let size) = old, new != old {
                throw ZooError(
                    .shapeMismatch,
                    "A shape given for an input (by --input-shape or an input file) may only fill in its symbolic dimensions. Received: input '\(name)' \(self.shape) has the fixed size \(size) where \(shape) gives \(new).")
            }
        }
        var copy = self
        copy.shape = shape
        return copy
    }
}

/// A graph output: the name of the value it exposes and the layout the source model gives it in.
public struct GraphOutput: Sendable, Equatable {
    public var name: String
    /// The source model's layout for this output; nil means the IR's channels-first layout.
    public var layout: Layout?

    public init(name: String, layout: Layout? = nil) {
        self.name = name
        self.layout = layout
    }
}
