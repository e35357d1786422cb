/// What makes two samples "the same completion" for the repetition penalties.
public enum CompletionIdentity: String, Sendable, Codable, CaseIterable {
    /// Equal completion text (the default).
    case text
    /// Equal completion token ids.
    case tokens

    /// The key under which `sample` is counted.
    func key(_ sample: Sample) -> String {
        switch self {
        case .text: return sample.completion
        case .tokens: return sample.completionTokens.map(String.init).joined(separator: " ")
        }
    }
}

/// ORGAN's penalty on repeated samples (Guimaraes et al., 2017, "Objective-Reinforced
/// Generative Adversarial Networks"): each sample's score is divided by the number of
/// times its completion occurs in the batch,
///
///     terminal[b] = base[b] / #{ b' : completion[b'] = completion[b] }
///
/// so a completion generated k times earns, in total, what one copy would. Every
/// occurrence counts, whatever its score; `nil` stays `nil`. Dense scores of the base
/// reward are divided by the same count.
public final class BatchRepetitionPenalty: ComponentReportingReward {
    /// The name (default: `<base>_batch_unique`).
    public let name: String
    /// The penalised reward.
    public let base: any RewardFunction
    /// How completions are compared.
    public let identity: CompletionIdentity
    /// How many samples of the last batch had a copy elsewhere in the batch.
    public private(set) var lastRepeatedCount = 0

    /// The base reward's component report, if it has one.
    public var lastComponentStatistics: [RewardComponentStatistics] { componentStatistics(of: base) }

    /// `base` with ORGAN's in-batch repetition penalty.
    public init(_ base: any RewardFunction, identity: CompletionIdentity = .text, name: String? = nil) {
        self.name = name ?? "\(base.name)_batch_unique"
        self.base = base
        self.identity = identity
    }

    /// The base scores (terminal and per-step) divided by each completion's count in the batch;
    /// sets `lastRepeatedCount`.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        var scores = try base.checkedScore(samples)
        let keys = samples.map(identity.key)
        var occurrences: [String: Int] = [:]
        for key in keys { occurrences[key, default: 0] += 1 }
        let divisors = keys.map { Double(occurrences[$0]!) }
        lastRepeatedCount = divisors.filter { $0 > 1 }.count
        scores.terminal = zip(scores.terminal, divisors).map { score, divisor in score.map { $0 / divisor } }
        if let rows = scores.perStep {
            scores.perStep = zip(rows, divisors).map { row, divisor in row.map { $0 / divisor } }
        }
        return scores
    }
}
