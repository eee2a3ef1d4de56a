/// Clipping to `[min, max]`: `Y = min(max(X, min), max)`; either bound may be absent (infinite).
/// With `min > max` every element becomes `max` (ONNX Clip's definition).
/// ReLU6 is `Clip(0, 6)`.
public struct Clip: ElementwiseUnary {
    public var op: Op { .clip(self) }

    public var min: Float?
    public var max: Float?

    public init(min: Float? = nil, max: Float? = nil) {
        self.min = min
        self.max = max
    }

    /// ReLU6: `min(max(x, 0), 6)`.
    public static let relu6 = Clip(min: 0, max: 6)

    public static let info = OpInfo(
        name: "clip", summary: "min(max(x, min), max); relu6 is clip(0, 6)", flopRule: elementwiseFlopRule, fieldRule: passThroughFieldRule)

    public func outputShape(inputs: [Shape]) throws -> Shape {
        if min?.isNaN == true || max?.isNaN == true {
            throw ZooError(.invalidGraph, "clip bounds must be numbers. Received: min \(String(describing: min)), max \(String(describing: max)).")
        }
        return inputs[0]
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] {
        var list: [(String, AttributeValue)] = []
        if let min { list.append(("min", .float(min))) }
        if let max { list.append(("max", .float(max))) }
        return list
    }
}
