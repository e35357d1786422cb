import GenRLModels
import GenRLNN
import GenRLTensor

/// A reward model on a GenRL language-model backbone with a scalar head, as in
/// Stiennon et al. (2020) and Ouyang et al. (2022): the text
///
///   <bos> prompt completion <eos>
///
/// runs through the backbone, and the value head reads the reward off its hidden states.
/// With `.lastToken` pooling (the papers' choice) the reward is the head's output at the
/// last position, the `<eos>`, which has seen everything; with `.completionMean` it is the
/// mean of the head's outputs over the completion's positions and the `<eos>` — easier
/// for a small recurrent backbone to learn properties spread over the text (how many
/// words of a kind it holds) than one summary at the end. The backbone is usually the
/// pretrained policy's own weights with a fresh head (InstructGPT starts its reward model
/// from the SFT model); the language-model logits are not used.
public final class RewardModel {
    /// Where the reward is read from the value head's outputs.
    public enum Pooling: String, Codable, Sendable, CaseIterable {
        /// The output at the last position (`<eos>`).
        case lastToken = "last_token"
        /// The mean of the outputs over the completion's positions and the `<eos>`.
        case completionMean = "completion_mean"
    }

    /// A completion as the model reads it: the tokens and where the completion starts.
    public struct EncodedText: Sendable, Equatable {
        /// `<bos>` prompt completion `<eos>`.
        public var tokens: [Int]
        /// Index of the completion's first token.
        public var completionStart: Int
    }

    /// The network; must have a value head.
    public let backbone: any LanguageModel
    /// Turns prompts and completions into tokens.
    public let tokenizer: any Tokenizer
    /// How the reward is read.
    public let pooling: Pooling

    /// A reward model on `backbone` (which must have a value head).
    public init(backbone: any LanguageModel, tokenizer: any Tokenizer, pooling: Pooling = .lastToken) {
        precondition(backbone.hasValueHead, "RewardModel needs a backbone with a value head")
        self.backbone = backbone
        self.tokenizer = tokenizer
        self.pooling = pooling
    }

    /// The tokens the model reads for one completion. A sequence longer than the
    /// backbone's maximum loses prompt tokens after `<bos>` (the completion is kept).
    public func encode(prompt: String, completion: String) -> EncodedText {
        let promptTokens = tokenizer.encode(prompt)
        let completionTokens = tokenizer.encode(completion) + [Vocabulary.endID]
        var body = promptTokens + completionTokens
        if let maximum = backbone.maximumLength, body.count + 1 > maximum { body = Array(body.suffix(maximum - 1)) }
        return EncodedText(tokens: [Vocabulary.beginID] + body, completionStart: 1 + body.count - min(completionTokens.count, body.count))
    }

    /// The rewards of encoded texts, [N]; recorded for gradients unless called under
    /// `withNoGrad`.
    public func rewards(_ texts: [EncodedText]) -> Tensor {
        precondition(!texts.isEmpty, "RewardModel.rewards: no texts")
        let tokens = Self.paddedBatch(texts), length = tokens.shape[1]
        let values = backbone(tokens).values!
        switch pooling {
        case .lastToken:
            let last = IntTensor(texts.map { Int32(pooledPositions($0).lowerBound) }, shape: [texts.count, 1])
            return values.gather(last, axis: 1).reshaped([texts.count])
        case .completionMean:
            var mask = [Float](repeating: 0, count: texts.count * length)
            for (row, text) in texts.enumerated() {
                let positions = pooledPositions(text)
                for t in positions { mask[row * length + t] = 1 / Float(positions.count) }
            }
            return (values * Tensor(mask, shape: [texts.count, length])).sum(axis: 1)
        }
    }

    /// The positions whose value-head outputs the reward averages under `pooling`: the last
    /// one, or (position t's output has read tokens 0...t) those from the completion's start
    /// to the end.
    func pooledPositions(_ text: EncodedText) -> Range<Int> {
        pooling == .lastToken ? (text.tokens.count - 1)..<text.tokens.count : text.completionStart..<text.tokens.count
    }

    /// The rewards of completions of prompts, without gradients and in evaluation mode
    /// (no dropout), in chunks of `chunkSize`.
    public func rewards(prompts: [String], completions: [String], chunkSize: Int = 256) -> [Float] {
        precondition(prompts.count == completions.count, "RewardModel.rewards: \(prompts.count) prompts, \(completions.count) completions")
        return evaluatingInChunks(prompts: prompts, completions: completions, chunkSize: chunkSize) { rewards($0).scalars }
    }

    /// `body` over the encoded completions of prompts, in chunks of `chunkSize`, without
    /// gradients and in evaluation mode (the backbone's mode is restored afterwards).
    func evaluatingInChunks<Row>(prompts: [String], completions: [String], chunkSize: Int,
                                 _ body: ([EncodedText]) -> [Row]) -> [Row] {
        guard !prompts.isEmpty else { return [] }
        let texts = zip(prompts, completions).map { encode(prompt: $0, completion: $1) }
        let wasTraining = backbone.isTraining
        backbone.eval()
        defer { backbone.train(wasTraining) }
        return withNoGrad {
            stride(from: 0, to: texts.count, by: chunkSize).flatMap { start in
                body(Array(texts[start..<min(start + chunkSize, texts.count)]))
            }
        }
    }

    /// The texts' tokens as one batch [N, longest], padded at the end.
    static func paddedBatch(_ texts: [EncodedText]) -> IntTensor {
        let length = texts.map(\.tokens.count).max()!
        var tokens = [Int32](repeating: Int32(Vocabulary.paddingID), count: texts.count * length)
        for (row, text) in texts.enumerated() {
            for (position, token) in text.tokens.enumerated() { tokens[row * length + position] = Int32(token) }
        }
        return IntTensor(tokens, shape: [texts.count, length])
    }
}
