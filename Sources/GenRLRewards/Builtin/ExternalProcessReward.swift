/// A reward computed by an external process (`ExternalScorer`): the batch's prompts and
/// completions go to the process as one JSON line, one score per completion comes back.
/// A `null` answer stays `nil` (no score). The scorer's errors (`ExternalScorerError`:
/// crash, hang, malformed answer, each naming the scorer and the batch) propagate
/// unchanged.
public final class ExternalProcessReward: RewardFunction {
    /// The name (default: the scorer configuration's name).
    public let name: String
    /// The process-backed scorer.
    public let scorer: ExternalScorer

    /// A reward backed by a running scorer.
    public init(scorer: ExternalScorer, name: String? = nil) {
        self.name = name ?? scorer.configuration.name
        self.scorer = scorer
    }

    /// Starts a scorer process from `configuration` and wraps it.
    ///
    /// - Throws: the `ExternalScorerError` of `ExternalScorer.init(configuration:)`.
    public convenience init(configuration: ExternalScorerConfiguration, name: String? = nil) throws(ExternalScorerError) {
        self.init(scorer: try ExternalScorer(configuration: configuration), name: name)
    }

    /// Sends the batch's prompts and completions to the scorer and returns its scores.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: try scorer.score(prompts: samples.map(\.prompt), completions: samples.map(\.completion)))
    }

    /// Stops the scorer process (see `ExternalScorer.close()`).
    public func close() {
        scorer.close()
    }
}
