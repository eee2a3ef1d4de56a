/// Blackman and Vigna's xoshiro256** 1.0 ("Scrambled linear pseudorandom number generators",
/// ACM TOMS 2021; reference code at https://prng.di.unimi.it/xoshiro256starstar.c), the
/// generator behind every random number zoo draws (weights for a spec, inputs for `run`).
///
/// The 256-bit state is seeded from one `UInt64` by four successive outputs of ``SplitMix64``,
/// as the reference code recommends. Every operation is a wrapping integer operation or an
/// IEEE-754 basic operation, so one seed gives the same bits on every platform and compiler:
///
/// - ``next()``: the raw 64-bit output, `rotl(s1 * 5, 7) * 9`.
/// - ``nextDouble()``: the top 53 bits scaled to `[0, 1)`.
/// - ``nextNormal()``: a standard normal sample by the Marsaglia polar method, whose logarithm
///   is ``portableLog(_:)`` rather than the platform's `log`.
///
/// Draw through these three methods when the values must be reproducible: the standard
/// library's `random(in:using:)` and `shuffled(using:)` accept any `RandomNumberGenerator` but do
/// not promise the same algorithm across Swift versions.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    /// The second value of the last polar-method pair, returned by the next ``nextNormal()``.
    private var spareNormal: Double?

    /// A generator whose state is the next four outputs of `SplitMix64(seed: seed)`.
    public init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        s0 = seeder.next()
        s1 = seeder.next()
        s2 = seeder.next()
        s3 = seeder.next()
        // SplitMix64 is a bijection of its counter, and four consecutive counters cannot all
        // map to zero, so the state is never the all-zero fixed point.
    }

    /// A generator with exactly this state (for published test vectors), or nil for the all-zero
    /// state, which xoshiro never leaves.
    public init?(state: (UInt64, UInt64, UInt64, UInt64)) {
        guard state != (0, 0, 0, 0) else { return nil }
        (s0, s1, s2, s3) = state
    }

    /// The current 256-bit state `(s[0], s[1], s[2], s[3])` of the reference code.
    public var state: (UInt64, UInt64, UInt64, UInt64) { (s0, s1, s2, s3) }

    /// The next 64-bit output: `rotl(s[1] * 5, 7) * 9`, then the state advances.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform double in `[0, 1)`: the top 53 bits of ``next()`` times 2^-53 (exact).
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal sample (mean 0, standard deviation 1) by the Marsaglia polar method.
    ///
    /// Draws `u = 2 a - 1`, `v = 2 b - 1` from two ``nextDouble()`` values until
    /// `0 < s = u² + v² < 1`, then with `f = sqrt(-2 portableLog(s) / s)` returns `u f` and keeps
    /// `v f` for the following call. Only IEEE-754 basic operations, `sqrt` and
    /// ``portableLog(_:)`` are involved, so the samples are the same bits everywhere.
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * nextDouble() - 1
            let v = 2 * nextDouble() - 1
            let s = u * u + v * v
            guard s > 0, s < 1 else { continue }
            let factor = (-2 * portableLog(s) / s).squareRoot()
            spareNormal = v * factor
            return u * factor
        }
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    public static func == (lhs: Xoshiro256StarStar, rhs: Xoshiro256StarStar) -> Bool {
        lhs.state == rhs.state && lhs.spareNormal?.bitPattern == rhs.spareNormal?.bitPattern
    }
}

/// Vigna's SplitMix64 (https://prng.di.unimi.it/splitmix64.c): a 64-bit counter advanced by the
/// golden-ratio increment `0x9E3779B97F4A7C15` and passed through a bijective mixing function.
/// It seeds ``Xoshiro256StarStar`` and mixes seeds with names in ``RandomWeights``.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    /// The counter; each ``next()`` adds the increment first, then mixes.
    public private(set) var state: UInt64

    /// A generator whose counter starts at `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next output: `z = state += 0x9E3779B97F4A7C15`, then
    /// `z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9`, `z = (z ^ (z >> 27)) * 0x94D049BB133111EB`,
    /// `z ^ (z >> 31)`.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The natural logarithm computed with IEEE-754 basic operations only, so that it returns the
/// same bits on every platform.
///
/// The C library's `log` is not correctly rounded and differs between platforms (glibc, Apple's
/// libm, musl, Windows) in the last bit for some arguments; the Marsaglia polar method feeds
/// every normal sample through a logarithm, so using it would make a seed give different weights
/// on different machines. This function uses only `+ - * /`, comparisons and exact
/// exponent/significand decomposition through bit patterns, which IEEE-754 defines bit for bit
/// (Swift does not contract `a * b + c` into a fused multiply-add), and its error is below one
/// ulp.
///
/// Method (fdlibm's `e_log.c` with the Taylor series in place of its minimax polynomial):
/// `x = m 2^e` with `m` in `[sqrt(1/2), sqrt(2))` and `e` an integer (subnormals are first scaled
/// by 2^54); with `f = m - 1` (exact), `s = f / (2 + f)` and `z = s²`,
/// `log m = 2 artanh s = f - s f + s R`, `R = 2z/3 + 2z²/5 + ... + 2z¹⁰/21` (the first omitted
/// term is below 2^-60 relative since `|s| <= 0.1716`), and `s f` is evaluated as
/// `hfsq - s hfsq` with `hfsq = f²/2` to keep the rounding small. Finally
/// `log x = e ln2_hi + (log m + e ln2_lo)`, where `ln2_hi` has 32 significant bits so that
/// `e ln2_hi` is exact.
///
/// Special values: `log(0) = -infinity`, `log(+infinity) = +infinity`, NaN for negative
/// arguments and NaN.
public func portableLog(_ x: Double) -> Double {
    if x.isNaN || x < 0 { return .nan }
    if x == 0 { return -.infinity }
    if x == .infinity { return .infinity }

    var bits = x.bitPattern
    var exponent = Int((bits >> 52) & 0x7FF) - 1023
    if exponent == -1023 {
        // Subnormal: scale into the normal range (exact) and correct the exponent.
        bits = (x * 0x1.0p54).bitPattern
        exponent = Int((bits >> 52) & 0x7FF) - 1023 - 54
    }
    // m in [1, 2) from the significand bits with a zero exponent.
    var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
    // The double nearest sqrt(2) lies above it, so `>=` selects exactly the m above sqrt(2).
    if m >= 1.4142135623730951 {
        m *= 0.5
        exponent += 1
    }

    let f = m - 1
    let hfsq = 0.5 * f * f
    let s = f / (2 + f)
    let z = s * s
    var r = 2.0 / 21.0
    r = r * z + 2.0 / 19.0
    r = r * z + 2.0 / 17.0
    r = r * z + 2.0 / 15.0
    r = r * z + 2.0 / 13.0
    r = r * z + 2.0 / 11.0
    r = r * z + 2.0 / 9.0
    r = r * z + 2.0 / 7.0
    r = r * z + 2.0 / 5.0
    r = r * z + 2.0 / 3.0
    r *= z

    // ln 2 split as fdlibm does: hi has its low 32 bits zero, hi + lo = ln 2 to 2^-85.
    let ln2Hi = Double(bitPattern: 0x3FE6_2E42_FEE0_0000)
    let ln2Lo = Double(bitPattern: 0x3DEA_39EF_3579_3C76)
    let k = Double(exponent)
    return k * ln2Hi - ((hfsq - (s * (hfsq + r) + k * ln2Lo)) - f)
}
