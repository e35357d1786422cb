import Foundation

/// Draws from categorical distributions given by logits, returning each drawn index with
/// its log-probability — the pair every policy-gradient algorithm records.
///
/// For a row x: m = max x, Z = Σ exp(xᵢ − m); with u uniform in [0, 1) the index is the
/// first i with Σⱼ≤ᵢ exp(xⱼ − m) > u·Z, and its log-probability is xᵢ − m − ln Z.
/// Positions with logit −∞ (masked by top-k or top-p) are never drawn. The uniforms are
/// drawn in row order before the rows are processed in parallel, so the result depends
/// only on the generator's state.
public enum CategoricalSampler {
    /// One draw per row of `logits` [rows, classes] (or [classes] for a single row).
    public static func sample(logits: Tensor, using generator: inout RandomGenerator) -> (indices: IntTensor, logProbabilities: Tensor) {
        let classes = logits.shape.last ?? 0
        if classes == 0 { shapeFailure("sample", "logits of shape \(logits.shape) have no classes") }
        let rows = logits.count / classes
        let uniforms = (0..<rows).map { _ in generator.nextFloat() }
        var indices = [Int32](repeating: 0, count: rows)
        let logProbabilities = TensorStorage(uninitializedCount: rows)
        let source = logits.storage.pointer
        indices.withUnsafeMutableBufferPointer { out in
            let outIndices = out.baseAddress!
            Parallel.forEachChunk(rows, grain: Swift.max(1, 8_192 / classes)) { range in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: classes)
                defer { scratch.deallocate() }
                for r in range {
                    let (index, logProbability) = sampleRow(source + r * classes, count: classes,
                                                            uniform: uniforms[r], scratch: scratch)
                    outIndices[r] = Int32(index)
                    logProbabilities.pointer[r] = logProbability
                }
            }
        }
        let rowShape = Array(logits.shape.dropLast())
        return (IntTensor(indices, shape: rowShape), Tensor(shape: rowShape, storage: logProbabilities))
    }

    /// The draw for one row: weights exp(x − m) into `scratch`, then a cumulative walk.
    @inline(__always)
    static func sampleRow(_ row: UnsafePointer<Float>, count: Int, uniform: Float,
                          scratch: UnsafeMutablePointer<Float>) -> (Int, Float) {
        let m = maxVectors(row, count: count)
        if !m.isFinite { shapeFailure("sample", "a row of logits has maximum \(m); every class is impossible or a logit is not finite") }
        let shift = FloatVector(repeating: m)
        mapVectors(row, scratch, count: count) { VectorMath.exp($0 - shift) }
        let total = sumVectors(scratch, count: count)
        let chosen = walk(weights: scratch, count: count, total: total, uniform: uniform)
        return (chosen, row[chosen] - m - Foundation.log(total))
    }

    /// The first index whose cumulative weight exceeds uniform·total (weights ≥ 0, not all
    /// zero); if rounding leaves the threshold beyond the running sum, the last index with
    /// a positive weight.
    @inline(__always)
    static func walk(weights: UnsafePointer<Float>, count: Int, total: Float, uniform: Float) -> Int {
        let threshold = uniform * total
        var cumulative: Float = 0
        for i in 0..<count {
            cumulative += weights[i]
            if cumulative > threshold && weights[i] > 0 { return i }
        }
        return (0..<count).last { weights[$0] > 0 }!
    }
}
