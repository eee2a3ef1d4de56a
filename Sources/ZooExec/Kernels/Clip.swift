import ZooCore

/// `min(max(x, min), max)`, an absent bound being infinite.
extension Clip: ElementwiseFunction {
    func callAsFunction(_ x: Float) -> Float {
        var y = x
        if let min, y < min { y = min }
        if let max, y > max { y = max }
        return y
    }
}
