import GenRLTensor

/// Multi-head causal self-attention (Vaswani et al. 2017, as in GPT-2 and nanoGPT):
///
///   [Q K V] = x·W_qkvᵀ + b_qkv,   headᵢ = softmax(QᵢKᵢᵀ/√d_h + causal mask)·Vᵢ,
///   y = dropout([head₁ … head_H]·W_oᵀ + b_o)
///
/// on [B, T, d], with one fused projection to queries, keys and values and dropout on the
/// attention weights and on the output. The core is one fused operation
/// (`Tensor.causalAttention`).
///
/// Parameter names and their PyTorch counterparts (weights are [out, in] as in
/// `nn.Linear`; Hugging Face's GPT-2 stores its `Conv1D` weights transposed):
///
/// | GenRL | torch_workloads.py `Block` | nanoGPT | HF GPT-2 |
/// |---|---|---|---|
/// | `qkv.weight` [3d, d], `qkv.bias` | `qkv` | `attn.c_attn` | `attn.c_attn` (transposed) |
/// | `projection.weight` [d, d], `projection.bias` | `proj` | `attn.c_proj` | `attn.c_proj` (transposed) |
public final class CausalSelfAttention: Module, @unchecked Sendable {
    /// The fused query, key and value projection d → 3d (queries first, then keys, then
    /// values, each split into heads of d_h consecutive features).
    public let qkv: Linear
    /// The output projection d → d applied to the heads side by side.
    public let projection: Linear
    /// Dropout on the attention weights (its probability and generator; the kernel applies it).
    public let attentionDropout: Dropout
    /// Dropout on the output.
    public let residualDropout: Dropout
    /// Number of heads H.
    public let heads: Int

    /// A layer of `width` features split into `heads` heads, weights initialised as
    /// PyTorch's `nn.Linear`; the dropout generators are seeded from `generator`.
    public init(width: Int, heads: Int, dropout: Float = 0, generator: inout RandomGenerator) {
        precondition(heads > 0 && width % heads == 0, "CausalSelfAttention: width \(width) is not divisible by \(heads) heads")
        qkv = Linear(width, 3 * width, generator: &generator)
        projection = Linear(width, width, generator: &generator)
        attentionDropout = Dropout(probability: dropout, seed: generator.next())
        residualDropout = Dropout(probability: dropout, seed: generator.next())
        self.heads = heads
    }

    /// Model width d.
    public var width: Int { projection.outputSize }
    /// Size of one head, d_h = d/H.
    public var headDimension: Int { width / heads }

    /// Attention over all T positions of `x` ([B, T, d] → [B, T, d]); `keyPaddingMask` is
    /// an additive [B, T] mask (0 keep, −∞ padding). With `residual`, residual + that (the
    /// block's residual connection, added by the output projection when the output dropout
    /// is off).
    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor? = nil, adding residual: Tensor? = nil) -> Tensor {
        let packed = qkv(x)
        let mixed: Tensor
        if !attentionDropout.isIdentity {
            mixed = Tensor.causalAttention(packedQKV: packed, heads: heads, keyPaddingMask: keyPaddingMask,
                                           dropoutProbability: attentionDropout.probability,
                                           generator: &attentionDropout.generator)
        } else {
            mixed = Tensor.causalAttention(packedQKV: packed, heads: heads, keyPaddingMask: keyPaddingMask)
        }
        return project(mixed, adding: residual)
    }

    /// Attention of the T new positions `x` ([B, T, d]) over the positions in `cache` and
    /// themselves, appending their keys and values to `cache`. `keyPaddingMask` covers the
    /// new positions ([B, T]) or all of them ([B, cache.length + T]). With `residual`,
    /// residual + that.
    public func callAsFunction(_ x: Tensor, cache: inout KVCache, keyPaddingMask: Tensor? = nil,
                               adding residual: Tensor? = nil) -> Tensor {
        let packed = qkv(x)
        let mixed: Tensor
        if !attentionDropout.isIdentity {
            mixed = Tensor.causalAttention(packedQKV: packed, heads: heads, cache: &cache, keyPaddingMask: keyPaddingMask,
                                           dropoutProbability: attentionDropout.probability,
                                           generator: &attentionDropout.generator)
        } else {
            mixed = Tensor.causalAttention(packedQKV: packed, heads: heads, cache: &cache, keyPaddingMask: keyPaddingMask)
        }
        return project(mixed, adding: residual)
    }

    /// The output projection with its dropout, plus `residual` when given: added by the
    /// projection itself when the dropout is off.
    private func project(_ mixed: Tensor, adding residual: Tensor?) -> Tensor {
        guard let residual else { return residualDropout(projection(mixed)) }
        return residualDropout.isIdentity ? projection(mixed, adding: residual) : residual + residualDropout(projection(mixed))
    }

    /// An empty cache for this layer: `batchSize` sequences of up to `capacity` positions
    /// (it holds 2·B·capacity·d floats).
    public func makeCache(batchSize: Int, capacity: Int) -> KVCache {
        KVCache(batchSize: batchSize, heads: heads, headDimension: headDimension, capacity: capacity)
    }
}
