import GenRLTensor

/// SeqGAN's discriminator (Yu et al., AAAI 2017; LantaoYu/SeqGAN `discriminator.py`): a
/// convolutional classifier of token sequences into generated (class 0) and real
/// (class 1).
///
///     tokens [B, T] → embedding [B, T, E] → TextConvolution [B, F] (widths ≤ T)
///                   → Highway [B, F] → Dropout → Linear(F, 2) → logits [B, 2]
///
/// The reward SeqGAN gives a finished sequence is the probability of "real",
/// softmax(logits)[1] = σ(logit₁ − logit₀). For the Monte Carlo rewards of prefixes, see
/// `prefixCache(for:)` and `realProbability(ofCompletions:prefixLength:cache:sources:)`,
/// which reuse the convolution windows that completions share with their prefix.
///
/// Parameter names match the PyTorch reference model's `state_dict` (the
/// `CNNDiscriminator` of the benchmark workloads): `embedding.weight`, `convs.{i}.weight`
/// [n_k, 1, k, E], `convs.{i}.bias`, `highway.h.{weight,bias}`, `highway.t.{weight,bias}`,
/// `out.{weight,bias}`, where i counts only the widths that fit the sequence length.
/// SeqGAN's L2 penalty on the output layer (λ = 0.2) belongs to the training loss, not
/// to this module. Dropout applies in training mode, so call `eval()` before scoring
/// rewards, as the reference does.
public final class CNNDiscriminator: Module, @unchecked Sendable {
    /// The sizes it was built with.
    public let configuration: CNNDiscriminatorConfiguration
    /// Token embeddings [V, E] (PyTorch's default N(0, 1) start). Checkpoint name `embedding`.
    public let embedding: Embedding
    /// The multi-width convolution with max-over-time pooling. Checkpoint name `convs`.
    public let convolution: TextConvolution
    /// The highway layer over the pooled features. Checkpoint name `highway`.
    public let highway: Highway
    /// Dropout after the highway layer (training mode only).
    public let dropout: Dropout
    /// The two-way classifier Linear(F, 2). Checkpoint name `out`.
    public let output: Linear

    /// A discriminator with freshly initialised parameters (PyTorch's defaults for each
    /// layer), drawn from `generator` in the order embedding, convolutions, highway, output.
    public init(_ configuration: CNNDiscriminatorConfiguration, generator: inout RandomGenerator,
                dropoutSeed: UInt64 = 0) throws(CNNDiscriminatorConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        embedding = Embedding(configuration.vocabularySize, configuration.embeddingSize, generator: &generator)
        convolution = TextConvolution(embeddingSize: configuration.embeddingSize, widths: configuration.filterWidths,
                                      filterCounts: configuration.filterCounts,
                                      maximumLength: configuration.sequenceLength, generator: &generator)
        highway = Highway(convolution.outputSize, generator: &generator)
        dropout = Dropout(probability: configuration.dropoutProbability, seed: dropoutSeed)
        output = Linear(convolution.outputSize, 2, generator: &generator)
    }

    /// The layers under the reference model's names.
    override public func children() -> [(name: String, module: Module)] {
        [("embedding", embedding), ("convs", convolution), ("highway", highway), ("dropout", dropout), ("out", output)]
    }

    /// Logits [B, 2] (generated, real) for token ids [B, T].
    public func callAsFunction(_ tokens: IntTensor) -> Tensor {
        logits(tokens)
    }

    /// Logits [B, 2] (generated, real) for token ids [B, T].
    public func logits(_ tokens: IntTensor) -> Tensor {
        checkTokens(tokens, operation: "CNNDiscriminator")
        return classify(convolution(embedding(tokens)))
    }

    /// The probability that each sequence is real, softmax(logits)[:, 1] = σ(logit₁ − logit₀),
    /// shape [B]. Differentiable when recorded; call it inside `withNoGrad` for rewards.
    public func realProbability(_ tokens: IntTensor) -> Tensor {
        Self.realProbability(fromLogits: logits(tokens))
    }

    /// The logits of pooled convolution features [B, F].
    func classify(_ features: Tensor) -> Tensor {
        output(dropout(highway(features)))
    }

    /// σ(logit₁ − logit₀) for logits [B, 2].
    static func realProbability(fromLogits logits: Tensor) -> Tensor {
        (logits.selecting(axis: 1, index: 1) - logits.selecting(axis: 1, index: 0)).sigmoid()
    }

    func checkTokens(_ tokens: IntTensor, operation: String) {
        guard tokens.rank == 2 else {
            fatalError("\(operation): token ids must be [batch, length], got shape \(tokens.shape)")
        }
        if let bad = tokens.scalars.first(where: { $0 < 0 || Int($0) >= configuration.vocabularySize }) {
            fatalError("\(operation): token id \(bad) is outside the vocabulary 0..<\(configuration.vocabularySize)")
        }
    }
}
