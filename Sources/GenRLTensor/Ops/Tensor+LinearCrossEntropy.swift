import Foundation

extension Tensor {
    /// Cross-entropy of the logits x·Wᵀ + b against integer targets, without ever
    /// holding all the logits: the loss a language model's output layer trains with.
    ///
    /// `crossEntropy(logits: linear(x, W, b), targets:, weights:, reduction:)` with the
    /// same value and gradients, computed a block of rows at a time: each block's logits
    /// (about 2 MB) stay in cache while their loss and, when gradients are
    /// recorded, dlogits = (softmax − onehot)·w/normaliser and its products
    /// dx = dlogits·W, dW += dlogitsᵀ·x, db += Σ dlogits are computed. A 64 × 20 batch
    /// of a 5000-word vocabulary thus never writes its 24 MB of logits and their
    /// gradient, nor packs them twice for the backward products. The gradients are
    /// computed eagerly in the forward pass — possible because the output is a scalar,
    /// whose upstream gradient only scales them.
    ///
    /// `x` is [..., D], `weight` [V, D], `bias` [V], `targets` and `weights` the leading
    /// shape [...]. Reductions: `.mean` (Σwℓ/Σw) or `.sum`.
    public static func linearCrossEntropy(_ x: Tensor, weight: Tensor, bias: Tensor?, targets: IntTensor,
                                          weights: Tensor? = nil, reduction: LossReduction = .mean) -> Tensor {
        let (classes, depth) = (weight.shape[0], weight.shape[1])
        let rowShape = Array(x.shape.dropLast())
        if x.shape.last != depth || weight.rank != 2 {
            shapeFailure("linearCrossEntropy", "input \(x.shape) does not fit weight \(weight.shape) ([classes, depth])")
        }
        if targets.shape != rowShape { shapeFailure("linearCrossEntropy", "targets \(targets.shape) should be \(rowShape)") }
        if let weights, weights.shape != rowShape { shapeFailure("linearCrossEntropy", "weights \(weights.shape) should be \(rowShape)") }
        if let bias, bias.shape != [classes] { shapeFailure("linearCrossEntropy", "bias \(bias.shape) should be [\(classes)]") }
        if reduction == .none { shapeFailure("linearCrossEntropy", "reduction .none is not supported; use crossEntropy") }
        if let bad = targets.scalars.first(where: { $0 < 0 || Int($0) >= classes }) {
            shapeFailure("linearCrossEntropy", "target \(bad) out of range 0..<\(classes)")
        }

        let rows = targets.count
        let totalWeight = weights.map { sumVectors($0.storage.pointer, count: rows) } ?? Float(rows)
        let normalizer: Float = reduction == .mean ? (totalWeight == 0 ? 1 : totalWeight) : 1
        let inputs: [Tensor] = bias.map { [x, weight, $0] } ?? [x, weight]
        let recording = GradientMode.isRecording && inputs.contains(where: \.isTracked)

        // Rows per block: about 2 MB of logits, which stay in L2/L3 between the forward
        // product and the two backward ones, while the dW product still gets ~100 rows
        // of depth (with 512 KB blocks its k of ~24 rows made it the slowest of the three).
        let blockRows = Swift.max(8, Swift.min(256, (524_288 / Swift.max(classes, 1)) & ~7))
        let blocks = (rows + blockRows - 1) / blockRows
        let chunks = Swift.min(Parallel.threadCount, Swift.max(1, blocks))
        let gradientX = recording ? TensorStorage(repeating: 0, count: x.count) : nil
        // One partial dW, db per chunk, summed in chunk order afterwards (deterministic).
        let partialW = recording ? (0..<chunks).map { _ in TensorStorage(repeating: 0, count: classes * depth) } : []
        let partialB = recording && bias != nil ? (0..<chunks).map { _ in TensorStorage(repeating: 0, count: classes) } : []
        var partialLoss = [Float](repeating: 0, count: chunks)

        let px = x.storage.pointer, pw = weight.storage.pointer
        let pb = bias?.storage.pointer, pweights = weights?.storage.pointer
        targets.scalars.withUnsafeBufferPointer { targetBuffer in
            let pt = targetBuffer.baseAddress!
            partialLoss.withUnsafeMutableBufferPointer { lossBuffer in
                let losses = lossBuffer.baseAddress!
                Parallel.forEachTask(chunks) { chunk in
                    let logits = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * classes)
                    defer { logits.deallocate() }
                    var loss: Float = 0
                    for block in Parallel.chunkRange(chunk, of: chunks, count: blocks) {
                        let start = block * blockRows, count = Swift.min(blockRows, rows - start)
                        let xBlock = px + start * depth
                        MatrixMultiply.gemm(transposeA: false, transposeB: true, m: count, n: classes, k: depth, alpha: 1,
                                            a: xBlock, lda: depth, b: pw, ldb: depth, beta: 0, c: logits, ldc: classes)
                        for r in 0..<count {
                            let row = logits + r * classes
                            let w = pweights?[start + r] ?? 1
                            let target = Int(pt[start + r])
                            // The bias is added in the pass that finds the row's maximum.
                            let maximum = pb.map { addAndMaxVectors(row, $0, count: classes) } ?? maxVectors(row, count: classes)
                            guard recording else {
                                if w != 0 { loss += w * (logSumExpRow(row, count: classes, maximum: maximum) - row[target]) }
                                continue
                            }
                            // dlogits in place: (softmax − onehot)·w/normaliser, with one
                            // exponential pass: e = exp(ℓ − max) stored and summed, then scaled.
                            let targetLogit = row[target]
                            let total = exponentiateShifted(row, count: classes, shift: maximum)
                            if w != 0 { loss += w * (maximum + Foundation.log(total) - targetLogit) }
                            let scale = w / (normalizer * total)
                            guard !partialB.isEmpty else {
                                mapVectors(row, row, count: classes) { FloatVector(repeating: scale) * $0 }
                                row[target] -= w / normalizer
                                continue
                            }
                            // With a bias, db += dlogits in the same pass; the target's entry
                            // gets its one-hot term first, as the sum of finished rows would.
                            let db = partialB[chunk].pointer, dbTarget = db[target]
                            scaleAndAccumulate(row, by: scale, into: db, count: classes)
                            row[target] -= w / normalizer
                            db[target] = dbTarget + row[target]
                        }
                        guard recording else { continue }
                        MatrixMultiply.gemm(transposeA: false, transposeB: false, m: count, n: depth, k: classes, alpha: 1,
                                            a: logits, lda: classes, b: pw, ldb: depth, beta: 0,
                                            c: gradientX!.pointer + start * depth, ldc: depth)
                        MatrixMultiply.gemm(transposeA: true, transposeB: false, m: classes, n: depth, k: count, alpha: 1,
                                            a: logits, lda: classes, b: xBlock, ldb: depth, beta: 1,
                                            c: partialW[chunk].pointer, ldc: depth)
                    }
                    losses[chunk] = loss
                }
            }
        }
        let value = TensorStorage([partialLoss.reduce(0, +) / normalizer])
        guard recording else { return Tensor(shape: [], storage: value) }
        for other in partialW.dropFirst() { zipVectors(partialW[0].pointer, other.pointer, partialW[0].pointer, count: classes * depth) { $0 + $1 } }
        for other in partialB.dropFirst() { zipVectors(partialB[0].pointer, other.pointer, partialB[0].pointer, count: classes) { $0 + $1 } }
        let eager = [Tensor(shape: x.shape, storage: gradientX!), Tensor(shape: weight.shape, storage: partialW[0])]
            + (partialB.first.map { [Tensor(shape: [classes], storage: $0)] } ?? [])
        return result("linearCrossEntropy", shape: [], storage: value, inputs: inputs) { g, needed in
            let scale = g.item
            return zip(eager, needed).map { gradient, need in need ? (scale == 1 ? gradient : gradient * scale) : nil }
        }
    }
}
