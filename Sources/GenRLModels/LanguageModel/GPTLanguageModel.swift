import Foundation
import GenRLNN
import GenRLTensor

/// Configuration of a GPT language model (`config.json` of its model directory).
public struct GPTConfiguration: Codable, Sendable, Equatable {
    /// Number of token ids.
    public var vocabularySize: Int
    /// Longest sequence (learned positions; the benchmark: 128).
    public var contextLength = 128
    /// Model width d (the benchmark: 256).
    public var width = 256
    /// Transformer blocks (the benchmark: 4).
    public var layers = 4
    /// Attention heads (the benchmark: 4; width must divide by it).
    public var heads = 4
    /// MLP hidden size as a multiple of the width (GPT-2: 4).
    public var mlpRatio = 4
    /// Dropout on attention, residuals and embeddings during training (nanoGPT: 0).
    public var dropout: Float = 0
    /// Whether the model carries a scalar value head on the final hidden state.
    public var valueHead = false

    private enum CodingKeys: String, CodingKey { case vocabularySize, contextLength, width, layers, heads, mlpRatio, dropout, valueHead }

    /// Decodes `config.json`; every field but `vocabularySize` may be left out for its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = GPTConfiguration(vocabularySize: 1)
        self.init(vocabularySize: try c.decode(Int.self, forKey: .vocabularySize),
                  contextLength: try c.decodeIfPresent(Int.self, forKey: .contextLength) ?? defaults.contextLength,
                  width: try c.decodeIfPresent(Int.self, forKey: .width) ?? defaults.width,
                  layers: try c.decodeIfPresent(Int.self, forKey: .layers) ?? defaults.layers,
                  heads: try c.decodeIfPresent(Int.self, forKey: .heads) ?? defaults.heads,
                  mlpRatio: try c.decodeIfPresent(Int.self, forKey: .mlpRatio) ?? defaults.mlpRatio,
                  dropout: try c.decodeIfPresent(Float.self, forKey: .dropout) ?? defaults.dropout,
                  valueHead: try c.decodeIfPresent(Bool.self, forKey: .valueHead) ?? defaults.valueHead)
    }

    /// A configuration; the defaults are the benchmark model's (4 blocks × 256, 4 heads, context 128).
    public init(vocabularySize: Int, contextLength: Int = 128, width: Int = 256, layers: Int = 4, heads: Int = 4,
                mlpRatio: Int = 4, dropout: Float = 0, valueHead: Bool = false) {
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.width = width
        self.layers = layers
        self.heads = heads
        self.mlpRatio = mlpRatio
        self.dropout = dropout
        self.valueHead = valueHead
    }

    /// The configuration of each block.
    public var block: TransformerBlockConfiguration {
        TransformerBlockConfiguration(width: width, heads: heads, mlpRatio: mlpRatio, dropout: dropout, contextLength: contextLength)
    }
}

/// A GPT-2-style decoder (Radford et al. 2019; nanoGPT's layout): token and learned
/// position embeddings, pre-LayerNorm blocks with causal self-attention and a GELU MLP,
/// a final LayerNorm, a bias-free output head and an optional value head. Weights start
/// as GPT-2's: N(0, 0.02), residual output projections N(0, 0.02/√(2·layers)), zero
/// biases.
public final class GPTLanguageModel: Module, LanguageModel {
    /// The sizes.
    public let configuration: GPTConfiguration
    /// Token embeddings [V, d].
    public let tokenEmbedding: Embedding
    /// Learned position embeddings [context, d].
    public let positionEmbedding: Embedding
    /// Dropout on the sum of the two embeddings.
    public let embeddingDropout: Dropout
    /// The transformer blocks, in order.
    public let blocks: [GPTBlock]
    /// The LayerNorm after the last block.
    public let finalNorm: LayerNorm
    /// The bias-free output projection d → V.
    public let head: Linear
    /// The value head d → 1 on the final normalised hidden state, when configured.
    public let valueHead: Linear?

    /// A model of `configuration` with GPT-2's initialisation, drawn from `generator`.
    public init(_ configuration: GPTConfiguration, generator: inout RandomGenerator) {
        self.configuration = configuration
        tokenEmbedding = Embedding(configuration.vocabularySize, configuration.width, generator: &generator)
        positionEmbedding = Embedding(configuration.contextLength, configuration.width, generator: &generator)
        embeddingDropout = Dropout(probability: configuration.dropout)
        blocks = (0..<configuration.layers).map { _ in GPTBlock(configuration.block, generator: &generator) }
        finalNorm = LayerNorm(configuration.width)
        head = Linear(configuration.width, configuration.vocabularySize, bias: false, generator: &generator)
        valueHead = configuration.valueHead ? Linear(configuration.width, 1, generator: &generator) : nil
        super.init()
        initializeLikeGPT2(generator: &generator)
    }

    /// GPT-2's initialisation over the parameters the layers created.
    private func initializeLikeGPT2(generator: inout RandomGenerator) {
        let residualScale = 0.02 / Float(2 * configuration.layers).squareRoot()
        for (name, tensor) in namedParameters() {
            let isNorm = name.hasPrefix("finalNorm") || name.contains(".ln1.") || name.contains(".ln2.")
            if isNorm { continue }
            if name.hasSuffix(".bias") {
                tensor.assign(Tensor.zeros(tensor.shape))
            } else {
                let isResidualOutput = name.hasSuffix("attention.projection.weight") || name.hasSuffix("mlp.output.weight")
                tensor.assign(Tensor.randomNormal(tensor.shape, standardDeviation: isResidualOutput ? residualScale : 0.02,
                                                  using: &generator))
            }
        }
    }

    /// The configuration's vocabulary size.
    public var vocabularySize: Int { configuration.vocabularySize }
    /// The context length.
    public var maximumLength: Int? { configuration.contextLength }
    /// Whether the model has a `valueHead`.
    public var hasValueHead: Bool { valueHead != nil }
    /// "gpt L×d, H heads, context C".
    public var architectureSummary: String {
        "gpt \(configuration.layers)×\(configuration.width), \(configuration.heads) heads, context \(configuration.contextLength)"
    }

    final class State: DecodingState {
        var position = 0
        var caches: [KVCache]
        init(caches: [KVCache]) { self.caches = caches }
    }

    /// An empty key–value cache per block, sized for the context length.
    public func makeDecodingState(batchSize: Int) -> DecodingState {
        State(caches: blocks.map { $0.makeCache(batchSize: batchSize, capacity: configuration.contextLength) })
    }

    /// Logits [B, T, V] (and values [B, T]) for positions 0..<T; T must not exceed the context.
    public func callAsFunction(_ tokens: IntTensor) -> LanguageModelOutput {
        heads(valueHeadInputs(tokens))
    }

    /// Logits and values for positions `first..<T` only: the last block's MLP, the final
    /// norm and the heads run on those positions alone (the rest of the last block, which
    /// builds the keys and values that they attend to, on all of them).
    public func callAsFunction(_ tokens: IntTensor, outputsFrom first: Int) -> LanguageModelOutput {
        heads(valueHeadInputs(tokens, from: first))
    }

    /// The final layer norm's outputs [B, T, width], what both heads read: token plus
    /// position embeddings, the blocks and the norm.
    public func valueHeadInputs(_ tokens: IntTensor) -> Tensor {
        valueHeadInputs(tokens, from: 0)
    }

    /// The final layer norm's outputs for positions `first..<T` ([B, T − first, width]).
    private func valueHeadInputs(_ tokens: IntTensor, from first: Int) -> Tensor {
        var x = embed(tokens, offset: 0)
        for (index, block) in blocks.enumerated() {
            x = block(x, keyPaddingMask: nil, outputsFrom: index == blocks.count - 1 ? first : 0)
        }
        if blocks.isEmpty && first > 0 { x = x.sliced(axis: 1, first..<x.shape[1]) }
        return finalNorm(x)
    }

    /// The head fused with the cross-entropy: the [B, T, V] logits are never formed.
    public func meanNegativeLogLikelihood(inputs: IntTensor, targets: IntTensor, weights: Tensor?) -> Tensor {
        Tensor.linearCrossEntropy(valueHeadInputs(inputs), weight: head.weight, bias: nil, targets: targets, weights: weights)
    }

    /// Runs `tokens` at the positions after those in the caches, appending their keys and values.
    public func decode(_ tokens: IntTensor, state: DecodingState) -> LanguageModelOutput {
        let state = state as! State
        var x = embed(tokens, offset: state.position)
        for index in blocks.indices { x = blocks[index](x, cache: &state.caches[index], keyPaddingMask: nil) }
        state.position += tokens.shape[1]
        return heads(finalNorm(x))
    }

    /// Token plus position embeddings for positions offset..<offset + T.
    private func embed(_ tokens: IntTensor, offset: Int) -> Tensor {
        let steps = tokens.shape[1]
        if offset + steps > configuration.contextLength {
            preconditionFailure("\(LanguageModelError.sequenceTooLong(length: offset + steps, maximum: configuration.contextLength))")
        }
        let positions = positionEmbedding(IntTensor((offset..<(offset + steps)).map { Int32($0) }, shape: [steps]))
        return embeddingDropout(tokenEmbedding(tokens) + positions)
    }

    /// The output layer and the value head on the final norm's outputs `h`.
    private func heads(_ h: Tensor) -> LanguageModelOutput {
        LanguageModelOutput(logits: head(h), values: valueHead.map { $0(h).squeezing(axis: -1) })
    }
}
