import GenRLTensor

/// Which candidate comparisons to send to the labeller when labels are expensive.
public enum QuerySelection: String, Codable, Sendable, CaseIterable {
    /// Uniformly at random (the baseline).
    case random
    /// Those on which the reward-model ensemble disagrees most: the largest standard
    /// deviation over members of the predicted preference probability (Christiano et al.
    /// 2017, §2.2.4: "the variance in each clip pair's predictions across ensemble
    /// members"; uncertainty sampling in the manner of Su et al. 2016).
    case ensembleDisagreement = "ensemble_disagreement"
    /// Those whose mean predicted probability is closest to ½ (the ensemble's total
    /// uncertainty, aleatoric and epistemic).
    case closestToEven = "closest_to_even"
    /// Those a Bayesian linear reward head on each member's own features knows least about,
    /// picked greedily so that one batch spreads over directions. The reward is affine in
    /// the value head's pooled input φ, so a pair (a, b) is the vector x = φ(a) − φ(b) to the
    /// head; with prior precision λ and the labelled pairs xᵢ,
    ///
    ///   Λ = λ I + Σᵢ xᵢ xᵢᵀ,   score(x) = xᵀ Λ⁻¹ x,
    ///
    /// the predictive variance of the pair's reward difference (the information a label on it
    /// would add about the head). Each pick is the candidate with the largest score averaged
    /// over the members, after which every member's Λ⁻¹ takes the pick by a Sherman–Morrison
    /// update, so the next scores count its label as given. Unlike the members' disagreement,
    /// the score does not depend on how the heads happen to differ, only on which directions
    /// the labels have covered.
    ///
    /// Choices. Each member scores in its own feature space and the variances are averaged:
    /// once trained, the members' backbones differ, so their features are not comparable and
    /// a mean feature would mix spaces (the mean ranks as the sum would, on one member's
    /// scale). By default each pair counts with weight 1, a Gaussian model of the reward
    /// difference whose posterior depends on the features alone; the Laplace approximation of
    /// Bradley–Terry would weight it by p(1 − p), p = σ(w · x) the member's prediction, which
    /// is optional (`FeatureUncertaintySettings.curvatureWeighting`): a head trained on a few
    /// hundred noisy labels predicts near ½ on most pairs, where p(1 − p) ≈ ¼ only rescales λ,
    /// and a confident wrong prediction would discount exactly the pairs it gets wrong. See
    /// `LinearHeadPosterior` and `GreedyVarianceSelection`.
    case featureUncertainty = "feature_uncertainty"
    /// Those whose mean predicted probability is farthest from ½: the pairs the ensemble is
    /// surest about, the opposite of uncertainty sampling. Where most pairs are ties to the
    /// labeller (the docs' lexicon task), these are the pairs more likely to differ in gold
    /// reward (docs/preferences.md §3).
    case mostConfident = "most_confident"
    /// `mostConfident` made diverse, in the manner of Zhdanov (2019, "Diverse mini-batch
    /// active learning"): a shortlist of the `FeatureUncertaintySettings.shortlistFactor`
    /// (10) × count candidates farthest from ½, then the greedy feature-variance picks of
    /// `featureUncertainty` among them (with the labelled pairs counted), so that a batch
    /// spreads over directions the labels have not covered instead of repeating the few
    /// pairs the ensemble is surest of.
    case confidentDiverse = "confident_diverse"
    /// A random sample weighted by confidence: `count` candidates drawn without replacement
    /// with probability ∝ |p̄ − ½|, p̄ the mean predicted probability (the "power" batch
    /// acquisition of Kirsch et al. 2023 with exponent 1, through
    /// `RandomGenerator.weightedSampleWithoutReplacement`). Unlike the top `count`, the
    /// sample spreads over the pairs the ensemble is fairly sure of instead of the few it is
    /// surest of.
    case confidentPower = "confident_power"
    /// A diagnostic, not a strategy: at random among the candidates whose gold rewards
    /// differ, which only a simulation knows (`goldGaps`, the active-querying experiment).
    /// Pairs with equal gold say nothing about the gold order, so this curve shows what
    /// finding the informative pairs, and nothing else, would gain over random querying.
    case goldInformative = "gold_informative"

    /// Whether the strategy builds the linear-head posterior of `featureUncertainty`: it reads
    /// the value head's inputs (`RewardModelEnsemble.hasValueHeadFeatures`) of the candidates
    /// and of the pairs labelled so far.
    public var usesLinearHeadPosterior: Bool { self == .featureUncertainty || self == .confidentDiverse }

    /// The candidates' indices, the ones whose mean predicted probability is farthest from ½
    /// first (ties to the lower index).
    static func mostConfidentFirst(_ candidates: [PreferenceQuery], ensemble: RewardModelEnsemble) -> [Int] {
        let mean = ensemble.meanPreferenceProbabilities(candidates)
        return candidates.indices.sorted { (abs(mean[$0] - 0.5), -$0) > (abs(mean[$1] - 0.5), -$1) }
    }

    /// The indices of `count` candidates (fewer if there are fewer), best first.
    /// `labelled`: the pairs labelled so far (used by `featureUncertainty` and
    /// `confidentDiverse`, with `featureUncertaintySettings`). `goldGaps`: each candidate's
    /// |gold₀ − gold₁|, which `goldInformative` needs and the others ignore.
    ///
    /// - Throws: `FeedbackError.invalidConfiguration` for `goldInformative` without
    ///   `goldGaps` (outside a simulation).
    public func select(_ count: Int, from candidates: [PreferenceQuery], labelled: [PreferenceQuery] = [],
                       ensemble: RewardModelEnsemble, featureUncertaintySettings: FeatureUncertaintySettings = .init(),
                       goldGaps: [Double]? = nil, generator: inout RandomGenerator) throws(FeedbackError) -> [Int] {
        let take = min(count, candidates.count)
        switch self {
        case .random:
            return Array(generator.permutation(candidates.count).prefix(take))
        case .goldInformative:
            guard let goldGaps, goldGaps.count == candidates.count else {
                throw .invalidConfiguration("gold_informative is a diagnostic of the active-querying experiment: it needs each candidate's gold reward")
            }
            // The informative candidates in random order, then (if too few) the others.
            let order = generator.permutation(candidates.count)
            return Array((order.filter { goldGaps[$0] > 0 } + order.filter { goldGaps[$0] == 0 }).prefix(take))
        case .ensembleDisagreement:
            let spread = ensemble.disagreement(candidates)
            return Array(candidates.indices.sorted { (spread[$0], -$0) > (spread[$1], -$1) }.prefix(take))
        case .closestToEven:
            let mean = ensemble.meanPreferenceProbabilities(candidates)
            return Array(candidates.indices.sorted { (abs(mean[$0] - 0.5), $0) < (abs(mean[$1] - 0.5), $1) }.prefix(take))
        case .mostConfident:
            return Array(Self.mostConfidentFirst(candidates, ensemble: ensemble).prefix(take))
        case .confidentDiverse:
            let shortlistSize = featureUncertaintySettings.shortlistFactor * take
            let shortlist = Array(Self.mostConfidentFirst(candidates, ensemble: ensemble).prefix(shortlistSize))
            return ensemble.featureUncertaintyPicks(take, from: shortlist.map { candidates[$0] }, labelled: labelled,
                                                    settings: featureUncertaintySettings).map { shortlist[$0.index] }
        case .confidentPower:
            let confidence = ensemble.meanPreferenceProbabilities(candidates).map { abs($0 - 0.5) }
            return generator.weightedSampleWithoutReplacement(take, weights: confidence)
        case .featureUncertainty:
            return ensemble.featureUncertaintyPicks(take, from: candidates, labelled: labelled,
                                                    settings: featureUncertaintySettings).map(\.index)
        }
    }
}
