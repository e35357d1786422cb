import GenRLNN
import GenRLTensor

/// Configuration of a recurrent language model (`config.json` of its model directory).
public struct RecurrentLanguageModelConfiguration: Codable, Sendable, Equatable {
    /// The recurrent cell.
    public enum Cell: String, Codable, Sendable, CaseIterable { case lstm, gru }

    /// Number of token ids.
    public var vocabularySize: Int
    /// LSTM (SeqGAN, char-rnn) or GRU (REINVENT).
    public var cell: Cell = .lstm
    /// Embedding size (SeqGAN: 32; REINVENT: 256).
    public var embeddingSize = 32
    /// Hidden size of each layer (SeqGAN: 32; REINVENT: 512).
    public var hiddenSize = 32
    /// Stacked layers (SeqGAN: 1; REINVENT: 3).
    public var layers = 1
    /// Dropout between layers (PyTorch's `dropout` argument).
    public var dropout: Float = 0
    /// Whether the model carries a scalar value head on the top layer's output.
    public var valueHead = false

    private enum CodingKeys: String, CodingKey { case vocabularySize, cell, embeddingSize, hiddenSize, layers, dropout, valueHead }

    /// Decodes `config.json`; every field but `vocabularySize` may be left out for its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RecurrentLanguageModelConfiguration(vocabularySize: 1)
        self.init(vocabularySize: try c.decode(Int.self, forKey: .vocabularySize),
                  cell: try c.decodeIfPresent(Cell.self, forKey: .cell) ?? defaults.cell,
                  embeddingSize: try c.decodeIfPresent(Int.self, forKey: .embeddingSize) ?? defaults.embeddingSize,
                  hiddenSize: try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? defaults.hiddenSize,
                  layers: try c.decodeIfPresent(Int.self, forKey: .layers) ?? defaults.layers,
                  dropout: try c.decodeIfPresent(Float.self, forKey: .dropout) ?? defaults.dropout,
                  valueHead: try c.decodeIfPresent(Bool.self, forKey: .valueHead) ?? defaults.valueHead)
    }

    /// A configuration; the defaults are SeqGAN's generator (one LSTM layer, 32 embedding, 32 hidden).
    public init(vocabularySize: Int, cell: Cell = .lstm, embeddingSize: Int = 32, hiddenSize: Int = 32, layers: Int = 1,
                dropout: Float = 0, valueHead: Bool = false) {
        self.vocabularySize = vocabularySize
        self.cell = cell
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.dropout = dropout
        self.valueHead = valueHead
    }
}

/// Embedding → LSTM or GRU layers → linear output over the vocabulary, with an optional
/// value head. Parameter names follow PyTorch (`embedding.weight`, `lstm.weight_ih_l0`,
/// `out.weight`, …), the layout of SeqGAN's oracle file, so such checkpoints load as is.
public final class RecurrentLanguageModel: Module, LanguageModel {
    /// The sizes.
    public let configuration: RecurrentLanguageModelConfiguration
    /// Token embeddings [V, embeddingSize].
    public let embedding: Embedding
    /// The recurrent layers, one of the two.
    public let lstm: LSTM?
    /// The GRU layers, when the cell is `.gru`.
    public let gru: GRU?
    /// The output projection to logits (named `out` as in SeqGAN's checkpoints).
    public let out: Linear
    /// V(s) from the top layer's output.
    public let valueHead: Linear?

    /// A model of `configuration`, its layers initialised from `generator`.
    public init(_ configuration: RecurrentLanguageModelConfiguration, generator: inout RandomGenerator) {
        self.configuration = configuration
        embedding = Embedding(configuration.vocabularySize, configuration.embeddingSize, generator: &generator)
        switch configuration.cell {
        case .lstm:
            lstm = LSTM(inputSize: configuration.embeddingSize, hiddenSize: configuration.hiddenSize,
                        layerCount: configuration.layers, dropout: configuration.dropout, generator: &generator)
            gru = nil
        case .gru:
            gru = GRU(inputSize: configuration.embeddingSize, hiddenSize: configuration.hiddenSize,
                      layerCount: configuration.layers, dropout: configuration.dropout, generator: &generator)
            lstm = nil
        }
        out = Linear(configuration.hiddenSize, configuration.vocabularySize, generator: &generator)
        valueHead = configuration.valueHead ? Linear(configuration.hiddenSize, 1, generator: &generator) : nil
    }

    /// An independent model with this one's configuration and parameter values.
    public func copy() -> RecurrentLanguageModel {
        var unused = RandomGenerator(seed: 0)  // initial values, overwritten at once
        let copy = RecurrentLanguageModel(configuration, generator: &unused)
        copy.copyParameters(from: self)
        return copy
    }

    /// A copy whose output layer is divided by `temperature` τ: its logits are this
    /// model's divided by τ, so it samples from softmax(z/τ). The value head and every
    /// other parameter are copied as they are; this model is not changed.
    public func tempered(by temperature: Float) -> RecurrentLanguageModel {
        precondition(temperature > 0 && temperature.isFinite, "tempered(by:): temperature \(temperature) is not a positive number")
        let tempered = copy()
        tempered.out.weight.assign(out.weight / temperature)
        if let bias = out.bias { tempered.out.bias?.assign(bias / temperature) }
        return tempered
    }

    /// The configuration's vocabulary size.
    public var vocabularySize: Int { configuration.vocabularySize }
    /// None: a recurrent model takes sequences of any length.
    public var maximumLength: Int? { nil }
    /// Whether the model has a `valueHead`.
    public var hasValueHead: Bool { valueHead != nil }
    /// "cell L×hidden, embedding E", e.g. "lstm 1×32, embedding 32".
    public var architectureSummary: String {
        "\(configuration.cell.rawValue) \(configuration.layers)×\(configuration.hiddenSize), embedding \(configuration.embeddingSize)"
    }

    /// The recurrent state of either cell.
    enum RecurrentState {
        case lstm(LSTMState), gru(GRUState)
    }

    final class State: DecodingState {
        var position = 0
        var recurrent: RecurrentState?
    }

    /// Logits [B, T, V] (and values [B, T]) for `tokens` [B, T], from a zero state.
    public func callAsFunction(_ tokens: IntTensor) -> LanguageModelOutput {
        let state = State()
        return run(tokens, state: state)
    }

    /// A state that starts at zero.
    public func makeDecodingState(batchSize: Int) -> DecodingState { State() }

    /// The output layer fused with the cross-entropy: the [B, T, V] logits are never formed.
    public func meanNegativeLogLikelihood(inputs: IntTensor, targets: IntTensor, weights: Tensor?) -> Tensor {
        Tensor.linearCrossEntropy(valueHeadInputs(inputs), weight: out.weight, bias: out.bias, targets: targets, weights: weights)
    }

    /// The top layer's hidden states [B, T, hiddenSize] from a zero state, what both heads
    /// read.
    public func valueHeadInputs(_ tokens: IntTensor) -> Tensor {
        run(tokens, state: State(), outputLayer: false).logits
    }

    /// Runs `tokens` from the carried recurrent state and advances it.
    public func decode(_ tokens: IntTensor, state: DecodingState) -> LanguageModelOutput {
        run(tokens, state: state as! State)
    }

    /// Embeds `tokens` [B, T], runs the layers from `state` (zero at the start) and
    /// advances it. A single position goes through the cells' step path. Without
    /// `outputLayer`, `logits` holds the top layer's hidden states instead.
    private func run(_ tokens: IntTensor, state: State, outputLayer: Bool = true) -> LanguageModelOutput {
        let (batch, steps) = (tokens.shape[0], tokens.shape[1])
        let x = embedding(tokens)
        var hidden: Tensor
        if let lstm {
            var current: LSTMState?
            if case .lstm(let s) = state.recurrent { current = s }
            if steps == 1 {
                let (output, next) = lstm.step(x.reshaped([batch, configuration.embeddingSize]),
                                               state: current ?? lstm.zeroState(batchSize: batch))
                hidden = output.reshaped([batch, 1, configuration.hiddenSize])
                state.recurrent = .lstm(next)
            } else {
                let (output, next) = lstm(x, state: current)
                hidden = output
                state.recurrent = .lstm(next)
            }
        } else {
            let gru = gru!
            var current: GRUState?
            if case .gru(let s) = state.recurrent { current = s }
            if steps == 1 {
                let (output, next) = gru.step(x.reshaped([batch, configuration.embeddingSize]),
                                              state: current ?? gru.zeroState(batchSize: batch))
                hidden = output.reshaped([batch, 1, configuration.hiddenSize])
                state.recurrent = .gru(next)
            } else {
                let (output, next) = gru(x, state: current)
                hidden = output
                state.recurrent = .gru(next)
            }
        }
        state.position += steps
        guard outputLayer else { return LanguageModelOutput(logits: hidden, values: nil) }  // the top layer's output
        let values = valueHead.map { $0(hidden).squeezing(axis: -1) }
        return LanguageModelOutput(logits: out(hidden), values: values)
    }
}
