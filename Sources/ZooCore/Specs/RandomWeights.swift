import Foundation

/// Materializes the declared weights of a graph (a zoo spec analysed without weights) with
/// seeded random values that are the same on every run and every machine.
///
/// Each declared tensor gets its own ``Xoshiro256StarStar`` generator, seeded with
///
///     tensorSeed = FNV-1a-64(UTF-8 bytes of "<layer name>/<weight name>") ^ SplitMix64(seed: seed).next()
///
/// (FNV-1a 64: offset basis `0xCBF29CE484222325`, prime `0x100000001B3`). A tensor's values
/// therefore depend only on the seed, its layer's name, its weight's name and its shape, never on
/// the order or presence of other layers. Values are drawn in `Double` in row-major order and
/// rounded to `Float`.
///
/// Distributions, chosen by the weight's ``WeightKind`` (non-trivial on purpose, so that a dropped
/// bias or a mishandled batch-norm statistic changes the outputs):
///
/// - Conv `kernel` and Dense `weight`: He-normal, `std * nextNormal()` with
///   `std = sqrt(2 / fan_in)` and `fan_in` the inputs each output sums over
///   (conv `[O, C/groups, kh, kw]`: `C/groups kh kw`; dense: its `in` features). Normal samples
///   come from the Marsaglia polar method (see ``Xoshiro256StarStar/nextNormal()``).
/// - Conv and Dense `bias`: uniform in `[-0.1, 0.1]`.
/// - BatchNorm `gamma`: uniform in `[0.5, 1.5]`; `beta`: uniform in `[-0.1, 0.1]`; running
///   `mean`: uniform in `[-0.1, 0.1]`; running `variance`: uniform in `[0.5, 1.5]` (positive).
/// - Constant operands of Add, Sub, Mul and Div declared without values: uniform in `[-0.1, 0.1]`.
///
/// A uniform sample in `[a, b]` is `a + (b - a) * nextDouble()` (in `[a, b)` before rounding to `Float`).
public enum RandomWeights {
    /// `graph` with every declared weight (``Tensor/storage`` nil) filled with seeded random
    /// values as described on ``RandomWeights`` (one with a known ``Tensor/fill`` with that
    /// value); tensors that already hold values are kept as they are (the same storage object).
    ///
    /// - Throws: a ``ZooError`` naming the layer when a tensor's element or byte count does not
    ///   fit in a 64-bit integer.
    public static func instantiate(_ graph: Graph, seed: UInt64) throws -> Graph {
        try graph.checkDeclaredWeightsFit(what: "Random weights")
        var seeder = SplitMix64(seed: seed)
        let seedMix = seeder.next()
        return try graph.mappingOps { layer in
            var op = layer.op
            do {
                try op.visitWeights { name, kind, tensor in
                    guard !tensor.isMaterialized else { return }
                    if let filled = try tensor.filledOut() {
                        tensor = filled
                        return
                    }
                    let distribution = Distribution(kind: kind)
                    var generator = Xoshiro256StarStar(seed: fnv1a64("\(layer.name)/\(name)") ^ seedMix)
                    tensor = try distribution.sample(shape: tensor.shape, using: &generator, weight: name)
                }
            } catch let error as ZooError {
                throw error.at(layer: layer.name)
            }
            return op
        }
    }

    /// A standard-normal tensor for the graph input `name` (what `zoo run` and `zoo verify` feed
    /// a model when no input file is given), seeded like the weights with the key `input/<name>`:
    /// the same seed gives the same input on every machine.
    public static func input(named name: String, shape: [Int], seed: UInt64) throws -> Tensor {
        do {
            let count = try Checked.product(shape, "the element count of input '\(name)' \(shape)")
            var seeder = SplitMix64(seed: seed)
            var generator = Xoshiro256StarStar(seed: fnv1a64("input/\(name)") ^ seeder.next())
            let storage = try TensorStorage(count: count) { values in
                for index in values.indices { values[index] = Float(generator.nextNormal()) }
            }
            return try Tensor(shape: shape, storage: storage)
        } catch {
            throw error.at(layer: name)
        }
    }

    /// ``input(named:shape:seed:)`` for each of `inputs`, a symbolic batch (the first axis) taken
    /// as 1. Any other symbolic dimension (an image size a model leaves open, say) has no default.
    ///
    /// - Throws: `shapeMismatch` naming the input and asking for `--input-shape` when a
    ///   dimension other than the batch is symbolic.
    public static func inputs(_ inputs: [GraphInput], seed: UInt64) throws -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for input in inputs {
            let shape = try input.shape.dims.enumerated().map { axis, dim -> Int in
                if let size = dim.value { return size }
                guard axis == 0 else {
                    throw ZooError(
                        .shapeMismatch,
                        "Random inputs take a symbolic batch as 1; other dimensions need --input-shape \(input.name)=... or an input file. Received: input '\(input.name)' \(input.shape).",
                        layer: input.name)
                }
                return 1
            }
            tensors[input.name] = try Self.input(named: input.name, shape: shape, seed: seed)
        }
        return tensors
    }

    /// FNV-1a 64 of the UTF-8 bytes of `text`.
    static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// How one weight's values are drawn.
    enum Distribution {
        /// `sqrt(2 / fanIn) * normal`.
        case heNormal(fanIn: Int)
        /// Uniform in `[low, high]`.
        case uniform(low: Double, high: Double)

        static let smallUniform = Distribution.uniform(low: -0.1, high: 0.1)
        static let aroundOne = Distribution.uniform(low: 0.5, high: 1.5)

        /// The distribution of a weight of `kind`: He-normal kernels, gamma and running
        /// variance around one, everything else small and centred on zero.
        init(kind: WeightKind) {
            switch kind {
            case .kernel(let fanIn): self = .heNormal(fanIn: fanIn)
            case .scale, .runningVariance: self = .aroundOne
            case .bias, .shift, .runningMean, .operand, .sampleCount: self = .smallUniform
            }
        }

        /// A tensor of `shape` filled from `generator`, in row-major order.
        func sample(shape: [Int], using generator: inout Xoshiro256StarStar, weight name: String) throws(ZooError) -> Tensor {
            let count = try Checked.product(shape, "the element count of \(name) \(shape)")
            let storage: TensorStorage
            switch self {
            case .heNormal(let fanIn):
                let std = fanIn > 0 ? (2 / Double(fanIn)).squareRoot() : 0
                storage = try TensorStorage(count: count) { values in
                    for index in values.indices { values[index] = Float(std * generator.nextNormal()) }
                }
            case .uniform(let low, let high):
                let width = high - low
                storage = try TensorStorage(count: count) { values in
                    for index in values.indices { values[index] = Float(low + width * generator.nextDouble()) }
                }
            }
            return try Tensor(shape: shape, storage: storage)
        }
    }
}
