import ZooCore

/// ReduceSum: `Y = sum X` over the reduced elements (0 when there are none), in double precision.
struct ReduceSumFunction: ReductionFunction {
    var initial: Double { 0 }
    func combine(_ accumulated: Double, _ element: Float) -> Double { accumulated + Double(element) }
    func finish(_ accumulated: Double, count: Int) -> Float { Float(accumulated) }
}
