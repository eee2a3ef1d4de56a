import ZooCore

/// ReduceMin: `Y = min X` over the reduced elements (+inf when there are none; NaN when one is NaN).
struct ReduceMinFunction: ReductionFunction {
    var initial: Double { .infinity }
    func combine(_ accumulated: Double, _ element: Float) -> Double {
        accumulated.isNaN || Double(element) >= accumulated ? accumulated : Double(element)
    }
    func finish(_ accumulated: Double, count: Int) -> Float { Float(accumulated) }
}
