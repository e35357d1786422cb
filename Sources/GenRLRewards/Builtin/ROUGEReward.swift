/// ROUGE of each completion against its sample's references, as Google's rouge-score
/// computes it (`RougeScorer([type], use_stemmer).score_multi(references, completion)`:
/// the reference with the best F1 counts). On rouge-score's 0–1 scale.
///
///     terminal = ROUGE-type measure (precision, recall or F1) of the completion
///
/// The default, ROUGE-L F1, is the summarisation reward of RL4LMs and of Paulus et al.
/// (2018). A sample without references throws `RewardError.missingReferences` naming it.
public final class ROUGEReward: RewardFunction {
    /// Which of rouge-score's three numbers is the reward.
    public enum Measure: String, Sendable, Codable, CaseIterable {
        /// Matched units over completion units.
        case precision
        /// Matched units over reference units.
        case recall
        /// Their harmonic mean, F1 (the default).
        case fmeasure
    }

    /// The name (default: rouge-score's name of the type, e.g. `rougeL`).
    public let name: String
    /// The ROUGE variant (default ROUGE-L).
    public let type: ROUGEType
    /// The number reported (default F1).
    public let measure: Measure
    /// Whether tokens are Porter-stemmed (default false, as in rouge-score).
    public let useStemmer: Bool

    private let rouge: ROUGE

    /// A ROUGE reward.
    ///
    /// - Throws: `RewardError.invalidConfiguration` for ROUGE-N with `n < 1`.
    public init(type: ROUGEType = .rougeL, measure: Measure = .fmeasure, useStemmer: Bool = false,
                name: String? = nil) throws(RewardError) {
        let name = name ?? type.description
        if case let .ngram(n) = type, n < 1 {
            throw .invalidConfiguration(reward: name, reason: "ROUGE-N needs n ≥ 1, got \(n)")
        }
        self.name = name
        self.type = type
        self.measure = measure
        self.useStemmer = useStemmer
        self.rouge = ROUGE(types: [type], useStemmer: useStemmer)
    }

    /// The chosen ROUGE measure of each completion against its best reference; throws
    /// `RewardError.missingReferences` for a sample without references.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        var terminal: [Double?] = []
        terminal.reserveCapacity(samples.count)
        for sample in samples {
            let references = try sample.requireReferences(for: name)
            guard let result = try? rouge.scoreMulti(targets: references, prediction: sample.completion)[type] else {
                throw RewardError.missingReferences(reward: name, sample: sample.index)
            }
            switch measure {
            case .precision: terminal.append(result.precision)
            case .recall: terminal.append(result.recall)
            case .fmeasure: terminal.append(result.fmeasure)
            }
        }
        return RewardScores(terminal: terminal)
    }
}
