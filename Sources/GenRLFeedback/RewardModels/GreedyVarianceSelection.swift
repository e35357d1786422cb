/// Greedy batch selection by the predictive variance of linear reward heads (see
/// `LinearHeadPosterior`), one posterior per ensemble member on that member's features.
///
/// Each pick is the candidate with the largest mean over members of xₘᵀ Λₘ⁻¹ xₘ; then every
/// member's posterior observes the pick (weight cₘ), so the next variances are those with
/// the pick's label already counted: a candidate along the same direction loses most of
/// its variance, and a batch spreads over directions instead of repeating one. (With one
/// member and weight 1 this is the greedy maximisation of what the batch tells about a
/// Gaussian head: a pick x adds ½ log(1 + xᵀΛ⁻¹x) to ½ log det Λ, which grows with the
/// variance.) The scores are kept for all candidates and updated by
///
///   sₘⱼ ← sₘⱼ − cₘ (xₘⱼ · uₘ)² / (1 + cₘ sₘ*),   uₘ = Λₘ⁻¹ xₘ*,
///
/// x* the pick and s* its score: O(N F) per pick and member after the first O(N F²).
public enum GreedyVarianceSelection {
    /// One pick: the candidate's index and its mean predictive variance when it was picked.
    public struct Pick: Sendable, Equatable {
        /// Index into the candidates.
        public var index: Int
        /// Mean over members of xᵀ Λ⁻¹ x, with the earlier picks observed.
        public var variance: Double
    }

    /// `count` picks (fewer if there are fewer candidates), in order. `candidates[m][j]`:
    /// member m's features of candidate j; `weights[m][j]`: the weight with which member m
    /// observes candidate j once picked (all 1 when nil); `posteriors[m]`: member m's
    /// posterior given the labels so far. Ties go to the lower index.
    public static func select(_ count: Int, candidates: [[[Double]]], weights: [[Double]]? = nil,
                              posteriors: [LinearHeadPosterior]) -> [Pick] {
        precondition(!posteriors.isEmpty && candidates.count == posteriors.count,
                     "GreedyVarianceSelection: \(candidates.count) feature sets for \(posteriors.count) posteriors")
        let members = posteriors.count, total = candidates[0].count
        var posteriors = posteriors
        var scores = (0..<members).map { m in candidates[m].map { posteriors[m].variance(of: $0) } }
        var available = [Bool](repeating: true, count: total)
        var picks: [Pick] = []
        while picks.count < min(count, total) {
            var best = -1, bestScore = -Double.infinity
            for j in 0..<total where available[j] {
                let score = (0..<members).reduce(0) { $0 + scores[$1][j] } / Double(members)
                if score > bestScore { (best, bestScore) = (j, score) }
            }
            picks.append(Pick(index: best, variance: bestScore))
            available[best] = false
            for m in 0..<members {
                let x = candidates[m][best], c = weights?[m][best] ?? 1
                let u = posteriors[m].covarianceTimes(x)
                let denominator = 1 + c * scores[m][best]
                for j in 0..<total where available[j] {
                    let projection = zip(candidates[m][j], u).reduce(0) { $0 + $1.0 * $1.1 }
                    scores[m][j] -= c * projection * projection / denominator
                }
                posteriors[m].observe(x, weight: c)
            }
        }
        return picks
    }
}
