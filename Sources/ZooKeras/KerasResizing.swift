import ZooCore

/// The IR resize each Keras resampling layer computes, on the channels-first (NCHW) tensor the
/// importer holds, in one place for the reader and the writer.
///
/// - `UpSampling2D(size, interpolation)`: `nearest` repeats each row and column (Keras 3's
///   `ops.repeat`; tf-keras's half-pixel nearest gives the same for whole factors): asymmetric
///   coordinates, rounding down. Any other interpolation is `tf.image.resize` to `in x size`.
/// - `Resizing(height, width, interpolation, antialias)`: `tf.image.resize` to `(height, width)`.
/// - `tf.image.resize`: `bilinear` is linear over half-pixel coordinates; `nearest` rounds
///   `(x + 1/2) / s` down (half-pixel coordinates rounding halves up); `bicubic` is Keys' cubic
///   with `a = -0.5`, taps outside the image given weight 0 and the fraction rounded to 1/1024
///   (TensorFlow's `resize_bicubic` with half-pixel centers reads its weights from a table). With `antialias`, bilinear and bicubic are `scale_and_translate`'s
///   triangle and Keys kernels: stretched when downsampling, outside taps excluded. `area`,
///   `lanczos3`, `lanczos5` (and the crop or pad to an aspect ratio) are refused by name.
enum KerasResizing {
    /// The steps of TensorFlow's bicubic weight table (`kTableSize` of resize_bicubic_op.cc).
    static let tensorFlowCubicSteps = 1024

    /// The interpolations zoo reads, as Keras spells them.
    static let interpolations = ["nearest", "bilinear", "bicubic"]

    static func upSampling(factors: [Int], interpolation: String, layer: String) throws -> Resize {
        guard factors.count == 2, factors.allSatisfy({ $0 >= 1 }) else {
            throw ZooError(.invalidGraph, "UpSampling2D size must be two factors of at least 1. Received: \(factors) in '\(layer)'.", layer: layer)
        }
        let scales = Resize.Target.scales(factors.map(Float.init))
        guard interpolation == "nearest" else { return try imageResize(interpolation, antialias: false, target: scales, layer: layer) }
        return Resize(interpolation: .nearest, target: scales, axes: [2, 3], coordinateMode: .asymmetric, nearestRounding: .floor)
    }

    static func resizing(height: Int, width: Int, interpolation: String, antialias: Bool, layer: String) throws -> Resize {
        guard height >= 1, width >= 1 else {
            throw ZooError(.invalidGraph, "Resizing height and width must be at least 1. Received: \(height) x \(width) in '\(layer)'.", layer: layer)
        }
        return try imageResize(interpolation, antialias: antialias, target: .sizes([height, width], policy: .stretch), layer: layer)
    }

    /// `tf.image.resize(method: interpolation, antialias:)` on axes 2 and 3.
    private static func imageResize(_ interpolation: String, antialias: Bool, target: Resize.Target, layer: String) throws -> Resize {
        switch interpolation {
        case "nearest":
            return Resize(interpolation: .nearest, target: target, axes: [2, 3], coordinateMode: .halfPixel, nearestRounding: .roundPreferCeil)
        case "bilinear":
            return Resize(interpolation: .linear, target: target, axes: [2, 3], excludeOutside: antialias, antialias: antialias)
        case "bicubic":
            // resize_bicubic reads Keys' weights from a 1024-step table; scale_and_translate (antialias) computes them.
            return Resize(
                interpolation: .cubic, target: target, axes: [2, 3], cubicCoefficient: -0.5, excludeOutside: true, antialias: antialias,
                fractionSteps: antialias ? nil : tensorFlowCubicSteps)
        default:
            throw ZooError(
                .unsupported,
                "zoo reads the Keras interpolations \(interpolations.joined(separator: ", ")) (tf.image.resize's, as ONNX Resize states them). Received: '\(interpolation)' in '\(layer)'.",
                layer: layer)
        }
    }

    /// The Keras layer (class and configuration) that computes `op` on an NCHW input of
    /// `input` sizes, or nil when none does: UpSampling2D for whole factors, else Resizing,
    /// each accepted only when its taps (``Resize/taps(_:)``) equal the op's on both axes.
    static func layer(for op: Resize, input: [Int]) throws -> (className: String, config: [String: Any])? {
        let shape = Shape(input)
        let resolved = try op.resolve(shape)
        guard input.count == 4, resolved.allSatisfy({ $0.axis >= 2 }) else { return nil }
        let height = resolved.first { $0.axis == 2 }?.output ?? input[2], width = resolved.first { $0.axis == 3 }?.output ?? input[3]
        var candidates: [(String, [String: Any], Resize)] = []
        if height % input[2] == 0, width % input[3] == 0 {
            let factors = [height / input[2], width / input[3]]
            for interpolation in interpolations {
                candidates.append((
                    "UpSampling2D", ["size": factors, "interpolation": interpolation, "data_format": "channels_last"],
                    try upSampling(factors: factors, interpolation: interpolation, layer: "")))
            }
        }
        for interpolation in interpolations {
            for antialias in [false, true] where !(antialias && interpolation == "nearest") {
                let config: [String: Any] = [
                    "height": height, "width": width, "interpolation": interpolation, "antialias": antialias, "crop_to_aspect_ratio": false,
                    "pad_to_aspect_ratio": false, "fill_mode": "constant", "fill_value": 0.0, "data_format": "channels_last",
                ]
                candidates.append(("Resizing", config, try resizing(height: height, width: width, interpolation: interpolation, antialias: antialias, layer: "")))
            }
        }
        for (className, config, candidate) in candidates where try computesTheSame(candidate, op, shape) {
            return (className, config)
        }
        return nil
    }

    /// Whether `a` and `b` resize the same axes to the same sizes with the same taps and
    /// weights (within float32 rounding of the weights).
    private static func computesTheSame(_ a: Resize, _ b: Resize, _ input: Shape) throws -> Bool {
        let first = try a.resolve(input), second = try b.resolve(input)
        guard first.map({ [$0.axis, $0.output] }) == second.map({ [$0.axis, $0.output] }) else { return false }
        for (x, y) in zip(first, second) {
            let tapsA = a.taps(x), tapsB = b.taps(y)
            guard tapsA.extrapolated == nil, tapsB.extrapolated == nil else { return false }
            guard tapsA.width == tapsB.width || min(tapsA.width, tapsB.width) == 1 else { return false }
            for o in 0..<x.output where !sameRow(tapsA, tapsB, o) { return false }
        }
        return true
    }

    /// Output `o`'s taps as a sum over input indices, compared.
    private static func sameRow(_ a: Resize.Taps, _ b: Resize.Taps, _ o: Int) -> Bool {
        func row(_ taps: Resize.Taps) -> [Int: Float] {
            var weights: [Int: Float] = [:]
            for k in 0..<taps.width { weights[taps.indices[o * taps.width + k], default: 0] += taps.weights[o * taps.width + k] }
            return weights.filter { $0.value != 0 }
        }
        let left = row(a), right = row(b)
        guard Set(left.keys) == Set(right.keys) else { return false }
        return left.allSatisfy { index, weight in abs(weight - (right[index] ?? 0)) <= 1e-6 }
    }
}
