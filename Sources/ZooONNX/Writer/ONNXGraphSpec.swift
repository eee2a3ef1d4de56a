import ZooCore

/// An ONNX graph described in Swift values, before it becomes protobuf-c messages: what
/// ``NodeEmitter`` produces from the IR and ``ProtoBuilder`` serializes.
struct ONNXGraphSpec {
    enum Attribute {
        case int(String, Int)
        case ints(String, [Int])
        case float(String, Float)
        case string(String, String)
    }

    struct Node {
        let opType: String
        let name: String
        let inputs: [String]
        let outputs: [String]
        let attributes: [Attribute]
    }

    /// An initializer: float32 from a tensor (written as raw_data without a copy) or int64.
    struct Initializer {
        enum Data {
            case floats(Tensor)
            case int64s([Int64])
        }

        let name: String
        let dims: [Int]
        let data: Data
        /// Where the data lives when it is written as external data (`data_location = EXTERNAL`).
        var external: External?
    }

    /// An external-data reference: a file next to the model, and a byte range in it.
    struct External {
        let location: String
        let offset: Int
        let length: Int
    }

    struct Value {
        let name: String
        let shape: Shape
    }

    var name: String
    var nodes: [Node] = []
    var initializers: [Initializer] = []
    var inputs: [Value] = []
    var outputs: [Value] = []
}
