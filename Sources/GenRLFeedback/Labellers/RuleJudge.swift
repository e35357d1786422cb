import GenRLRewards

/// An AI judge made of rules: each rule is a reward (a regular expression, a keyword
/// list, a length target, a repetition penalty, any `RewardFunction`) with a weight, and
/// the judge prefers the completion with the larger weighted sum
///
///   J(c) = Σᵣ wᵣ·rᵣ(c)     (a rule with no score for c counts 0).
///
/// Completions whose sums are within `tieMargin` of the best are tied with it. The judge
/// answers with the best completion, or with a full ranking in tiers.
public final class RuleJudge: Labeller {
    /// One weighted rule.
    public struct Rule {
        /// The rule.
        public var reward: any RewardFunction
        /// Its weight in the sum.
        public var weight: Double

        /// A rule with a weight.
        public init(_ reward: any RewardFunction, weight: Double = 1) {
            self.reward = reward
            self.weight = weight
        }
    }

    /// Recorded as the labeller of its records.
    public let name: String
    /// The weighted rules.
    public let rules: [Rule]
    /// Sums within this distance are tied (default 0: only exact equality).
    public let tieMargin: Double
    /// Answer with a ranking in tiers rather than the best completion.
    public let answersWithRanking: Bool

    /// A judge of `rules`.
    public init(name: String = "rules", rules: [Rule], tieMargin: Double = 0, answersWithRanking: Bool = false) {
        precondition(!rules.isEmpty, "RuleJudge needs at least one rule")
        self.name = name
        self.rules = rules
        self.tieMargin = tieMargin
        self.answersWithRanking = answersWithRanking
    }

    /// The judge's sum J for every completion of every query.
    public func judgements(_ queries: [PreferenceQuery]) throws -> [[Double]] {
        let samples = PreferenceQuery.completionSamples(queries)
        var totals = [Double](repeating: 0, count: samples.count)
        for rule in rules {
            let scores = try rule.reward.checkedScore(samples).terminal
            for (i, score) in scores.enumerated() { totals[i] += rule.weight * (score ?? 0) }
        }
        return PreferenceQuery.grouped(totals, like: queries)
    }

    /// One label (or nil) per query; see the type's description.
    public func label(_ queries: [PreferenceQuery]) throws -> [PreferenceLabel?] {
        try judgements(queries).map { RuleJudge.label(fromScores: $0, tieMargin: tieMargin, ranking: answersWithRanking) }
    }

    /// The label that scores imply: the best completion (a tie when every score is within
    /// `tieMargin` of the best), or tiers of scores within `tieMargin` of each tier's first.
    public static func label(fromScores scores: [Double], tieMargin: Double, ranking: Bool) -> PreferenceLabel {
        let order = scores.indices.sorted { (scores[$0], -$0) > (scores[$1], -$1) }
        guard let best = order.first else { return .tie }
        if scores.allSatisfy({ scores[best] - $0 <= tieMargin }) { return .tie }
        guard ranking else { return .choice(best) }
        var tiers: [[Int]] = []
        for index in order {
            if let head = tiers.last?.first, scores[head] - scores[index] <= tieMargin {
                tiers[tiers.count - 1].append(index)
            } else {
                tiers.append([index])
            }
        }
        return .ranking(tiers.map { $0.sorted() })
    }
}
