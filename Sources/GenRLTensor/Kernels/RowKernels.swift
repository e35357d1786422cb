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

    /// A draw from softmax(row) with the uniform `uniform` in [0, 1) and its
    /// log-probability; `scratch` holds at least `count` floats.
    @inline(__always)
    public static func sample(_ row: UnsafePointer<Float>, count: Int, uniform: Float,
                              scratch: UnsafeMutablePointer<Float>) -> (index: Int, logProbability: Float) {
        let (index, logProbability) = CategoricalSampler.sampleRow(row, count: count, uniform: uniform, scratch: scratch)
        return (index, logProbability)
    }
}
