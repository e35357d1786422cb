import GenRLRewards

/// An AI judge in another process — a script that prompts a local model, a classifier,
/// anything that speaks the JSON-lines protocol of `ExternalScorer` (see
/// docs/external-rewards.md). Each query is sent as one batch: its prompt repeated once
/// per completion, and its completions,
///
///     request: {"batch": 3, "prompts": ["Good morrow,", "Good morrow,"], "completions": [" sweet lord.", " villain!"]}
///     answer:  {"batch": 3, "scores": [1, 0]}
///
/// so the judge sees the whole comparison at once and may score the completions
/// against each other. The highest score wins; scores within `tieMargin` of it are tied
/// with it; a `null` score means the judge abstains on that query. A principle for the
/// judge (a constitution's) is passed through the process's arguments or environment.
public final class ExternalJudge: Labeller {
    /// Recorded as the labeller of its records (the scorer's name).
    public let name: String
    /// The process.
    public let scorer: ExternalScorer
    /// Scores within this distance of the best are tied with it.
    public let tieMargin: Double
    /// Answer with a ranking in tiers rather than the best completion.
    public let answersWithRanking: Bool

    /// Starts the judge process.
    public init(configuration: ExternalScorerConfiguration, tieMargin: Double = 0, answersWithRanking: Bool = false) throws {
        scorer = try ExternalScorer(configuration: configuration)
        name = configuration.name
        self.tieMargin = tieMargin
        self.answersWithRanking = answersWithRanking
    }

    /// One label (or nil) per query; see the type's description.
    public func label(_ queries: [PreferenceQuery]) throws -> [PreferenceLabel?] {
        try queries.map { query in
            let scores = try scorer.score(prompts: Array(repeating: query.prompt, count: query.completions.count),
                                          completions: query.completions)
            guard scores.allSatisfy({ $0 != nil }) else { return nil }
            return RuleJudge.label(fromScores: scores.map { $0! }, tieMargin: tieMargin, ranking: answersWithRanking)
        }
    }

    /// Stops the process.
    public func close() { scorer.close() }
}
