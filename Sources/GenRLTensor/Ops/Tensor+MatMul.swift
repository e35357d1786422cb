/// Matrix products: `matmul` (with batch axes that broadcast, and optional transposes
/// read in place) and the fused affine map `linear` used by every dense layer.
///
/// For C = op(A)·op(B) the derivatives are dA = g·op(B)ᵀ and dB = op(A)ᵀ·g (transposed
/// back when A or B was read transposed), summed over broadcast batch axes.
extension Tensor {
    /// The product of the last two axes of `a` and `b` (transposed when asked); leading
    /// axes are batch axes that broadcast. A batch of matrices times one matrix is a
    /// single product over all rows.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        if a.rank < 2 || b.rank < 2 {
            shapeFailure("matmul", "needs matrices (rank ≥ 2), got shapes \(a.shape) and \(b.shape)")
        }
        let (m, k) = transposeA ? (a.shape[a.rank - 1], a.shape[a.rank - 2]) : (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (kb, n) = transposeB ? (b.shape[b.rank - 1], b.shape[b.rank - 2]) : (b.shape[b.rank - 2], b.shape[b.rank - 1])
        if k != kb {
            shapeFailure("matmul", "inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") × \(b.shape)\(transposeB ? "ᵀ" : "") (\(k) vs \(kb))")
        }
        // [..., m, k] × [k, n]: fold the batch into the rows.
        if b.rank == 2 && a.rank > 2 && !transposeA {
            let rows = a.reshaped([-1, k])
            return matmul(rows, b, transposeB: transposeB).reshaped(Array(a.shape.dropLast()) + [n])
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = broadcastShapes(batchA, batchB, operation: "matmul")
        let batchCount = elementCount(batch)
        let stridesA = broadcastStrides(batchA, to: batch), stridesB = broadcastStrides(batchB, to: batch)
        let out = TensorStorage(uninitializedCount: batchCount * m * n)
        let pa = a.storage.pointer, pb = b.storage.pointer
        let lda = a.shape[a.rank - 1], ldb = b.shape[b.rank - 1]
        for index in 0..<batchCount {
            var remainder = index, offsetA = 0, offsetB = 0
            for axis in stride(from: batch.count - 1, through: 0, by: -1) {
                let i = remainder % batch[axis]
                remainder /= batch[axis]
                offsetA += i * stridesA[axis]
                offsetB += i * stridesB[axis]
            }
            MatrixMultiply.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                                a: pa + offsetA * a.shape[a.rank - 2] * lda, lda: lda,
                                b: pb + offsetB * b.shape[b.rank - 2] * ldb, ldb: ldb,
                                beta: 0, c: out.pointer + index * m * n, ldc: n)
        }
        return result("matmul", shape: batch + [m, n], storage: out, inputs: [a, b]) { g, needed in
            var gradients: [Tensor?] = [nil, nil]
            if needed[0] {
                let ga = transposeA ? matmul(b, g, transposeA: transposeB, transposeB: true)
                                    : matmul(g, b, transposeB: !transposeB)
                gradients[0] = ga.summed(toShape: a.shape)
            }
            if needed[1] {
                let gb = transposeB ? matmul(g, a, transposeA: true, transposeB: transposeA)
                                    : matmul(a, g, transposeA: !transposeA)
                gradients[1] = gb.summed(toShape: b.shape)
            }
            return gradients
        }
    }

    /// x·Wᵀ + b for x of shape [..., in], W [out, in] (PyTorch's layout) and optional b
    /// [out]: one matrix product over all rows. Derivatives: dx = g·W, dW = gᵀ·x, db = Σ g.
    ///
    /// With `residual` (the output's shape), r + x·Wᵀ + b: a transformer block's residual
    /// connection in the same pass, C starting as r + b instead of b (dr = g). That spares
    /// the separate addition's pass over three tensors, and its result buffer.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, adding residual: Tensor? = nil) -> Tensor {
        if weight.rank != 2 || x.rank < 1 || x.shape[x.rank - 1] != weight.shape[1] {
            shapeFailure("linear", "input \(x.shape) does not fit weight \(weight.shape) ([out, in])")
        }
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        if let bias, bias.shape != [outFeatures] {
            shapeFailure("linear", "bias shape \(bias.shape) should be [\(outFeatures)] for weight \(weight.shape)")
        }
        let shape = Array(x.shape.dropLast()) + [outFeatures]
        if let residual, residual.shape != shape {
            shapeFailure("linear", "residual shape \(residual.shape) should be the output's, \(shape)")
        }
        let rows = x.count / Swift.max(inFeatures, 1)
        let out = TensorStorage(uninitializedCount: rows * outFeatures)
        if let residual {
            startFromResidual(residual.storage.pointer, bias: bias?.storage.pointer, rows: rows, columns: outFeatures,
                              into: out.pointer)
        }
        MatrixMultiply.gemm(MatrixProduct(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                                          alpha: 1, a: x.storage.pointer, lda: inFeatures,
                                          b: weight.storage.pointer, ldb: inFeatures, beta: residual == nil ? 0 : 1,
                                          c: out.pointer, ldc: outFeatures,
                                          bias: residual == nil ? bias?.storage.pointer : nil))
        let inputs = [x, weight] + [bias, residual].compactMap { $0 }
        let biasIndex = bias == nil ? nil : 2, residualIndex = residual == nil ? nil : inputs.count - 1
        return result("linear", shape: shape, storage: out, inputs: inputs) { g, needed in
            var gradients: [Tensor?] = Array(repeating: nil, count: inputs.count)
            // dx = g·W and dW = gᵀ·x, computed side by side when both are wanted.
            var products: [MatrixProduct] = []
            if needed[0] {
                let gx = TensorStorage(uninitializedCount: rows * inFeatures)
                products.append(MatrixProduct(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                                              alpha: 1, a: g.storage.pointer, lda: outFeatures,
                                              b: weight.storage.pointer, ldb: inFeatures, beta: 0, c: gx.pointer, ldc: inFeatures))
                gradients[0] = Tensor(shape: x.shape, storage: gx)
            }
            if needed[1] {
                let gw = TensorStorage(uninitializedCount: outFeatures * inFeatures)
                products.append(MatrixProduct(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                                              alpha: 1, a: g.storage.pointer, lda: outFeatures,
                                              b: x.storage.pointer, ldb: inFeatures, beta: 0, c: gw.pointer, ldc: inFeatures))
                gradients[1] = Tensor(shape: weight.shape, storage: gw)
            }
            MatrixMultiply.gemm(concurrently: products)
            if let biasIndex, needed[biasIndex] {
                gradients[biasIndex] = Tensor(shape: [outFeatures], storage: sumAlongAxis(g.storage, shape: [rows, outFeatures], axis: 0))
            }
            if let residualIndex, needed[residualIndex] { gradients[residualIndex] = g }
            return gradients
        }
    }
}

/// out[r] = residual[r] + bias (or a copy of residual[r] without a bias) for `rows` rows
/// of `columns`, split across the threads by rows.
private func startFromResidual(_ residual: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, columns: Int,
                               into out: UnsafeMutablePointer<Float>) {
    Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(columns, 1))) { range in
        for r in range {
            let source = residual + r * columns, destination = out + r * columns
            if let bias {
                zipVectors(source, bias, destination, count: columns) { $0 + $1 }
            } else {
                destination.update(from: source, count: columns)
            }
        }
    }
}
