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
        let normalized = TensorStorage(uninitializedCount: x.count)
        let inverseDeviations = TensorStorage(uninitializedCount: rows)
        let out = TensorStorage(uninitializedCount: x.count)
        let px = x.storage.pointer, pw = weight.storage.pointer, pb = bias.storage.pointer
        Parallel.forEachChunk(rows, grain: Swift.max(1, 8_192 / Swift.max(n, 1))) { range in
            for r in range {
                let row = px + r * n, xhat = normalized.pointer + r * n, y = out.pointer + r * n
                let mean = sumVectors(row, count: n) / Float(n)
                let inverse = 1 / (sumOfSquaredDeviations(row, count: n, mean: mean) / Float(n) + epsilon).squareRoot()
                inverseDeviations.pointer[r] = inverse
                normalizeRow(row, count: n, mean: mean, inverse: inverse, weight: pw, bias: pb, normalized: xhat, output: y)
            }
        }
        return result("layerNorm", shape: x.shape, storage: out, inputs: [x, weight, bias]) { g, needed in
            let pg = g.storage.pointer, pw = weight.storage.pointer
            var gradients: [Tensor?] = [nil, nil, nil]
            if needed[0] {
                let gx = TensorStorage(uninitializedCount: x.count)
                Parallel.forEachChunk(rows, grain: Swift.max(1, 8_192 / Swift.max(n, 1))) { range in
                    for r in range {
                        layerNormInputGradientRow(gRow: pg + r * n, weight: pw, normalized: normalized.pointer + r * n,
                                                  inverse: inverseDeviations.pointer[r], count: n, into: gx.pointer + r * n)
                    }
                }
                gradients[0] = Tensor(shape: x.shape, storage: gx)
            }
            if needed[1] || needed[2] {
                let gw = TensorStorage(repeating: 0, count: n), gb = TensorStorage(repeating: 0, count: n)
                // Blocks of columns on separate threads, each summing over every row in order.
                let blockWidth = columnBlockWidth(n)
                let blocks = (n + blockWidth - 1) / blockWidth
                Parallel.forEachChunk(blocks, grain: rows * blockWidth >= 16_384 ? 1 : blocks) { range in
                    for block in range {
                        let first = block * blockWidth, width = Swift.min(blockWidth, n - first)
                        for r in 0..<rows {
                            accumulateProductAndSum(pg + r * n + first, normalized.pointer + r * n + first, count: width,
                                                    products: gw.pointer + first, sums: gb.pointer + first)
                        }
                    }
                }
                gradients[1] = Tensor(shape: [n], storage: gw)
                gradients[2] = Tensor(shape: [n], storage: gb)
            }
            return gradients
        }
    }
}

// MARK: - Row kernels

/// Σ (xᵢ − mean)² over a row, eight lanes at a time.
@inline(__always)
private func sumOfSquaredDeviations(_ row: UnsafePointer<Float>, count n: Int, mean: Float) -> Float {
    let center = FloatVector(repeating: mean)
    var squares = FloatVector()
    var i = 0
    while i + 8 <= n {
        let d = UnsafeRawPointer(row + i).loadUnaligned(as: FloatVector.self) - center
        squares = squares.addingProduct(d, d)
        i += 8
    }
    var total = squares.sum()
    while i < n { let d = row[i] - mean; total += d * d; i += 1 }
    return total
}

/// x̂ = (x − mean)·inverse and y = γ ⊙ x̂ + β for one row.
@inline(__always)
private func normalizeRow(_ row: UnsafePointer<Float>, count n: Int, mean: Float, inverse: Float,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                          normalized: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
    let center = FloatVector(repeating: mean), scale = FloatVector(repeating: inverse)
    var i = 0
    while i + 8 <= n {
        let xhat = (UnsafeRawPointer(row + i).loadUnaligned(as: FloatVector.self) - center) * scale
        let y = xhat * UnsafeRawPointer(weight + i).loadUnaligned(as: FloatVector.self)
            + UnsafeRawPointer(bias + i).loadUnaligned(as: FloatVector.self)
        UnsafeMutableRawPointer(normalized + i).storeBytes(of: xhat, as: FloatVector.self)
        UnsafeMutableRawPointer(output + i).storeBytes(of: y, as: FloatVector.self)
        i += 8
    }
    while i < n {
        normalized[i] = (row[i] - mean) * inverse
        output[i] = normalized[i] * weight[i] + bias[i]
        i += 1
    }
}

/// dx = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂))·inverse with ĝ = g ⊙ γ, for one row.
@inline(__always)
private func layerNormInputGradientRow(gRow: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                       normalized: UnsafePointer<Float>, inverse: Float, count n: Int,
                                       into dx: UnsafeMutablePointer<Float>) {
    func load(_ p: UnsafePointer<Float>, _ i: Int) -> FloatVector { UnsafeRawPointer(p + i).loadUnaligned(as: FloatVector.self) }
    var sumG = FloatVector(), sumGX = FloatVector()
    var i = 0
    while i + 8 <= n {
        let scaled = load(gRow, i) * load(weight, i)
        sumG += scaled
        sumGX = sumGX.addingProduct(scaled, load(normalized, i))
        i += 8
    }
    var meanG = sumG.sum(), meanGX = sumGX.sum()
    while i < n { let scaled = gRow[i] * weight[i]; meanG += scaled; meanGX += scaled * normalized[i]; i += 1 }
    meanG /= Float(n)
    meanGX /= Float(n)
    let shift = FloatVector(repeating: meanG), slope = FloatVector(repeating: meanGX), scale = FloatVector(repeating: inverse)
    i = 0
    while i + 8 <= n {
        let value = (load(gRow, i) * load(weight, i) - shift - load(normalized, i) * slope) * scale
        UnsafeMutableRawPointer(dx + i).storeBytes(of: value, as: FloatVector.self)
        i += 8
    }
    while i < n { dx[i] = (gRow[i] * weight[i] - meanG - normalized[i] * meanGX) * inverse; i += 1 }
}

/// products[i] += g[i]·x̂[i] and sums[i] += g[i] for i < count.
@inline(__always)
private func accumulateProductAndSum(_ g: UnsafePointer<Float>, _ xhat: UnsafePointer<Float>, count: Int,
                                     products: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
    var i = 0
    while i + 8 <= count {
        let gv = UnsafeRawPointer(g + i).loadUnaligned(as: FloatVector.self)
        let p = UnsafeRawPointer(products + i).loadUnaligned(as: FloatVector.self)
            .addingProduct(gv, UnsafeRawPointer(xhat + i).loadUnaligned(as: FloatVector.self))
        let s = UnsafeRawPointer(sums + i).loadUnaligned(as: FloatVector.self) + gv
        UnsafeMutableRawPointer(products + i).storeBytes(of: p, as: FloatVector.self)
        UnsafeMutableRawPointer(sums + i).storeBytes(of: s, as: FloatVector.self)
        i += 8
    }
    while i < count { products[i] += g[i] * xhat[i]; sums[i] += g[i]; i += 1 }
}
