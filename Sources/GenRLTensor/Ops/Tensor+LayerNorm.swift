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
                var squares: Float = 0
                for i in 0..<n { let d = row[i] - mean; squares += d * d }
                let inverse = 1 / (squares / Float(n) + epsilon).squareRoot()
                inverseDeviations.pointer[r] = inverse
                for i in 0..<n {
                    xhat[i] = (row[i] - mean) * inverse
                    y[i] = xhat[i] * pw[i] + pb[i]
                }
            }
        }
        return result("layerNorm", shape: x.shape, storage: out, inputs: [x, weight, bias]) { g, needed in
            let pg = g.storage.pointer, pw = weight.storage.pointer
            var gradients: [Tensor?] = [nil, nil, nil]
            if needed[0] {
                let gx = TensorStorage(uninitializedCount: x.count)
                Parallel.forEachChunk(rows, grain: Swift.max(1, 8_192 / Swift.max(n, 1))) { range in
                    for r in range {
                        let gRow = pg + r * n, xhat = normalized.pointer + r * n, dx = gx.pointer + r * n
                        var meanG: Float = 0, meanGX: Float = 0
                        for i in 0..<n {
                            let scaled = gRow[i] * pw[i]
                            meanG += scaled
                            meanGX += scaled * xhat[i]
                        }
                        meanG /= Float(n)
                        meanGX /= Float(n)
                        let inverse = inverseDeviations.pointer[r]
                        for i in 0..<n { dx[i] = (gRow[i] * pw[i] - meanG - xhat[i] * meanGX) * inverse }
                    }
                }
                gradients[0] = Tensor(shape: x.shape, storage: gx)
            }
            if needed[1] || needed[2] {
                let gw = TensorStorage(repeating: 0, count: n), gb = TensorStorage(repeating: 0, count: n)
                for r in 0..<rows {
                    let gRow = pg + r * n, xhat = normalized.pointer + r * n
                    for i in 0..<n {
                        gw.pointer[i] += gRow[i] * xhat[i]
                        gb.pointer[i] += gRow[i]
                    }
                }
                gradients[1] = Tensor(shape: [n], storage: gw)
                gradients[2] = Tensor(shape: [n], storage: gb)
            }
            return gradients
        }
    }
}
