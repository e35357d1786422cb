extension Tensor {
    /// Layer normalisation over the last axis (Ba et al. 2016), fused:
    ///
    ///   μ = mean(x), σ² = mean((x − μ)²), x̂ = (x − μ)/√(σ² + ε), y = γ ⊙ x̂ + β
    ///
    /// with derivatives, for n features and ĝ = g ⊙ γ:
    ///   dx = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)) / √(σ² + ε),  dγ = Σ g ⊙ x̂,  dβ = Σ g
    /// (sums over all rows). PyTorch's default ε is 10⁻⁵.
    public static func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float = 1e-5) -> Tensor {
        let n = x.shape.last ?? 0
        if weight.shape != [n] || bias.shape != [n] {
            shapeFailure("layerNorm", "weight \(weight.shape) and bias \(bias.shape) should be [\(n)] for input \(x.shape)")
        }
        let rows = x.count / Swift.max(n, 1)
        // Each row's mean and 1/√(σ² + ε) are kept for the backward pass, which computes x̂
        // again from x (the same operations, so the same values) rather than reading a
        // stored copy: one stream fewer to memory in the forward pass.
        let recording = GradientMode.isRecording && (x.isTracked || weight.isTracked || bias.isTracked)
        let means = TensorStorage(uninitializedCount: recording ? rows : 0)
        let inverseDeviations = TensorStorage(uninitializedCount: recording ? rows : 0)
        let out = TensorStorage(uninitializedCount: x.count)
        let px = x.storage.pointer, pw = weight.storage.pointer, pb = bias.storage.pointer
        Parallel.forEachChunk(rows, grain: Swift.max(1, 8_192 / Swift.max(n, 1))) { range in
            for r in range {
                let row = px + r * n
                let (mean, inverse) = rowStatistics(row, count: n, epsilon: epsilon)
                if recording {
                    means.pointer[r] = mean
                    inverseDeviations.pointer[r] = inverse
                }
                normalizeRow(row, count: n, mean: mean, inverse: inverse, weight: pw, bias: pb, output: out.pointer + r * n)
            }
        }
        return result("layerNorm", shape: x.shape, storage: out, inputs: [x, weight, bias]) { g, needed in
            let pg = g.storage.pointer, pw = weight.storage.pointer, px = x.storage.pointer
            var gradients: [Tensor?] = [nil, nil, nil]
            // One pass over blocks of rows, spread over the threads: each row's dx, and each
            // block's sums Σ g ⊙ x̂ and Σ g (its partial dγ and dβ, side by side in one row of
            // `partials`), which are then added in block order: the result depends on the
            // shape only. Each thread reads its rows once, for both.
            let gx = needed[0] ? TensorStorage(uninitializedCount: x.count) : nil
            let blocks = (rows + sumOfRowsBlock - 1) / sumOfRowsBlock
            let partials = needed[1] || needed[2] ? TensorStorage(uninitializedCount: blocks * 2 * n) : nil
            Parallel.forEachChunk(blocks, grain: Swift.max(1, 8_192 / Swift.max(sumOfRowsBlock * n, 1))) { range in
                for block in range {
                    let sums = partials.map { $0.pointer + block * 2 * n }
                    sums?.update(repeating: 0, count: 2 * n)
                    for r in (block * sumOfRowsBlock)..<Swift.min(rows, (block + 1) * sumOfRowsBlock) {
                        let (mean, inverse) = (means.pointer[r], inverseDeviations.pointer[r])
                        if let gx {
                            layerNormInputGradientRow(gRow: pg + r * n, weight: pw, row: px + r * n, mean: mean,
                                                      inverse: inverse, count: n, into: gx.pointer + r * n)
                        }
                        if let sums {
                            accumulateProductAndSum(pg + r * n, px + r * n, mean: mean, inverse: inverse, count: n,
                                                    products: sums, sums: sums + n)
                        }
                    }
                }
            }
            if let gx { gradients[0] = Tensor(shape: x.shape, storage: gx) }
            if let partials {
                let totals = TensorStorage(uninitializedCount: 2 * n)
                sumOfRows(partials.pointer, rows: blocks, columns: 2 * n, into: totals.pointer)
                gradients[1] = Tensor(shape: [n], storage: TensorStorage(UnsafeBufferPointer(start: totals.pointer, count: n)))
                gradients[2] = Tensor(shape: [n], storage: TensorStorage(UnsafeBufferPointer(start: totals.pointer + n, count: n)))
            }
            return gradients
        }
    }
}

// MARK: - Row kernels

@inline(__always)
private func load(_ p: UnsafePointer<Float>, _ i: Int) -> FloatVector { UnsafeRawPointer(p + i).loadUnaligned(as: FloatVector.self) }

/// A row's mean μ and 1/√(σ² + ε), σ² = mean((x − μ)²): each sum over four vectors of
/// running totals (one would wait on the previous addition at every vector).
@inline(__always)
private func rowStatistics(_ row: UnsafePointer<Float>, count n: Int, epsilon: Float) -> (mean: Float, inverse: Float) {
    var (s0, s1, s2, s3) = (FloatVector(), FloatVector(), FloatVector(), FloatVector())
    var i = 0
    while i + 32 <= n {
        s0 += load(row, i); s1 += load(row, i + 8); s2 += load(row, i + 16); s3 += load(row, i + 24)
        i += 32
    }
    while i + 8 <= n { s0 += load(row, i); i += 8 }
    var total = ((s0 + s1) + (s2 + s3)).sum()
    while i < n { total += row[i]; i += 1 }
    let mean = total / Float(n)

    let center = FloatVector(repeating: mean)
    (s0, s1, s2, s3) = (FloatVector(), FloatVector(), FloatVector(), FloatVector())
    i = 0
    while i + 32 <= n {
        let d0 = load(row, i) - center, d1 = load(row, i + 8) - center
        let d2 = load(row, i + 16) - center, d3 = load(row, i + 24) - center
        s0 = s0.addingProduct(d0, d0); s1 = s1.addingProduct(d1, d1)
        s2 = s2.addingProduct(d2, d2); s3 = s3.addingProduct(d3, d3)
        i += 32
    }
    while i + 8 <= n { let d = load(row, i) - center; s0 = s0.addingProduct(d, d); i += 8 }
    var squares = ((s0 + s1) + (s2 + s3)).sum()
    while i < n { let d = row[i] - mean; squares += d * d; i += 1 }
    return (mean, 1 / (squares / Float(n) + epsilon).squareRoot())
}

/// y = γ ⊙ x̂ + β with x̂ = (x − mean)·inverse, for one row.
@inline(__always)
private func normalizeRow(_ row: UnsafePointer<Float>, count n: Int, mean: Float, inverse: Float,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let center = FloatVector(repeating: mean), scale = FloatVector(repeating: inverse)
    var i = 0
    while i + 8 <= n {
        let xhat = (load(row, i) - center) * scale
        UnsafeMutableRawPointer(output + i).storeBytes(of: xhat * load(weight, i) + load(bias, i), as: FloatVector.self)
        i += 8
    }
    while i < n {
        output[i] = (row[i] - mean) * inverse * weight[i] + bias[i]
        i += 1
    }
}

/// dx = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂))·inverse with ĝ = g ⊙ γ and x̂ = (x − mean)·inverse,
/// for one row.
@inline(__always)
private func layerNormInputGradientRow(gRow: UnsafePointer<Float>, weight: UnsafePointer<Float>, row: UnsafePointer<Float>,
                                       mean: Float, inverse: Float, count n: Int, into dx: UnsafeMutablePointer<Float>) {
    let center = FloatVector(repeating: mean), scale = FloatVector(repeating: inverse)
    var (sumG, sumGX, sumG1, sumGX1) = (FloatVector(), FloatVector(), FloatVector(), FloatVector())
    var i = 0
    while i + 16 <= n {
        let scaled = load(gRow, i) * load(weight, i), scaled1 = load(gRow, i + 8) * load(weight, i + 8)
        sumG += scaled
        sumGX = sumGX.addingProduct(scaled, (load(row, i) - center) * scale)
        sumG1 += scaled1
        sumGX1 = sumGX1.addingProduct(scaled1, (load(row, i + 8) - center) * scale)
        i += 16
    }
    while i + 8 <= n {
        let scaled = load(gRow, i) * load(weight, i)
        sumG += scaled
        sumGX = sumGX.addingProduct(scaled, (load(row, i) - center) * scale)
        i += 8
    }
    var meanG = (sumG + sumG1).sum(), meanGX = (sumGX + sumGX1).sum()
    while i < n {
        let scaled = gRow[i] * weight[i]
        meanG += scaled
        meanGX += scaled * ((row[i] - mean) * inverse)
        i += 1
    }
    meanG /= Float(n)
    meanGX /= Float(n)
    let shift = FloatVector(repeating: meanG), slope = FloatVector(repeating: meanGX)
    i = 0
    while i + 8 <= n {
        let xhat = (load(row, i) - center) * scale
        let value = (load(gRow, i) * load(weight, i) - shift - xhat * slope) * scale
        UnsafeMutableRawPointer(dx + i).storeBytes(of: value, as: FloatVector.self)
        i += 8
    }
    while i < n { dx[i] = (gRow[i] * weight[i] - meanG - (row[i] - mean) * inverse * meanGX) * inverse; i += 1 }
}

/// products[i] += g[i]·x̂[i] and sums[i] += g[i] for i < count, x̂ = (x − mean)·inverse.
@inline(__always)
private func accumulateProductAndSum(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, mean: Float, inverse: Float,
                                     count: Int, products: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
    let center = FloatVector(repeating: mean), scale = FloatVector(repeating: inverse)
    var i = 0
    while i + 8 <= count {
        let gv = load(g, i)
        let p = load(products, i).addingProduct(gv, (load(x, i) - center) * scale)
        let s = load(sums, i) + gv
        UnsafeMutableRawPointer(products + i).storeBytes(of: p, as: FloatVector.self)
        UnsafeMutableRawPointer(sums + i).storeBytes(of: s, as: FloatVector.self)
        i += 8
    }
    while i < count { products[i] += g[i] * ((x[i] - mean) * inverse); sums[i] += g[i]; i += 1 }
}
