import ZooCore

/// ReduceMax: `Y = max X` over the reduced elements (-inf when there are none; NaN when one is NaN).
struct ReduceMaxFunction: ReductionFunction {
    var initial: Double { -.infinity }
    func combine(_ accumulated: Double, _ element: Float) -> Double {
        accumulated.isNaN || Double(element) <= accumulated ? accumulated : Double(element)
    }
    func finish(_ accumulated: Double, count: Int) -> Float { Float(accumulated) }
}
