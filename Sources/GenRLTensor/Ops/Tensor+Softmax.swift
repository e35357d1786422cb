import Foundation

/// Softmax, log-softmax and the entropy of a categorical distribution given by logits,
/// as fused row kernels over the last axis (other axes are moved there first).
///
///   softmax:     yᵢ = exp(xᵢ − lse(x)),  dx = y ⊙ (g − Σⱼ gⱼyⱼ)
///   logSoftmax:  yᵢ = xᵢ − lse(x),       dx = g − softmax(x)·Σⱼ gⱼ
///   entropy:     H = lse(x) − Σ pᵢxᵢ,     dH/dxᵢ = −pᵢ(xᵢ − Σⱼ pⱼxⱼ)
extension Tensor {
    /// exp(x − logsumexp(x)) along `axis`.
    public func softmax(axis: Int = -1) -> Tensor {
        let a = normalizedAxis(axis, operation: "softmax")
        if a != rank - 1 { return movingAxisToEnd(a).softmax(axis: -1).movingEndAxis(to: a) }
        let out = rowKernel { row, destination, width in
            let lse = logSumExpRow(row, count: width)
            let shift = FloatVector(repeating: lse)
            mapVectors(row, destination, count: width) { VectorMath.exp($0 - shift) }
        }
        let shape = self.shape
        return Tensor.result("softmax", shape: shape, storage: out, inputs: [self]) { g, _ in
            let y = Tensor(shape: shape, storage: out)
            let gy = g * y
            return [gy - y * gy.sum(axis: -1, keepingDimensions: true)]
        }
    }

    /// x − logsumexp(x) along `axis`.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let a = normalizedAxis(axis, operation: "logSoftmax")
        if a != rank - 1 { return movingAxisToEnd(a).logSoftmax(axis: -1).movingEndAxis(to: a) }
        let out = rowKernel { row, destination, width in
            let shift = FloatVector(repeating: logSumExpRow(row, count: width))
            mapVectors(row, destination, count: width) { $0 - shift }
        }
        let shape = self.shape
        return Tensor.result("logSoftmax", shape: shape, storage: out, inputs: [self]) { g, _ in
            let probabilities = Tensor(shape: shape, storage: mapStorage(Tensor(shape: shape, storage: out), VectorMath.exp))
            return [g - probabilities * g.sum(axis: -1, keepingDimensions: true)]
        }
    }

    /// The entropy −Σ p log p of softmax(x) over the last axis, one value per row.
    public func softmaxEntropy() -> Tensor {
        let width = shape.last ?? 1
        let rows = count / Swift.max(width, 1)
        let out = TensorStorage(uninitializedCount: rows)
        let source = storage.pointer
        Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(width, 1))) { range in
            for r in range {
                let row = source + r * width
                let lse = logSumExpRow(row, count: width)
                out.pointer[r] = lse - expectationUnderSoftmax(row, count: width, logNormalizer: lse)
            }
        }
        let shape = self.shape
        return Tensor.result("softmaxEntropy", shape: Array(shape.dropLast()), storage: out, inputs: [self]) { [self] g, _ in
            let gradient = TensorStorage(uninitializedCount: count)
            let pg = g.storage.pointer
            Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(width, 1))) { range in
                for r in range {
                    let row = source + r * width
                    let lse = logSumExpRow(row, count: width)
                    let mean = FloatVector(repeating: expectationUnderSoftmax(row, count: width, logNormalizer: lse))
                    let shift = FloatVector(repeating: lse), scale = FloatVector(repeating: -pg[r])
                    mapVectors(row, gradient.pointer + r * width, count: width) { x in
                        let p = VectorMath.exp(x - shift)
                        return (scale * p * (x - mean)).replacing(with: 0, where: p .== 0)  // −∞ logits: 0, not 0·∞
                    }
                }
            }
            return [Tensor(shape: shape, storage: gradient)]
        }
    }

    /// Applies `body(row, destinationRow, width)` to every row of the last axis, in parallel.
    func rowKernel(_ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> TensorStorage {
        let width = shape.last ?? 1
        let rows = count / Swift.max(width, 1)
        let out = TensorStorage(uninitializedCount: count)
        let source = storage.pointer
        Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(width, 1))) { range in
            for r in range { body(source + r * width, out.pointer + r * width, width) }
        }
        return out
    }

    /// The last axis moved back to position `axis` (inverse of `movingAxisToEnd`).
    func movingEndAxis(to axis: Int) -> Tensor {
        var axes = Array(0..<(rank - 1))
        axes.insert(rank - 1, at: axis)
        return permuted(axes)
    }
}

/// Σ pᵢxᵢ over a row with p = exp(x − logNormalizer); positions where p is 0 contribute
/// nothing even when x is −∞.
@inline(__always)
func expectationUnderSoftmax(_ row: UnsafePointer<Float>, count: Int, logNormalizer: Float) -> Float {
    let shift = FloatVector(repeating: logNormalizer)
    var acc = FloatVector()
    var i = 0
    while i < count {
        var v = FloatVector(repeating: -.infinity)
        let lanes = Swift.min(8, count - i)
        if lanes == 8 {
            v = UnsafeRawPointer(row + i).loadUnaligned(as: FloatVector.self)
        } else {
            for lane in 0..<lanes { v[lane] = row[i + lane] }
        }
        let p = VectorMath.exp(v - shift)
        acc += (p * v).replacing(with: 0, where: p .== 0)
        i += 8
    }
    return acc.sum()
}
