import ZooCore

/// ReduceMean: `Y = (sum X) / n` over the `n` reduced elements (NaN when there are none), in
/// double precision.
struct ReduceMeanFunction: ReductionFunction {
    var initial: Double { 0 }
    func combine(_ accumulated: Double, _ element: Float) -> Double { accumulated + Double(element) }
    func finish(_ accumulated: Double, count: Int) -> Float { count > 0 ? Float(accumulated / Double(count)) : .nan }
}
