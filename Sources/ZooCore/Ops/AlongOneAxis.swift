/// An element-wise op whose outputs each depend on a whole line along `axis` (softmax and
/// logsoftmax): the shape is kept, the axis must exist, and the receptive field is mixed along it.
public protocol AlongOneAxis: ElementwiseUnary {
    var axis: Int { get }
}

extension AlongOneAxis {
    public func outputShape(inputs: [Shape]) throws -> Shape {
        _ = try inputs[0].normalizedAxis(axis, for: Self.info.name)
        return inputs[0]
    }

    public func fieldStep(inputs: [Shape], output: Shape) throws -> FieldStep {
        .reduce(axes: [try inputs[0].normalizedAxis(axis, for: Self.info.name)])
    }

    public func attributes(inputs: [Shape]) -> [(String, AttributeValue)] { [("axis", .int(axis))] }
}
