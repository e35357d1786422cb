import GenRLTensor

/// Multi-head causal scaled dot-product attention over the packed output of a fused QKV
/// projection, as one recorded operation (see `CausalAttentionKernel` for the formulas).
///
/// The input `packedQKV` is [B, T, 3d]: for each position the d query features, then the
/// d key features, then the d value features, each split into H heads of d_h = d/H
/// consecutive features — the layout of PyTorch's `qkv(x).split(d, 2)` followed by
/// `.view(B, T, H, d_h)`. The result is [B, T, d] with the heads side by side, ready for
/// the output projection (PyTorch's `y.transpose(1, 2).reshape(B, T, d)`).
///
/// A key-padding mask is additive, one row per sequence: 0 for a real token, −∞ for
/// padding (any finite value is added to the scores as a bias). Queries whose visible
/// keys are all masked (left padding before the first real token) produce zeros.
extension Tensor {
    /// Causal attention over all T positions: query t sees keys 0…t.
    ///
    /// - Parameters:
    ///   - packedQKV: [B, T, 3d].
    ///   - heads: H, which must divide d.
    ///   - keyPaddingMask: additive mask [B, T], or nil.
    /// - Returns: [B, T, d].
    public static func causalAttention(packedQKV: Tensor, heads: Int, keyPaddingMask: Tensor? = nil) -> Tensor {
        var unused = RandomGenerator(seed: 0)
        return causalAttention(packedQKV: packedQKV, heads: heads, keyPaddingMask: keyPaddingMask,
                               dropoutProbability: 0, generator: &unused)
    }

    /// Causal attention with inverted dropout of probability p on the attention weights
    /// (PyTorch's `dropout_p`), the masks drawn from `generator`.
    public static func causalAttention(packedQKV: Tensor, heads: Int, keyPaddingMask: Tensor? = nil,
                                       dropoutProbability: Float, generator: inout RandomGenerator) -> Tensor {
        let (b, t, d) = packedSizes(packedQKV, heads: heads)
        var maskPointer: UnsafePointer<Float>?
        if let keyPaddingMask {
            if keyPaddingMask.shape != [b, t] {
                fatalError("causalAttention: key-padding mask shape \(keyPaddingMask.shape) should be [\(b), \(t)] for input \(packedQKV.shape)")
            }
            maskPointer = UnsafePointer(keyPaddingMask.storage.pointer)
        }
        let qkv = UnsafePointer(packedQKV.storage.pointer)
        let dh = d / heads
        func packed(_ part: Int) -> CausalAttentionKernel.HeadMatrices {
            .init(base: qkv + part * d, batchStride: t * 3 * d, headStride: dh, rowStride: 3 * d)
        }
        let kernel = CausalAttentionKernel(batchSize: b, heads: heads, headDimension: dh, queryCount: t, keyCount: t,
                                           queries: packed(0), keys: packed(1), values: packed(2),
                                           mask: maskPointer, maskRowStride: t)
        return run(kernel, packedQKV: packedQKV, retained: [], dropoutProbability: dropoutProbability,
                   generator: &generator)
    }

    /// Causal attention of T new positions over the cached positions and themselves:
    /// their keys and values are appended to `cache` first, then new position i (absolute
    /// position S₀ + i, S₀ = `cache.length` before the call) sees keys 0…S₀ + i.
    ///
    /// - Parameters:
    ///   - packedQKV: [B, T, 3d] of the new positions.
    ///   - cache: this layer's cache, with B sequences, H heads and d_h = d/H.
    ///   - keyPaddingMask: additive mask of the new positions [B, T], or of all positions
    ///     [B, S₀ + T] (replacing what the cache remembers); nil means 0 for the new ones.
    /// - Returns: [B, T, d].
    ///
    /// When recorded, gradients reach the new positions' queries, keys and values; the
    /// cached keys and values are constants.
    public static func causalAttention(packedQKV: Tensor, heads: Int, cache: inout KVCache,
                                       keyPaddingMask: Tensor? = nil) -> Tensor {
        var unused = RandomGenerator(seed: 0)
        return causalAttention(packedQKV: packedQKV, heads: heads, cache: &cache, keyPaddingMask: keyPaddingMask,
                               dropoutProbability: 0, generator: &unused)
    }

    /// Cached causal attention with dropout on the attention weights (see the variant
    /// without dropout for the parameters).
    public static func causalAttention(packedQKV: Tensor, heads: Int, cache: inout KVCache, keyPaddingMask: Tensor? = nil,
                                       dropoutProbability: Float, generator: inout RandomGenerator) -> Tensor {
        let (b, t, d) = packedSizes(packedQKV, heads: heads)
        let dh = d / heads
        if cache.batchSize != b || cache.heads != heads || cache.headDimension != dh {
            fatalError("causalAttention: cache for batch \(cache.batchSize), \(cache.heads) heads of \(cache.headDimension) does not fit input \(packedQKV.shape) with \(heads) heads")
        }
        let previous = cache.length
        let qkv = UnsafePointer(packedQKV.storage.pointer)
        var newMask: UnsafePointer<Float>?
        if let keyPaddingMask {
            if keyPaddingMask.shape == [b, t] {
                newMask = UnsafePointer(keyPaddingMask.storage.pointer)
            } else if keyPaddingMask.shape == [b, previous + t] {
                newMask = UnsafePointer(keyPaddingMask.storage.pointer + previous)
                cache.replaceMask(keyPaddingMask.storage.pointer, count: previous, rowStride: previous + t)
            } else {
                fatalError("causalAttention: key-padding mask shape \(keyPaddingMask.shape) should be [\(b), \(t)] (new positions) or [\(b), \(previous + t)] (all positions)")
            }
        }
        let maskRowStride = keyPaddingMask?.shape[1] ?? 0
        cache.append(count: t, packedKeys: qkv + d, packedValues: qkv + 2 * d, batchStride: t * 3 * d, rowStride: 3 * d,
                     newMask: newMask, maskRowStride: maskRowStride)
        let s = cache.length
        let recording = GradientMode.isRecording && packedQKV.isTracked
        // The derivative needs the keys and values as they are now; the cache moves on.
        let (keys, values): (TensorStorage?, TensorStorage?) = recording ? cache.snapshot() : (nil, nil)
        func cached(_ storage: TensorStorage?, _ base: UnsafePointer<Float>, perHead: Int) -> CausalAttentionKernel.HeadMatrices {
            .init(base: storage.map { UnsafePointer($0.pointer) } ?? base, batchStride: heads * perHead,
                  headStride: perHead, rowStride: dh)
        }
        let perHead = (keys == nil ? cache.capacity : s) * dh
        let kernel = CausalAttentionKernel(
            batchSize: b, heads: heads, headDimension: dh, queryCount: t, keyCount: s,
            queries: .init(base: qkv, batchStride: t * 3 * d, headStride: dh, rowStride: 3 * d),
            keys: cached(keys, cache.keyRows(batch: 0, head: 0), perHead: perHead),
            values: cached(values, cache.valueRows(batch: 0, head: 0), perHead: perHead),
            mask: cache.hasKeyPaddingMask ? cache.maskRow(batch: 0) : nil, maskRowStride: cache.capacity)
        return run(kernel, packedQKV: packedQKV, retained: [keys, values].compactMap { $0 },
                   dropoutProbability: dropoutProbability, generator: &generator)
    }

    // MARK: Shared

    /// (B, T, d) of a packed [B, T, 3d] input, checking that H divides d.
    private static func packedSizes(_ packedQKV: Tensor, heads: Int) -> (Int, Int, Int) {
        guard packedQKV.rank == 3, packedQKV.shape[2] % 3 == 0, heads > 0, (packedQKV.shape[2] / 3) % heads == 0 else {
            fatalError("causalAttention: input \(packedQKV.shape) is not [B, T, 3d] with d divisible by \(heads) heads")
        }
        return (packedQKV.shape[0], packedQKV.shape[1], packedQKV.shape[2] / 3)
    }

    /// Runs the kernel's forward pass and records its derivative. `retained` are storages
    /// the kernel's pointers read that must outlive the call (a cache snapshot).
    private static func run(_ kernel: CausalAttentionKernel, packedQKV: Tensor, retained: [TensorStorage],
                            dropoutProbability p: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "causalAttention: dropout probability must be in [0, 1), got \(p)")
        let weightCount = kernel.batchSize * kernel.heads * kernel.weightsPerHead
        let probabilities = TensorStorage(uninitializedCount: weightCount)
        var dropoutMask: TensorStorage?, droppedWeights: TensorStorage?
        if p > 0 {
            let mask = TensorStorage(uninitializedCount: weightCount)
            let keep = 1 / (1 - p)
            for i in 0..<weightCount { mask.pointer[i] = generator.nextFloat() < p ? 0 : keep }
            dropoutMask = mask
            droppedWeights = TensorStorage(uninitializedCount: weightCount)
        }
        let (b, t, d) = (kernel.batchSize, kernel.queryCount, kernel.width)
        let out = TensorStorage(uninitializedCount: b * t * d)
        kernel.forward(output: out.pointer, probabilities: probabilities.pointer,
                       dropoutMask: dropoutMask.map { UnsafePointer($0.pointer) }, droppedWeights: droppedWeights?.pointer)
        return Tensor.customOperation("causalAttention", shape: [b, t, d], storage: out, inputs: [packedQKV]) { g, _ in
            withExtendedLifetime(retained) {
                let gradient = TensorStorage(uninitializedCount: packedQKV.count)
                kernel.backward(outputGradient: g.storage.pointer, packedGradient: gradient.pointer,
                                probabilities: probabilities.pointer,
                                weights: (droppedWeights ?? probabilities).pointer,
                                dropoutMask: dropoutMask.map { UnsafePointer($0.pointer) })
                return [Tensor(shape: packedQKV.shape, storage: gradient)]
            }
        }
    }
}
