import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLTensor

/// The agent: a language model, the tokenizer that turns its tokens into text for the
/// rewards, and how it decodes during rollouts.
public final class Policy {
    /// The model being trained.
    public let model: any LanguageModel
    /// Turns tokens into the text rewards read (and prompts into tokens).
    public let tokenizer: any Tokenizer
    /// How rollouts sample. The policy that the algorithms optimise is the model's
    /// distribution at `decoding.temperature` (log-probabilities are recomputed from
    /// logits / τ, as TRL does); top-k and top-p only restrict which tokens are drawn.
    public var decoding: DecodingConfiguration
    /// Restricts the actions (NLPO's mask): applied to the logits of every teacher-forced
    /// evaluation and, through its processor, to sampling.
    public var actionMasking: (any ActionMasking)?

    /// A policy of `model`, decoded with `decoding`, with no action masking.
    public init(model: any LanguageModel, tokenizer: any Tokenizer, decoding: DecodingConfiguration) {
        self.model = model
        self.tokenizer = tokenizer
        self.decoding = decoding
    }

    /// Teacher-forced outputs for `inputs` [B, T] at positions `first..<T` (all by
    /// default; see `LanguageModel.callAsFunction(_:outputsFrom:)`): logits divided by the
    /// temperature (and masked by `actionMasking`, which never removes the taken
    /// `targets`), and values. Recorded for gradients unless called under `withNoGrad`.
    public func outputs(_ inputs: IntTensor, targets: IntTensor? = nil, from first: Int = 0) -> LanguageModelOutput {
        let output = Policy.outputs(of: model, inputs, temperature: decoding.temperature, from: first)
        guard let actionMasking else { return output }
        var mask = actionMasking.additiveMask(for: inputs, keeping: targets)
        if first > 0 { mask = mask.sliced(axis: 1, first..<inputs.shape[1]) }
        return LanguageModelOutput(logits: output.logits + mask, values: output.values)
    }

    /// Teacher-forced outputs of any model at a temperature, at positions `first..<T`.
    public static func outputs(of model: any LanguageModel, _ inputs: IntTensor, temperature: Float,
                               from first: Int = 0) -> LanguageModelOutput {
        let output = model(inputs, outputsFrom: first)
        return temperature == 1 ? output : LanguageModelOutput(logits: output.logits / temperature, values: output.values)
    }
}

/// A rule that removes actions from the policy: during sampling through a logit processor,
/// and in every evaluation of the policy through an additive mask (0 for allowed tokens,
/// −∞ for removed ones), so that π is renormalised over the allowed set.
public protocol ActionMasking: AnyObject {
    /// The processor that applies the mask while sampling.
    func makeProcessor() -> any LogitProcessor
    /// The additive mask [B, T, V] for teacher-forced `inputs` [B, T]. The tokens of
    /// `keeping` [B, T] (the actions actually taken) stay allowed: recomputing the mask
    /// by teacher forcing can move a token across the edge of the allowed set by float
    /// rounding, and a taken action must keep a finite log-probability.
    func additiveMask(for inputs: IntTensor, keeping: IntTensor?) -> Tensor
}

/// A prompt to generate from: its text, its tokens (beginning with the begin token), and
/// the references that reference-based rewards compare with.
public struct Prompt: Sendable, Equatable {
    /// The prompt's text (without the begin token).
    public var text: String
    /// The prompt's tokens, beginning with the begin token.
    public var tokens: [Int]
    /// The reference texts that reference-based rewards compare with (may be empty).
    public var references: [String]

    /// A prompt of given text and tokens.
    public init(text: String, tokens: [Int], references: [String] = []) {
        self.text = text
        self.tokens = tokens
        self.references = references
    }

    /// The prompt for unconditional generation: the begin token alone.
    public static let unconditional = Prompt(text: "", tokens: [Vocabulary.beginID])

    /// A prompt from text, encoded by `tokenizer` after the begin token.
    public init(text: String, tokenizer: any Tokenizer, references: [String] = []) {
        self.init(text: text, tokens: [Vocabulary.beginID] + tokenizer.encode(text), references: references)
    }
}

/// Where the prompts of each batch come from: a fixed set visited in seeded shuffled
/// epochs (every prompt once per epoch), or the unconditional prompt.
public struct PromptSource: Sendable {
    /// The prompts, in their original order.
    public let prompts: [Prompt]
    private var order: [Int] = []
    private var cursor = 0
    private var epoch = 0
    private let seed: UInt64

    /// A source over `prompts` (at least one) whose epoch orders are shuffled from `seed`.
    public init(prompts: [Prompt], seed: UInt64 = 0) {
        precondition(!prompts.isEmpty, "PromptSource needs at least one prompt")
        self.prompts = prompts
        self.seed = seed
    }

    /// Unconditional generation.
    public static var unconditional: PromptSource { PromptSource(prompts: [.unconditional]) }

    /// The next `count` prompts.
    public mutating func next(_ count: Int) -> [Prompt] {
        (0..<count).map { _ in
            if cursor == order.count {
                var generator = RandomGenerator(seed: seed ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15))
                order = generator.permutation(prompts.count)
                cursor = 0
                epoch += 1
            }
            defer { cursor += 1 }
            return prompts[order[cursor]]
        }
    }

    /// Position in the stream, for checkpoints: (epoch, cursor).
    public var position: [Int] { [epoch, cursor] }

    /// Restores a position saved by `position`.
    public mutating func restore(position: [Int]) {
        precondition(position.count == 2, "PromptSource.restore: expected [epoch, cursor]")
        if position[0] > 0 {
            var generator = RandomGenerator(seed: seed ^ (UInt64(position[0] - 1) &* 0x9E37_79B9_7F4A_7C15))
            order = generator.permutation(prompts.count)
        }
        epoch = position[0]
        cursor = position[1]
    }
}
