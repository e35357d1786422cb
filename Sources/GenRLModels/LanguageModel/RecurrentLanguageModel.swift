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
    public let configuration: RecurrentLanguageModelConfiguration
    public let embedding: Embedding
    /// The recurrent layers, one of the two.
    public let lstm: LSTM?
    public let gru: GRU?
    /// The output projection to logits (named `out` as in SeqGAN's checkpoints).
    public let out: Linear
    /// V(s) from the top layer's output.
    public let valueHead: Linear?

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

    public var vocabularySize: Int { configuration.vocabularySize }
    public var maximumLength: Int? { nil }
    public var hasValueHead: Bool { valueHead != nil }
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

    public func callAsFunction(_ tokens: IntTensor) -> LanguageModelOutput {
        let state = State()
        return run(tokens, state: state)
    }

    public func makeDecodingState(batchSize: Int) -> DecodingState { State() }

    public func decode(_ tokens: IntTensor, state: DecodingState) -> LanguageModelOutput {
        run(tokens, state: state as! State)
    }

    /// Embeds `tokens` [B, T], runs the layers from `state` (zero at the start) and
    /// advances it. A single position goes through the cells' step path.
    private func run(_ tokens: IntTensor, state: State) -> LanguageModelOutput {
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
        let values = valueHead.map { $0(hidden).squeezing(axis: -1) }
        return LanguageModelOutput(logits: out(hidden), values: values)
    }
}
