import ZooCore

extension SoftmaxKernel {
    /// LogSoftmax along one axis, `Y = (X - max) - log sum exp(X - max)`: the softmax kernel's
    /// logarithmic mode.
    init(_ logSoftmax: LogSoftmax, shape: [Int]) throws {
        try self.init(axis: logSoftmax.axis, logarithmic: true, shape: shape, op: LogSoftmax.info.name)
    }
}
