/// Sentence BLEU of each completion against its sample's references, exactly as
/// sacreBLEU's `sentence_bleu` computes it with the settings of `bleu` (by default
/// sacreBLEU's: `13a` tokenizer, `exp` smoothing, effective order, N = 4; see `BLEU`).
///
///     terminal = BLEU(completion, references) / 100     (scale .unit, the default)
///     terminal = BLEU(completion, references)           (scale .percent)
///
/// This is SCST's and RL4LMs' BLEU reward. References are tokenized and counted once per
/// distinct reference list (`BLEU.prepare(references:)`) and reused while they stay in a
/// bounded cache, so the group of completions GRPO draws for one prompt costs one
/// preparation. A sample without references throws `RewardError.missingReferences`
/// naming it.
public final class BLEUReward: RewardFunction {
    /// The name (default `bleu`).
    public let name: String
    /// The BLEU settings.
    public let bleu: BLEU
    /// The scale of the score (default 0–1).
    public let scale: MetricScale

    /// Prepared reference lists kept at most (the cache is emptied when full).
    private let cacheCapacity = 4096
    private var preparedReferences: [[String]: BLEU.PreparedReferences] = [:]

    /// A BLEU reward, by default with sacreBLEU's sentence-level settings on the 0–1 scale.
    public init(bleu: BLEU = BLEU(), scale: MetricScale = .unit, name: String = "bleu") {
        self.name = name
        self.bleu = bleu
        self.scale = scale
    }

    /// Sentence BLEU of each completion on the chosen scale; throws `RewardError.missingReferences`
    /// for a sample without references.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        var terminal: [Double?] = []
        terminal.reserveCapacity(samples.count)
        for sample in samples {
            let references = try prepared(sample.requireReferences(for: name))
            terminal.append(scale.scaled(bleu.sentenceScore(hypothesis: sample.completion, references: references).score))
        }
        return RewardScores(terminal: terminal)
    }

    private func prepared(_ references: [String]) -> BLEU.PreparedReferences {
        if let cached = preparedReferences[references] { return cached }
        if preparedReferences.count >= cacheCapacity { preparedReferences.removeAll(keepingCapacity: true) }
        let prepared = bleu.prepare(references: references)
        preparedReferences[references] = prepared
        return prepared
    }
}
