import GenRLTensor

/// One pre-LayerNorm transformer block, as in GPT-2 (Radford et al. 2019) and nanoGPT:
///
///   h = x + attention(ln1(x)),   y = h + dropout(mlp(ln2(h))),
///   mlp(z) = W₂·GELU(W₁·z + b₁) + b₂  with the exact GELU and hidden size mlpRatio·d,
///
/// on [B, T, d]. The embeddings, the final LayerNorm and the heads belong to the model
/// that stacks these blocks.
///
/// Parameter names and their PyTorch counterparts (`nn.Linear` layout):
///
/// | GenRL | torch_workloads.py `Block` | nanoGPT | HF GPT-2 |
/// |---|---|---|---|
/// | `ln1.weight`, `ln1.bias` | `ln1` | `ln_1` | `ln_1` |
/// | `attention.qkv.*` | `qkv` | `attn.c_attn` | `attn.c_attn` (transposed) |
/// | `attention.projection.*` | `proj` | `attn.c_proj` | `attn.c_proj` (transposed) |
/// | `ln2.weight`, `ln2.bias` | `ln2` | `ln_2` | `ln_2` |
/// | `mlp.input.*` [mlpRatio·d, d] | `fc` | `mlp.c_fc` | `mlp.c_fc` (transposed) |
/// | `mlp.output.*` [d, mlpRatio·d] | `fc2` | `mlp.c_proj` | `mlp.c_proj` (transposed) |
public final class GPTBlock: Module, @unchecked Sendable {
    /// LayerNorm before the attention.
    public let ln1: LayerNorm
    /// Causal self-attention.
    public let attention: CausalSelfAttention
    /// LayerNorm before the MLP.
    public let ln2: LayerNorm
    /// The feed-forward network d → mlpRatio·d → d with GELU.
    public let mlp: MLP
    /// Dropout on the MLP's output.
    public let mlpDropout: Dropout
    /// The sizes this block was built with.
    public let configuration: TransformerBlockConfiguration

    /// A block with PyTorch's default initialisation (`nn.Linear`, `nn.LayerNorm`); the
    /// dropout generators are seeded from `generator`. The configuration must be valid
    /// (`TransformerBlockConfiguration.validate()` reports why not as an error).
    public init(_ configuration: TransformerBlockConfiguration, generator: inout RandomGenerator) {
        do {
            try configuration.validate()
        } catch {
            fatalError("GPTBlock: \(error.description)")
        }
        self.configuration = configuration
        ln1 = LayerNorm(configuration.width, epsilon: configuration.layerNormEpsilon)
        attention = CausalSelfAttention(width: configuration.width, heads: configuration.heads,
                                        dropout: configuration.dropout, generator: &generator)
        ln2 = LayerNorm(configuration.width, epsilon: configuration.layerNormEpsilon)
        mlp = MLP(configuration.width, hidden: configuration.mlpWidth, configuration.width, activation: .gelu,
                  generator: &generator)
        mlpDropout = Dropout(probability: configuration.dropout, seed: generator.next())
    }

    /// The block over the T positions of `x` ([B, T, d]), giving positions `first..<T`
    /// ([B, T − first, d]; all of them by default); `keyPaddingMask` is an additive [B, T]
    /// mask (0 keep, −∞ padding). The attention runs over all T positions (the earlier ones
    /// are the later ones' keys and values), the MLP only over the positions returned.
    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor? = nil, outputsFrom first: Int = 0) -> Tensor {
        var h = attention(ln1(x), keyPaddingMask: keyPaddingMask, adding: x)
        if first > 0 { h = h.sliced(axis: 1, first..<h.shape[1]) }
        return feedForward(ln2(h), adding: h)
    }

    /// The block over T new positions `x` ([B, T, d]) that follow the positions held in
    /// `cache`, appending their keys and values to it. Feeding a sequence in pieces gives
    /// the same outputs as feeding it whole. `keyPaddingMask` covers the new positions
    /// ([B, T]) or all of them ([B, cache.length + T]).
    public func callAsFunction(_ x: Tensor, cache: inout KVCache, keyPaddingMask: Tensor? = nil) -> Tensor {
        let h = attention(ln1(x), cache: &cache, keyPaddingMask: keyPaddingMask, adding: x)
        return feedForward(ln2(h), adding: h)
    }

    /// `residual` + dropout(mlp(z)): the addition done by the MLP's last layer when the
    /// dropout is off (both residual connections are added inside the layers before them,
    /// `Tensor.linear(_:weight:bias:adding:)`).
    private func feedForward(_ z: Tensor, adding residual: Tensor) -> Tensor {
        mlpDropout.isIdentity ? mlp(z, adding: residual) : residual + mlpDropout(mlp(z))
    }

    /// An empty cache for this block: `batchSize` sequences of up to `capacity` positions
    /// (the configuration's context length by default). It holds 2·B·capacity·d floats,
    /// so ask for what generation needs (prompt + new tokens) rather than the maximum.
    public func makeCache(batchSize: Int, capacity: Int? = nil) -> KVCache {
        attention.makeCache(batchSize: batchSize, capacity: capacity ?? configuration.contextLength)
    }
}
