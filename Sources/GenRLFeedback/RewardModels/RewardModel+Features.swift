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
        return evaluatingInChunks(prompts: prompts, completions: completions, chunkSize: chunkSize) { pooledInputs($0, model: model) }
    }

    /// φ of each text (see `valueHeadFeatures`), one forward pass over the padded batch.
    private func pooledInputs(_ texts: [EncodedText], model: any ValueHeadFeatures) -> [[Float]] {
        let tokens = Self.paddedBatch(texts), length = tokens.shape[1]
        let inputs = model.valueHeadInputs(tokens)
        let width = inputs.shape[2]
        let scalars = inputs.scalars
        return texts.enumerated().map { row, text in
            let positions = pooledPositions(text)
            var pooled = [Float](repeating: 0, count: width)
            for t in positions {
                let offset = (row * length + t) * width
                for k in 0..<width { pooled[k] += scalars[offset + k] }
            }
            return pooled.map { $0 / Float(positions.count) }
        }
    }
}
