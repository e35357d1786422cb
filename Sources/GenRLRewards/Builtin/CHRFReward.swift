/// Sentence chrF (or chrF++) of each completion against its sample's references, exactly
/// as sacreBLEU's `sentence_chrf` computes it with the settings of `chrf` (by default
/// chrF2 with character 6-grams; `CHRF.chrFPlusPlus` adds word bigrams; see `CHRF`):
///
///     terminal = chrF(completion, references) / 100     (scale .unit, the default)
///     terminal = chrF(completion, references)           (scale .percent)
///
/// With several references the best one counts, as in sacreBLEU. Each reference's
/// n-grams are counted once and kept in a bounded cache. A sample without references
/// throws `RewardError.missingReferences` naming it.
public final class CHRFReward: RewardFunction {
    /// The name (default `chrf`).
    public let name: String
    /// The chrF settings.
    public let chrf: CHRF
    /// The scale of the score (default 0–1).
    public let scale: MetricScale

    /// Prepared references kept at most (the cache is emptied when full).
    private let cacheCapacity = 4096
    private var preparedReferences: [String: CHRF.PreparedText] = [:]

    /// A chrF reward, by default sacreBLEU's chrF2 on the 0–1 scale.
    public init(chrf: CHRF = CHRF(), scale: MetricScale = .unit, name: String = "chrf") {
        self.name = name
        self.chrf = chrf
        self.scale = scale
    }

    /// Sentence chrF of each completion on the chosen scale; throws `RewardError.missingReferences`
    /// for a sample without references.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        var terminal: [Double?] = []
        terminal.reserveCapacity(samples.count)
        for sample in samples {
            let references = try sample.requireReferences(for: name).map(prepared)
            terminal.append(scale.scaled(chrf.sentenceScore(hypothesis: sample.completion, references: references).score))
        }
        return RewardScores(terminal: terminal)
    }

    private func prepared(_ reference: String) -> CHRF.PreparedText {
        if let cached = preparedReferences[reference] { return cached }
        if preparedReferences.count >= cacheCapacity { preparedReferences.removeAll(keepingCapacity: true) }
        let prepared = chrf.prepare(reference)
        preparedReferences[reference] = prepared
        return prepared
    }
}
