import GenRLNN
import GenRLTensor

/// What a language model computes for a run of positions.
public struct LanguageModelOutput: @unchecked Sendable {
    /// Next-token logits: [B, T, V] (position t scores the token at t + 1).
    public let logits: Tensor
    /// The value head's estimate at each position, [B, T], when the model has one.
    public let values: Tensor?

    /// Outputs of the given logits and values.
    public init(logits: Tensor, values: Tensor?) {
        self.logits = logits
        self.values = values
    }

    /// The outputs for positions `first` on (axis 1 sliced; itself when `first` is 0).
    public func fromPosition(_ first: Int) -> LanguageModelOutput {
        guard first > 0 else { return self }
        let steps = logits.shape[1]
        return LanguageModelOutput(logits: logits.sliced(axis: 1, first..<steps),
                                   values: values?.sliced(axis: 1, first..<steps))
    }
}

/// The state a model carries between incremental decoding calls (a recurrent state, or
/// a key–value cache), owned by one generation loop.
public protocol DecodingState: AnyObject {
    /// Number of positions consumed so far.
    var position: Int { get }
}

/// A generator over token sequences: the agent of every RL algorithm in GenRL.
///
/// Sequences are laid out left-aligned and right-padded: `[prompt | completion | padding]`,
/// beginning with the begin token. With padding only at the end, causal models never
/// look at it, so neither family needs attention masks; losses mask it out.
///
/// Two ways to run a model, which agree to float rounding:
/// - teacher forcing over whole sequences: `callAsFunction(tokens)` gives logits for every
///   position at once (training, scoring, PPO's recomputed log-probabilities);
/// - incremental decoding: `decode(tokens, state:)` consumes the next positions given the
///   carried `DecodingState` (a recurrent state or a KV cache) — generation.
public protocol LanguageModel: Module {
    /// Number of token ids.
    var vocabularySize: Int { get }
    /// Longest sequence the model can process (positions of a transformer), or nil.
    var maximumLength: Int? { get }
    /// Whether the model carries a scalar value head (PPO's critic).
    var hasValueHead: Bool { get }
    /// A short description for logs and `config.json`, e.g. "lstm 1×32".
    var architectureSummary: String { get }

    /// Logits (and values) for every position of `tokens` [B, T].
    func callAsFunction(_ tokens: IntTensor) -> LanguageModelOutput

    /// Logits and values for positions `first..<T` of `tokens` [B, T] only ([B, T − first,
    /// V] and [B, T − first]), the same as `self(tokens)` sliced there up to float
    /// rounding: the earlier positions still condition the later ones. For teacher-forced
    /// passes that score only a completion after a prompt. Models may skip the work that
    /// only earlier positions' outputs need; the default computes every position and slices.
    func callAsFunction(_ tokens: IntTensor, outputsFrom first: Int) -> LanguageModelOutput

    /// A fresh decoding state for `batchSize` sequences.
    func makeDecodingState(batchSize: Int) -> DecodingState

    /// Consumes `tokens` [B, T] after the positions already in `state`, returning the
    /// outputs for these T positions ([B, T, V] logits) and advancing the state.
    func decode(_ tokens: IntTensor, state: DecodingState) -> LanguageModelOutput

    /// The maximum-likelihood loss of teacher forcing: the mean (weighted by `weights`)
    /// of −log p(targets | inputs) over positions. Models with a linear output layer
    /// compute it without materialising the logits (`Tensor.linearCrossEntropy`).
    func meanNegativeLogLikelihood(inputs: IntTensor, targets: IntTensor, weights: Tensor?) -> Tensor
}

extension LanguageModel {
    /// Every position's outputs, sliced from `first` on.
    public func callAsFunction(_ tokens: IntTensor, outputsFrom first: Int) -> LanguageModelOutput {
        self(tokens).fromPosition(first)
    }

    /// Cross-entropy of the teacher-forced logits.
    public func meanNegativeLogLikelihood(inputs: IntTensor, targets: IntTensor, weights: Tensor?) -> Tensor {
        Tensor.crossEntropy(logits: self(inputs).logits, targets: targets, weights: weights)
    }
}

/// Why a model directory could not be used.
public enum LanguageModelError: Error, CustomStringConvertible {
    case unreadableConfiguration(path: String, reason: String)
    case mismatchedWeights(path: String, reason: String)
    case sequenceTooLong(length: Int, maximum: Int)

    /// The message, naming the file at fault where there is one.
    public var description: String {
        switch self {
        case .unreadableConfiguration(let path, let reason): "\(path): cannot read model configuration: \(reason)"
        case .mismatchedWeights(let path, let reason): "\(path): weights do not fit the configuration: \(reason)"
        case .sequenceTooLong(let length, let maximum): "sequence of \(length) tokens exceeds the model's maximum length \(maximum)"
        }
    }
}
