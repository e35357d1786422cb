/// The seeded random number generator behind every random draw in GenRL.
///
/// xoshiro256** (Blackman & Vigna, 2018) seeded through SplitMix64. It is built from
/// integer operations only, and the floating-point draws use only IEEE arithmetic
/// (`+ − × ÷ √`, and a logarithm written out here rather than taken from the C library),
/// so a seed gives the same numbers on every platform. The state is four words that a
/// checkpoint saves and restores.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    /// The generator's state; restoring it continues the exact sequence.
    public private(set) var state: [UInt64]

    /// A generator whose state is expanded from `seed` with SplitMix64.
    public init(seed: UInt64) {
        var mixer = seed
        state = (0..<4).map { _ in splitMix64(&mixer) }
    }

    /// A generator continuing from a saved `state` (four words, not all zero).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "RandomGenerator: state must be four words, not all zero")
        self.state = state
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotateLeft(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform integer in `0..<bound` without modulo bias (Lemire's method).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "RandomGenerator.nextInt: bound must be positive, got \(bound)")
        let limit = UInt64(bound)
        var product = next().multipliedFullWidth(by: limit)
        if product.low < limit {
            let threshold = (0 &- limit) % limit
            while product.low < threshold {
                product = next().multipliedFullWidth(by: limit)
            }
        }
        return Int(product.high)
    }

    /// A standard normal draw by Marsaglia's polar method.
    public mutating func nextNormal() -> Double {
        while true {
            let u = 2 * nextDouble() - 1, v = 2 * nextDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * portableLog(s) / s).squareRoot()
            }
        }
    }

    /// A new generator for an independent stream, seeded from this one.
    public mutating func split() -> RandomGenerator {
        RandomGenerator(seed: next())
    }

    /// Shuffles `elements` in place (Fisher–Yates with this generator), the same on every
    /// platform and Swift version.
    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(i, nextInt(below: i + 1))
        }
    }

    /// A random permutation of `0..<count`.
    public mutating func permutation(_ count: Int) -> [Int] {
        var indices = Array(0..<count)
        shuffle(&indices)
        return indices
    }

    /// `count` distinct indices of `weights` (fewer if there are fewer), drawn one after
    /// another without replacement, each with probability proportional to its weight among
    /// those not yet drawn, in the order drawn. Efraimidis and Spirakis (2006): the indices of
    /// the `count` largest keys log(uᵢ)/wᵢ, uᵢ uniform in (0, 1]. Weights must be finite and
    /// not negative; indices of weight 0 come last, in random order.
    public mutating func weightedSampleWithoutReplacement(_ count: Int, weights: [Double]) -> [Int] {
        precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite }, "weightedSampleWithoutReplacement: weights must be finite and not negative")
        let keys = weights.map { weight in
            let logU = portableLog(1 - nextDouble())
            return weight > 0 ? logU / weight : -Double.infinity
        }
        let ties = permutation(weights.count)
        return Array(weights.indices.sorted { (keys[$0], ties[$0]) > (keys[$1], ties[$1]) }.prefix(count))
    }
}

@inline(__always)
private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

/// SplitMix64 (Steele et al.): one step of the seed expander.
@inline(__always)
private func splitMix64(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// ln x for finite x > 0 with only IEEE arithmetic: x = m·2ᵉ with m in [√½, √2), and
/// ln m = 2·atanh(t), t = (m − 1)/(m + 1), |t| < 0.172, summed to t²³ (error < 10⁻¹⁶).
func portableLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "portableLog: needs a finite positive number")
    var exponent = Int(x.exponent)
    var m = x.significand  // in [1, 2)
    if m > 1.414_213_562_373_095_1 {
        m /= 2
        exponent += 1
    }
    let t = (m - 1) / (m + 1), t2 = t * t
    var term = t, series = 0.0
    var k = 1.0
    while k <= 23 {
        series += term / k
        term *= t2
        k += 2
    }
    return Double(exponent) * 0.693_147_180_559_945_3 + 2 * series
}
