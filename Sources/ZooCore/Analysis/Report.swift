/// What the analyzer finds for one model: per layer and in total, shapes, parameters, MACs,
/// FLOPs, receptive fields and activation bytes. Rendered as a table, JSON, CSV or Markdown by
/// ``ReportRenderer``; the JSON is an interface people script against (DESIGN.md section 4).
public struct Report: Sendable, Equatable {
    public struct Value: Sendable, Equatable {
        public let name: String
        public let shape: Shape
        /// The source model's layout of this input or output.
        public let sourceLayout: Layout
    }

    public struct Parameters: Sendable, Equatable {
        public var trainable: Int
        public var nonTrainable: Int
        /// Keras's convention: trainable + non-trainable.
        public var total: Int { trainable + nonTrainable }

        public init(trainable: Int = 0, nonTrainable: Int = 0) {
            self.trainable = trainable
            self.nonTrainable = nonTrainable
        }
    }

    /// A layer's receptive field per spatial axis, in axis order; nil in ``LayerReport`` when
    /// global or when the value has no spatial axes.
    public struct Field: Sendable, Equatable {
        public let size: [Int]
        public let stride: [Int]
        public let padding: [Int]
        public let minSize: [Int]
        public let aligned: Bool
    }

    public struct LayerReport: Sendable, Equatable {
        public let name: String
        /// The op's short name (`zoo ops`).
        public let op: String
        public let inputs: [String]
        public let outputShape: Shape
        public let attributes: [Attribute]
        public let params: Parameters
        public let macs: Int
        public let flops: Int
        public let counted: Bool
        /// Bytes of the layer's float32 output, a symbolic dimension counted as 1 (per sample).
        public let activationBytes: Int
        public let receptiveField: Field?
        /// The field state, distinguishing global from no spatial axes.
        public let fieldState: ReceptiveField
    }

    public struct Attribute: Sendable, Equatable {
        public let name: String
        public let value: AttributeValue
    }

    public struct Totals: Sendable, Equatable {
        public var params: Parameters
        public var macs: Int
        public var flops: Int
        public var activationBytes: Int
        /// Layers whose op has no FLOP rule (their FLOPs are unknown, not zero).
        public var uncountedLayers: Int
    }

    public let model: String
    /// `zoo-spec`, `onnx`, `keras-h5`, ...
    public let format: String
    /// The IR layout the per-layer shapes use.
    public let layout: Layout
    public let inputs: [Value]
    public let outputs: [Value]
    public let layers: [LayerReport]
    public let totals: Totals

    /// The report of the layer named `name`.
    public func layer(_ name: String) -> LayerReport? { layers.first { $0.name == name } }
}
