/// How often each completion has been remembered over a run (the state of a
/// `RunRepetitionPenalty`, saved in checkpoints).
public struct CompletionMemory: Sendable, Equatable, Codable {
    /// Remembered occurrences per completion key (the text, or the token ids joined by
    /// spaces).
    public var occurrences: [String: Int]

    /// A memory, empty unless given.
    public init(occurrences: [String: Int] = [:]) {
        self.occurrences = occurrences
    }
}

/// A penalty on completions generated again and again over a run: the simplest form of
/// REINVENT's diversity filter, a memory of the completions seen so far.
///
/// Samples are taken in batch order. For a sample with score `s` whose completion has
/// been remembered `m` times before it (in earlier batches, or earlier in this batch):
///
///     terminal = s                       if m ≤ allowedRepeats
///     terminal = s · penaltyMultiplier   if m > allowedRepeats
///
/// then the completion is remembered once more if `s ≥ minimumScore` (every scored
/// sample when `minimumScore` is `nil`). So the first occurrence and `allowedRepeats`
/// repeats keep their score, and every later one is penalised; with the default
/// `penaltyMultiplier = 0` it earns nothing.
///
/// - `allowedRepeats: 0` with a multiplier is REINVENT 4's `PenalizeSameSmiles` filter
///   (`reinvent/runmodes/RL/memories/penalize_same_smiles.py`), whose
///   `penalty_multiplier` scales every repeat.
/// - REINVENT's scaffold filters (`diversity_filter.py`) zero a sample once its bucket
///   holds more than `bucket_size` members with a score ≥ `minscore`: that is
///   `allowedRepeats = bucket_size − 1`, `penaltyMultiplier = 0`, `minimumScore =
///   minscore`, applied to whole completions instead of molecular scaffolds.
///
/// `nil` scores stay `nil` and are not remembered. Dense scores of a penalised sample
/// are multiplied by the same factor. The memory grows with the number of distinct
/// completions remembered; save `memory` in checkpoints and assign it back on resume.
public final class RunRepetitionPenalty: ComponentReportingReward {
    /// The name (default: `<base>_run_unique`).
    public let name: String
    /// The penalised reward.
    public let base: any RewardFunction
    /// How many repeats of a completion keep their full score.
    public let allowedRepeats: Int
    /// The factor applied to the score of a repeat beyond `allowedRepeats` (0: no reward).
    public let penaltyMultiplier: Double
    /// Only samples scoring at least this much are remembered (REINVENT's `minscore`);
    /// `nil` remembers every scored sample.
    public let minimumScore: Double?
    /// How completions are compared.
    public let identity: CompletionIdentity
    /// The completions remembered so far. Assign a saved value to resume.
    public var memory = CompletionMemory()
    /// How many samples of the last batch were penalised.
    public private(set) var lastPenalizedCount = 0

    /// The base reward's component report, if it has one.
    public var lastComponentStatistics: [RewardComponentStatistics] { componentStatistics(of: base) }

    /// `base` with a run-long memory of completions.
    ///
    /// - Throws: `RewardError.invalidConfiguration` for a negative `allowedRepeats` or a
    ///   non-finite multiplier or minimum score.
    public init(_ base: any RewardFunction, allowedRepeats: Int = 0, penaltyMultiplier: Double = 0,
                minimumScore: Double? = nil, identity: CompletionIdentity = .text, name: String? = nil) throws(RewardError) {
        let name = name ?? "\(base.name)_run_unique"
        guard allowedRepeats >= 0 else {
            throw .invalidConfiguration(reward: name, reason: "allowedRepeats must be ≥ 0, got \(allowedRepeats)")
        }
        guard penaltyMultiplier.isFinite else {
            throw .invalidConfiguration(reward: name, reason: "penaltyMultiplier must be finite, got \(penaltyMultiplier)")
        }
        if let minimumScore, !minimumScore.isFinite {
            throw .invalidConfiguration(reward: name, reason: "minimumScore must be finite, got \(minimumScore)")
        }
        self.name = name
        self.base = base
        self.allowedRepeats = allowedRepeats
        self.penaltyMultiplier = penaltyMultiplier
        self.minimumScore = minimumScore
        self.identity = identity
    }

    /// The base scores, multiplied by `penaltyMultiplier` for completions remembered more than
    /// `allowedRepeats` times; remembers each scored completion (if it reaches `minimumScore`).
    public func score(_ samples: [Sample]) throws -> RewardScores {
        var scores = try base.checkedScore(samples)
        var penalized = 0
        for (index, sample) in samples.enumerated() {
            guard let score = scores.terminal[index] else { continue }
            let key = identity.key(sample)
            let seenBefore = memory.occurrences[key] ?? 0
            if seenBefore > allowedRepeats {
                penalized += 1
                scores.terminal[index] = score * penaltyMultiplier
                if let row = scores.perStep?[index] { scores.perStep![index] = row.map { $0 * penaltyMultiplier } }
            }
            if minimumScore.map({ score >= $0 }) ?? true {
                memory.occurrences[key] = seenBefore + 1
            }
        }
        lastPenalizedCount = penalized
        return scores
    }
}
