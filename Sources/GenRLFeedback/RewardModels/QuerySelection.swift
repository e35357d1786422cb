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

    /// The indices of `count` candidates (fewer if there are fewer), best first.
    public func select(_ count: Int, from candidates: [PreferenceQuery], ensemble: RewardModelEnsemble,
                       generator: inout RandomGenerator) -> [Int] {
        let take = min(count, candidates.count)
        switch self {
        case .random:
            return Array(generator.permutation(candidates.count).prefix(take))
        case .ensembleDisagreement:
            let spread = ensemble.disagreement(candidates)
            return Array(candidates.indices.sorted { (spread[$0], -$0) > (spread[$1], -$1) }.prefix(take))
        case .closestToEven:
            let mean = ensemble.meanPreferenceProbabilities(candidates)
            return Array(candidates.indices.sorted { (abs(mean[$0] - 0.5), $0) < (abs(mean[$1] - 0.5), $1) }.prefix(take))
        }
    }
}
