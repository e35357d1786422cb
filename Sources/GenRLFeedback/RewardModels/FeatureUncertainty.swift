/// Settings of `QuerySelection.featureUncertainty`: the Bayesian linear head whose
/// predictive variance picks the queries (see `LinearHeadPosterior`).
public struct FeatureUncertaintySettings: Codable, Sendable, Equatable {
    /// λ, the prior precision of the head's weights, w ~ N(0, λ⁻¹ I), in units of the
    /// features (the backbone's hidden states, each in (−1, 1) for a GRU or an LSTM). It
    /// bounds the variance of an unexplored direction at |x|²/λ; a larger λ makes the score
    /// lean towards pairs with large feature differences, a smaller one towards directions no
    /// label has touched. Must be positive.
    public var priorPrecision = 1.0
    /// Weight each labelled pair's x xᵀ by the logistic curvature p(1 − p), p = σ(rₐ − r_b) the
    /// member's current prediction (the Laplace approximation of the Bradley–Terry posterior),
    /// and each pick by its own; false: weight 1 (a Gaussian model of the reward difference,
    /// whose posterior does not depend on the current head).
    public var curvatureWeighting = false
    /// `QuerySelection.confidentDiverse` only: its shortlist holds this many of the most
    /// confident candidates per pick (Zhdanov 2019 pre-filters a multiple β of the batch;
    /// a larger factor spreads further but dilutes the confidence). At least 1.
    public var shortlistFactor = 10

    /// The defaults (the values above).
    public init() {}

    /// Settings with the given prior precision, weighting and shortlist factor.
    public init(priorPrecision: Double, curvatureWeighting: Bool = false, shortlistFactor: Int = 10) {
        self.priorPrecision = priorPrecision
        self.curvatureWeighting = curvatureWeighting
        self.shortlistFactor = shortlistFactor
    }

    /// Throws `FeedbackError.invalidConfiguration` unless the prior precision is positive
    /// and the shortlist factor at least 1.
    public func validate() throws(FeedbackError) {
        guard priorPrecision > 0, priorPrecision.isFinite else {
            throw FeedbackError.invalidConfiguration("feature_uncertainty.prior_precision \(priorPrecision) must be a positive number")
        }
        guard shortlistFactor >= 1 else {
            throw FeedbackError.invalidConfiguration("feature_uncertainty.shortlist_factor \(shortlistFactor) must be at least 1")
        }
    }
}

extension RewardModelEnsemble {
    /// Whether every member's backbone exposes its value head's inputs (needed by
    /// `featureUncertaintyPicks`).
    public var hasValueHeadFeatures: Bool { members.allSatisfy(\.hasValueHeadFeatures) }

    /// Each member's features of each pair, x = φ(completion 0) − φ(completion 1) with φ the
    /// value head's pooled input (`RewardModel.valueHeadFeatures`): [member][query][F]. The
    /// member's reward difference is w · x.
    public func pairFeatureDifferences(_ queries: [PreferenceQuery]) -> [[[Double]]] {
        let prompts = queries.flatMap { [$0.prompt, $0.prompt] }
        let completions = queries.flatMap { [$0.completions[0], $0.completions[1]] }
        return members.map { member in
            let features = member.valueHeadFeatures(prompts: prompts, completions: completions)
            return queries.indices.map { q in zip(features[2 * q], features[2 * q + 1]).map { Double($0) - Double($1) } }
        }
    }

    /// The logistic curvature p(1 − p) of each member's prediction p = σ(r₀ − r₁) for each
    /// pair: [member][query].
    public func preferenceCurvatures(_ queries: [PreferenceQuery]) -> [[Double]] {
        let probabilities = preferenceProbabilities(queries)
        return members.indices.map { m in probabilities.map { $0[m] * (1 - $0[m]) } }
    }

    /// The greedy feature-uncertainty picks among `candidates` (see `QuerySelection.featureUncertainty`):
    /// member m's posterior Λₘ = λI + Σ cᵢ xᵢxᵢᵀ over the `labelled` pairs' features xᵢ in
    /// its own feature space, then `GreedyVarianceSelection` on the candidates' features,
    /// scoring each by the mean over members of its predictive variance.
    public func featureUncertaintyPicks(_ count: Int, from candidates: [PreferenceQuery], labelled: [PreferenceQuery],
                                        settings: FeatureUncertaintySettings) -> [GreedyVarianceSelection.Pick] {
        precondition(hasValueHeadFeatures, "feature_uncertainty needs backbones that expose their value head's inputs")
        guard !candidates.isEmpty else { return [] }
        let candidateFeatures = pairFeatureDifferences(candidates)
        let labelledFeatures = labelled.isEmpty ? members.map { _ in [] } : pairFeatureDifferences(labelled)
        let labelledWeights = settings.curvatureWeighting && !labelled.isEmpty ? preferenceCurvatures(labelled) : nil
        let dimension = candidateFeatures[0][0].count
        let posteriors = members.indices.map { m in
            LinearHeadPosterior(dimension: dimension, priorPrecision: settings.priorPrecision,
                                observations: labelledFeatures[m], weights: labelledWeights?[m])
        }
        return GreedyVarianceSelection.select(count, candidates: candidateFeatures,
                                              weights: settings.curvatureWeighting ? preferenceCurvatures(candidates) : nil,
                                              posteriors: posteriors)
    }
}
