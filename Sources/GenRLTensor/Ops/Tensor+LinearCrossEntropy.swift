import Foundation
import GenRLAVX512

extension Tensor {
    /// Cross-entropy of the logits x·Wᵀ + b against integer targets, without ever
    /// holding all the logits: the loss a language model's output layer trains with.
    ///
    /// `crossEntropy(logits: linear(x, W, b), targets:, weights:, reduction:)` with the
    /// same value and gradients, computed a block of rows at a time: each block's logits
    /// (about 2 MB) stay in cache while their loss and, when gradients are
    /// recorded, the products of dlogits = (softmax − onehot)·w/normaliser,
    /// dx = dlogits·W, dW += dlogitsᵀ·x, db += Σ dlogits, are computed. A 64 × 20 batch
    /// of a 5000-word vocabulary thus never writes its 24 MB of logits and their
    /// gradient. Each row of logits is read by one exponential pass and the two backward
    /// products: the softmax's normaliser and the one-hot term are applied to x, W and
    /// the products' results instead. The gradients are computed eagerly in the forward
    /// pass — possible because the output is a scalar, whose upstream gradient only
    /// scales them.
    ///
    /// Each row is shifted by its target's logit, not its maximum, which saves a pass
    /// and makes the row's loss just ln Σ exp(ℓ − ℓ_target); a row whose maximum lies
    /// more than 60 above is computed again and shifted by its maximum. With AVX-512
    /// (`WideKernels`), the logits, their exponentials and the products come from
    /// kernels that keep the logits in registers; otherwise from BLAS and an eight-lane
    /// pass (see `FusedOutputLayer`).
    ///
    /// `x` is [..., D], `weight` [V, D], `bias` [V], `targets` and `weights` the leading
    /// shape [...]. Reductions: `.mean` (Σwℓ/Σw) or `.sum`.
    public static func linearCrossEntropy(_ x: Tensor, weight: Tensor, bias: Tensor?, targets: IntTensor,
                                          weights: Tensor? = nil, reduction: LossReduction = .mean) -> Tensor {
        linearCrossEntropy(x, weight: weight, bias: bias, targets: targets, weights: weights, reduction: reduction,
                           wideKernel: WideKernels.isEnabled)
    }

    /// `linearCrossEntropy` with the forward kernel chosen by the caller (the tests run
    /// both): `wideKernel` requires AVX-512.
    static func linearCrossEntropy(_ x: Tensor, weight: Tensor, bias: Tensor?, targets: IntTensor,
                                   weights: Tensor?, reduction: LossReduction, wideKernel: Bool) -> Tensor {
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

        let blockRows = FusedOutputLayer.blockRows(classes: classes)
        let blocks = (rows + blockRows - 1) / blockRows
        let chunks = Swift.min(Parallel.threadCount, Swift.max(1, blocks))
        // The wide kernels need a depth of whole pairs of vectors (32 floats).
        let wide = wideKernel && depth % 32 == 0
        let columns = bias == nil ? depth : depth + 1
        let stride = wide ? (columns + 15) & ~15 : columns
        let gradientX = recording ? TensorStorage(repeating: 0, count: x.count) : nil
        // One partial [dW | db] per chunk, summed in chunk order afterwards (deterministic).
        let partials = recording ? (0..<chunks).map { _ in TensorStorage(repeating: 0, count: classes * stride) } : []
        var partialLoss = [Float](repeating: 0, count: chunks)
        let panels = wide ? FusedOutputLayer.WidePanels(weight: weight.storage.pointer, bias: bias?.storage.pointer,
                                                        classes: classes, depth: depth) : nil
        targets.scalars.withUnsafeBufferPointer { targetBuffer in
            let layer = FusedOutputLayer(x: x.storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer,
                                         targets: targetBuffer.baseAddress!, rowWeights: weights?.storage.pointer,
                                         classes: classes, depth: depth, normalizer: normalizer,
                                         columns: columns, stride: stride, panels: panels)
            partialLoss.withUnsafeMutableBufferPointer { lossBuffer in
                let losses = lossBuffer.baseAddress!
                Parallel.forEachTask(chunks) { chunk in
                    let scratch = FusedOutputLayer.Scratch(layer, blockRows: blockRows)
                    var loss: Float = 0
                    for block in Parallel.chunkRange(chunk, of: chunks, count: blocks) {
                        let start = block * blockRows, count = Swift.min(blockRows, rows - start)
                        let dx = gradientX.map { $0.pointer + start * depth }
                        layer.exponentiate(start: start, count: count, scratch: scratch, dx: dx)
                        loss += layer.finishRows(start: start, count: count, scratch: scratch, dx: dx)
                        if let dx { layer.backward(start: start, count: count, scratch: scratch, dx: dx, partial: partials[chunk].pointer) }
                    }
                    losses[chunk] = loss
                }
            }
        }
        let value = TensorStorage([partialLoss.reduce(0, +) / normalizer])
        guard recording else { return Tensor(shape: [], storage: value) }
        let total = partials[0], sum = total.pointer
        for other in partials.dropFirst() { zipVectors(sum, other.pointer, sum, count: classes * stride) { $0 + $1 } }
        var eager = [Tensor(shape: x.shape, storage: gradientX!)]
        if stride == depth {
            eager.append(Tensor(shape: weight.shape, storage: total))
        } else {
            // `total` must outlive the copy: its memory would otherwise go back to the pool
            // and could come out again as dW.
            let (dW, db) = (TensorStorage(uninitializedCount: classes * depth), TensorStorage(uninitializedCount: classes))
            withExtendedLifetime(total) {
                for v in 0..<classes {
                    (dW.pointer + v * depth).update(from: sum + v * stride, count: depth)
                    db.pointer[v] = sum[v * stride + depth]
                }
            }
            eager += [Tensor(shape: weight.shape, storage: dW), Tensor(shape: [classes], storage: db)]
        }
        return result("linearCrossEntropy", shape: [], storage: value, inputs: inputs) { g, needed in
            let scale = g.item
            return zip(eager, needed).map { gradient, need in need ? (scale == 1 ? gradient : gradient * scale) : nil }
        }
    }
}
