/// How a per-position loss is reduced.
public enum LossReduction: Sendable {
    /// Σ wᵢℓᵢ / Σ wᵢ (the plain mean when there are no weights): a mask averages over
    /// the positions it keeps, as PyTorch's `ignore_index` does.
    case mean
    /// Σ wᵢℓᵢ.
    case sum
    /// wᵢℓᵢ per position.
    case none
}

extension Tensor {
    /// Cross-entropy between softmax(logits) and integer targets, fused:
    ///
    ///   ℓᵢ = logsumexp(xᵢ) − xᵢ[tᵢ],   dℓᵢ/dxᵢ = softmax(xᵢ) − onehot(tᵢ)
    ///
    /// `logits` has shape [..., C] and `targets` the leading shape [...]; `weights`
    /// (same shape as `targets`) weights each position, a 0/1 mask being the common case.
    /// Only the row's log-normaliser is kept for the backward pass.
    public static func crossEntropy(logits: Tensor, targets: IntTensor, weights: Tensor? = nil,
                                    reduction: LossReduction = .mean) -> Tensor {
        let classes = logits.shape.last ?? 0
        let rowShape = Array(logits.shape.dropLast())
        if targets.shape != rowShape {
            shapeFailure("crossEntropy", "targets shape \(targets.shape) should be \(rowShape) for logits \(logits.shape)")
        }
        if let weights, weights.shape != rowShape {
            shapeFailure("crossEntropy", "weights shape \(weights.shape) should be \(rowShape) for logits \(logits.shape)")
        }
        if let bad = targets.scalars.first(where: { $0 < 0 || Int($0) >= classes }) {
            shapeFailure("crossEntropy", "target \(bad) out of range 0..<\(classes)")
        }
        let rows = targets.count
        let logNormalizers = TensorStorage(uninitializedCount: rows)
        let losses = TensorStorage(uninitializedCount: rows)
        let source = logits.storage.pointer
        let weightPointer = weights?.storage.pointer
        targets.scalars.withUnsafeBufferPointer { t in
            let targetPointer = t.baseAddress!
            Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(classes, 1))) { range in
                for r in range {
                    let row = source + r * classes
                    let lse = logSumExpRow(row, count: classes)
                    logNormalizers.pointer[r] = lse
                    let w = weightPointer?[r] ?? 1
                    losses.pointer[r] = w == 0 ? 0 : w * (lse - row[Int(targetPointer[r])])
                }
            }
        }
        let totalWeight = weights.map { sumVectors($0.storage.pointer, count: rows) } ?? Float(rows)
        let normalizer: Float = reduction == .mean ? (totalWeight == 0 ? 1 : totalWeight) : 1
        let (shape, storage): ([Int], TensorStorage)
        switch reduction {
        case .none: (shape, storage) = (rowShape, losses)
        case .mean, .sum: (shape, storage) = ([], TensorStorage([sumVectors(losses.pointer, count: rows) / normalizer]))
        }
        let targetScalars = targets.scalars
        return result("crossEntropy", shape: shape, storage: storage, inputs: [logits]) { g, _ in
            let gradient = TensorStorage(uninitializedCount: logits.count)
            let pg = g.storage.pointer, source = logits.storage.pointer
            let weightPointer = weights?.storage.pointer  // captures `weights`, keeping it alive
            targetScalars.withUnsafeBufferPointer { t in
                let targetPointer = t.baseAddress!
                Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(classes, 1))) { range in
                    for r in range {
                        let w = weightPointer?[r] ?? 1
                        let upstream = reduction == .none ? pg[r] : pg[0]
                        let coefficient = upstream * w / normalizer
                        let destination = gradient.pointer + r * classes
                        if coefficient == 0 {
                            destination.update(repeating: 0, count: classes)
                            continue
                        }
                        let shift = FloatVector(repeating: logNormalizers.pointer[r])
                        let scale = FloatVector(repeating: coefficient)
                        mapVectors(source + r * classes, destination, count: classes) { scale * VectorMath.exp($0 - shift) }
                        destination[Int(targetPointer[r])] -= coefficient
                    }
                }
            }
            return [Tensor(shape: logits.shape, storage: gradient)]
        }
    }

    /// log softmax(logits)[target] at each position: the log-probability of each taken
    /// token, as every policy-gradient algorithm needs. Shape of `targets`.
    public static func selectedLogProbabilities(logits: Tensor, targets: IntTensor) -> Tensor {
        -crossEntropy(logits: logits, targets: targets, reduction: .none)
    }
}
