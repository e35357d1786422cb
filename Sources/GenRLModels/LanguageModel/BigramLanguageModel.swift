import GenRLNN
import GenRLTensor

/// The smallest language model: the next token's logits are the row of a learned table
/// for the current token, p(xₜ₊₁ | xₜ) = softmax(W[xₜ]). A Markov chain with trainable
/// transitions — instant to run, which makes it the model of GenRL's algorithm tests and
/// of teaching examples. The optional value head is a learned scalar per token.
public final class BigramLanguageModel: Module, LanguageModel {
    /// Transition logits [V, V]: row a scores the token after a.
    public let transitions: Tensor
    /// Values per current token [V, 1], when the model has a value head.
    public let valueTable: Tensor?

    /// A model with all-zero transitions (uniform next-token distributions).
    public init(vocabularySize: Int, valueHead: Bool = false) {
        transitions = Tensor.zeros([vocabularySize, vocabularySize]).asParameter()
        valueTable = valueHead ? Tensor.zeros([vocabularySize, 1]).asParameter() : nil
    }

    /// The number of rows of `transitions`.
    public var vocabularySize: Int { transitions.shape[0] }
    /// None: a bigram takes sequences of any length.
    public var maximumLength: Int? { nil }
    /// Whether the model has a `valueTable`.
    public var hasValueHead: Bool { valueTable != nil }
    /// "bigram V".
    public var architectureSummary: String { "bigram \(vocabularySize)" }

    /// The rows of `transitions` (and `valueTable`) for every token of `tokens` [B, T].
    public func callAsFunction(_ tokens: IntTensor) -> LanguageModelOutput {
        let values = valueTable.map { $0.indexSelect(tokens, axis: 0).squeezing(axis: -1) }
        return LanguageModelOutput(logits: transitions.indexSelect(tokens, axis: 0), values: values)
    }

    /// A bigram needs no memory beyond the current token, which the caller passes.
    final class State: DecodingState {
        var position = 0
    }

    /// A state that only counts positions.
    public func makeDecodingState(batchSize: Int) -> DecodingState { State() }

    /// The same as `callAsFunction` (each output depends on its own token only); advances the count.
    public func decode(_ tokens: IntTensor, state: DecodingState) -> LanguageModelOutput {
        (state as! State).position += tokens.shape[1]
        return self(tokens)
    }
}
