import Foundation

/// Kernels over one contiguous row of logits, for code outside this module that walks
/// rows itself (decoding loops that sample, score and measure each row in one pass).
public enum RowKernels {
    /// log Σᵢ exp(xᵢ), stable (−∞ for a row of −∞).
    @inline(__always)
    public static func logSumExp(_ row: UnsafePointer<Float>, count: Int) -> Float {
        logSumExpRow(row, count: count)
    }

    /// The entropy of softmax(x): lse − Σ pᵢxᵢ, given lse = `logSumExp(row)`.
    @inline(__always)
    public static func softmaxEntropy(_ row: UnsafePointer<Float>, count: Int, logNormalizer: Float) -> Float {
        logNormalizer - expectationUnderSoftmax(row, count: count, logNormalizer: logNormalizer)
    }

    /// Replaces each xᵢ by exp(xᵢ − shift) and returns their sum (a softmax's numerators
    /// and denominator in one pass, for `shift` = the row's maximum).
    @inline(__always)
    public static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        exponentiateShifted(row, count: count, shift: shift)
    }

    /// The largest element (NaN if any is NaN).
    @inline(__always)
    public static func maximum(_ row: UnsafePointer<Float>, count: Int) -> Float {
        maxVectors(row, count: count)
    }

    /// The index of the first largest element.
    @inline(__always)
    public static func argmax(_ row: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for i in 1..<max(count, 1) where row[i] > row[best] { best = i }
        return best
    }

    /// A draw from softmax(row) with `uniform` in [0, 1), together with the row's
    /// log-normaliser and the distribution's entropy, from a single exponential pass:
    /// eᵢ = exp(xᵢ − m) into `scratch` (at least `count` floats), Z = Σeᵢ, the draw walks
    /// the eᵢ, log p = x − m − ln Z and H = ln Z − Σ eᵢ(xᵢ − m)/Z.
    @inline(__always)
    public static func sampleWithStatistics(_ row: UnsafePointer<Float>, count: Int, uniform: Float,
                                            scratch: UnsafeMutablePointer<Float>)
        -> (index: Int, logProbability: Float, logNormalizer: Float, entropy: Float) {
        let m = maxVectors(row, count: count)
        if !m.isFinite { shapeFailure("sample", "a row of logits has maximum \(m); every class is impossible or a logit is not finite") }
        let shift = FloatVector(repeating: m)
        var sum = FloatVector(), weighted = FloatVector()
        var i = 0
        while i + 8 <= count {
            let centered = UnsafeRawPointer(row + i).loadUnaligned(as: FloatVector.self) - shift
            let e = VectorMath.exp(centered)
            UnsafeMutableRawPointer(scratch + i).storeBytes(of: e, as: FloatVector.self)
            sum += e
            weighted += (e * centered).replacing(with: 0, where: e .== 0)
            i += 8
        }
        var total = sum.sum(), moment = weighted.sum()
        while i < count {
            let centered = row[i] - m
            let e = VectorMath.exp(FloatVector(repeating: centered))[0]
            scratch[i] = e
            total += e
            if e != 0 { moment += e * centered }
            i += 1
        }
        let logZ = Foundation.log(total)
        let chosen = CategoricalSampler.walk(weights: scratch, count: count, total: total, uniform: uniform)
        return (chosen, row[chosen] - m - logZ, m + logZ, logZ - moment / total)
    }

    /// A draw from softmax(row) with the uniform `uniform` in [0, 1) and its
    /// log-probability; `scratch` holds at least `count` floats.
    @inline(__always)
    public static func sample(_ row: UnsafePointer<Float>, count: Int, uniform: Float,
                              scratch: UnsafeMutablePointer<Float>) -> (index: Int, logProbability: Float) {
        let (index, logProbability) = CategoricalSampler.sampleRow(row, count: count, uniform: uniform, scratch: scratch)
        return (index, logProbability)
    }
}
