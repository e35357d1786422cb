import GenRLModels
import GenRLTensor

extension RewardModel {
    /// Whether the backbone exposes its value head's inputs (`ValueHeadFeatures`: the
    /// recurrent and GPT models do), which `valueHeadFeatures` needs.
    public var hasValueHeadFeatures: Bool { backbone is any ValueHeadFeatures }

    /// The vector the reward is affine in: with the value head (w, c) and its inputs hₜ at
    /// the positions t of `pooling`,
    ///
    ///   reward = mean over t of (w · hₜ + c) = w · φ + c,   φ = mean over t of hₜ,
    ///
    /// so φ is the last position's hₜ with `.lastToken` and the mean over the completion's
    /// positions and the `<eos>` with `.completionMean`. One row of φ per completion,
    /// without gradients and in evaluation mode, in chunks of `chunkSize`. The backbone
    /// must have `hasValueHeadFeatures`.
    public func valueHeadFeatures(prompts: [String], completions: [String], chunkSize: Int = 256) -> [[Float]] {
        precondition(prompts.count == completions.count, "valueHeadFeatures: \(prompts.count) prompts, \(completions.count) completions")
        guard let model = backbone as? any ValueHeadFeatures else {
            preconditionFailure("valueHeadFeatures: the backbone (\(backbone.architectureSummary)) does not expose its value head's inputs")
        }
        let texts = zip(prompts, completions).map { encode(prompt: $0, completion: $1) }
        let wasTraining = backbone.isTraining
        backbone.eval()
        defer { backbone.train(wasTraining) }
        return withNoGrad {
            stride(from: 0, to: texts.count, by: chunkSize).flatMap { start in
                pooledInputs(Array(texts[start..<min(start + chunkSize, texts.count)]), model: model)
            }
        }
    }

    /// φ of each text (see `valueHeadFeatures`), one forward pass over the padded batch.
    private func pooledInputs(_ texts: [EncodedText], model: any ValueHeadFeatures) -> [[Float]] {
        let length = texts.map(\.tokens.count).max()!
        var tokens = [Int32](repeating: Int32(Vocabulary.paddingID), count: texts.count * length)
        for (row, text) in texts.enumerated() {
            for (position, token) in text.tokens.enumerated() { tokens[row * length + position] = Int32(token) }
        }
        let inputs = model.valueHeadInputs(IntTensor(tokens, shape: [texts.count, length]))
        let width = inputs.shape[2]
        let scalars = inputs.scalars
        return texts.enumerated().map { row, text in
            let positions = pooling == .lastToken ? (text.tokens.count - 1)..<text.tokens.count : text.completionStart..<text.tokens.count
            var pooled = [Float](repeating: 0, count: width)
            for t in positions {
                let offset = (row * length + t) * width
                for k in 0..<width { pooled[k] += scalars[offset + k] }
            }
            return pooled.map { $0 / Float(positions.count) }
        }
    }
}
