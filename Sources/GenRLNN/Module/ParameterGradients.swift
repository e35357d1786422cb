import GenRLTensor

/// The gradient of a loss for each trainable parameter of a model, by dotted name, in the
/// model's parameter order.
public struct ParameterGradients: @unchecked Sendable {
    /// (name, gradient) pairs in parameter order.
    public private(set) var entries: [(name: String, gradient: Tensor)]

    /// Gradients from (name, gradient) pairs, kept in the given order.
    public init(_ entries: [(name: String, gradient: Tensor)]) { self.entries = entries }

    /// The gradient of the parameter called `name`, if it was computed.
    public subscript(name: String) -> Tensor? { entries.first { $0.name == name }?.gradient }

    /// √(Σ‖g‖²) over all gradients: squares summed in eight float lanes per block of
    /// 1024 elements, the block sums in Double (fast, and accurate far beyond Float's
    /// 24 bits for millions of parameters).
    public var globalNorm: Float {
        // The blocks of every gradient in order; their sums are computed in parallel and
        // added in this order, so the result does not depend on the thread count.
        var blocks: [(start: UnsafePointer<Float>, count: Int)] = []
        for (_, g) in entries {
            for offset in stride(from: 0, to: g.count, by: 1024) {
                blocks.append((UnsafePointer(g.storage.pointer + offset), Swift.min(1024, g.count - offset)))
            }
        }
        var sums = [Double](repeating: 0, count: blocks.count)
        sums.withUnsafeMutableBufferPointer { sums in
            Parallel.forEachChunk(blocks.count, grain: 64) { range in
                for b in range { sums[b] = Self.sumOfSquares(blocks[b].start, count: blocks[b].count) }
            }
        }
        var total = 0.0
        for sum in sums { total += sum }
        return Float(total.squareRoot())
    }

    /// Σ x² of one block: eight float lanes, then the lanes and the tail in Double.
    private static func sumOfSquares(_ pointer: UnsafePointer<Float>, count: Int) -> Double {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(pointer + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes.addProduct(v, v)
            i += 8
        }
        var block = Double(lanes.sum())
        while i < count { block += Double(pointer[i]) * Double(pointer[i]); i += 1 }
        return block
    }

    /// Every gradient multiplied by `factor`.
    public func scaled(by factor: Float) -> ParameterGradients {
        ParameterGradients(entries.map { ($0.name, $0.gradient * factor) })
    }

    /// The element-wise sum with `other` (same names), for accumulating micro-batches.
    public func adding(_ other: ParameterGradients) -> ParameterGradients {
        ParameterGradients(zip(entries, other.entries).map { a, b in
            precondition(a.name == b.name, "ParameterGradients.adding: \(a.name) vs \(b.name)")
            return (a.name, a.gradient + b.gradient)
        })
    }

    /// Gradient-norm clipping as `torch.nn.utils.clip_grad_norm_`: when the global norm
    /// exceeds `maxNorm`, every gradient is scaled by maxNorm / (norm + 10⁻⁶). Returns the
    /// clipped gradients and the norm before clipping.
    public func clippedByGlobalNorm(_ maxNorm: Float) -> (gradients: ParameterGradients, norm: Float) {
        let (factor, norm) = clippingFactor(maxNorm)
        return factor < 1 ? (scaled(by: factor), norm) : (self, norm)
    }

    /// The factor `clippedByGlobalNorm(maxNorm)` scales every gradient by (1 when the
    /// norm is within `maxNorm`), and the norm, for an optimizer that applies the factor
    /// as it reads the gradients (`Optimizer.update(_:gradients:scale:)`).
    public func clippingFactor(_ maxNorm: Float) -> (factor: Float, norm: Float) {
        let norm = globalNorm
        let factor = maxNorm / (norm + 1e-6)
        return (factor < 1 ? factor : 1, norm)
    }
}

/// The value of `loss(model)` and its gradient for each trainable parameter of `model`
/// that the loss depends on (a parameter it does not use gets no entry, so optimizers
/// leave it and its state alone, as PyTorch does when `grad is None`).
///
/// ```swift
/// let (loss, grads) = valueAndGradients(of: model) { model in
///     Tensor.crossEntropy(logits: model(tokens), targets: next)
/// }
/// optimizer.update(model, gradients: grads)
/// ```
public func valueAndGradients<M: Module>(of model: M, _ loss: (M) -> Tensor) -> (value: Tensor, gradients: ParameterGradients) {
    let parameters = model.trainableParameters()
    let value = PhaseTally.measure("forward") { GradientMode.$isRecording.withValue(true) { loss(model) } }
    let grads = PhaseTally.measure("backward") { reachedGradients(of: value, withRespectTo: parameters.map(\.tensor)) }
    let entries = zip(parameters, grads).compactMap { parameter, gradient in gradient.map { (parameter.name, $0) } }
    return (value.detached(), ParameterGradients(entries))
}
