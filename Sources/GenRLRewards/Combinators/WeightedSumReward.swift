/// A weighted sum of rewards: for each sample, with component scores `sᵢ` and weights `wᵢ`,
///
///     terminal = Σᵢ wᵢ sᵢ
///
/// as TRL combines its reward functions (`reward_weights`, default 1 each). Weights may be
/// negative (a penalty) or zero (a component that is only logged).
///
/// ## Missing scores
/// When a component gives `nil` for a sample, `missingScores` decides:
/// - `.missingIsNil` (the default): the combined score is `nil`.
/// - `.skipMissing`: the sum over the components that scored the sample, scaled back to
///   the full weight: `(Σ_available wᵢ sᵢ) · Σ_all |wⱼ| / Σ_available |wⱼ|`. With positive
///   weights this is the weighted mean of the available scores times the total weight,
///   i.e. the sum the sample would get if each missing component had scored that mean;
///   dividing by `Σ_all wⱼ` gives REINVENT 4's arithmetic mean, which renormalises the
///   weights over the non-NaN components in the same way. `nil` when no component
///   (with a non-zero weight) scored the sample.
/// - `.missingIsZero`: a missing score counts as 0, which is exactly TRL's `nansum` over
///   reward functions (TRL warns when all of them are `None`; the sum is then 0).
///
/// The default is the strictest choice. TRL and REINVENT both let a component drop out
/// silently, and the two disagree on what the sample then gets (TRL: the others' sum, as
/// if the missing score were 0; REINVENT: the others' renormalised mean), so neither is
/// what every user of the other expects. `nil` invents no number: the trainer sees that
/// the sample was not judged, counts it, and applies its own policy. Choose
/// `.missingIsZero` to reproduce TRL's multi-task rewards (each function scores only its
/// own kind of prompt) and `.skipMissing` to reproduce REINVENT.
///
/// ## Dense scores
/// Per-step scores add with the same weights: `perStep[b][t] = Σᵢ wᵢ perStepᵢ[b][t]` over
/// the components that give dense scores (the others contribute nothing to it); `nil`
/// when no component is dense. Missing-score handling concerns terminal scores only.
///
/// Components are scored with `checkedScore`, so a component that breaks the protocol is
/// named in the error. After each batch `lastComponentStatistics` holds every
/// component's mean and missing count.
public final class WeightedSumReward: ComponentReportingReward {
    /// The combined reward's name (default `weighted_sum`).
    public let name: String
    /// What happens to a sample when a component gives no score for it.
    public let missingScores: MissingScorePolicy
    /// The components and their weights, in order.
    public var components: [(reward: any RewardFunction, weight: Double)] {
        Array(zip(parts.rewards, parts.weights))
    }
    /// Each component's mean and missing count over the last batch scored.
    public private(set) var lastComponentStatistics: [RewardComponentStatistics] = []

    private let parts: WeightedComponents

    /// A weighted sum of `components`.
    ///
    /// - Throws: `RewardError.invalidConfiguration` when there are no components, two
    ///   share a name, or a weight is not finite.
    public init(_ components: [(reward: any RewardFunction, weight: Double)],
                missingScores: MissingScorePolicy = .missingIsNil, name: String = "weighted_sum") throws(RewardError) {
        self.name = name
        self.missingScores = missingScores
        self.parts = try WeightedComponents(components, combinedName: name)
    }

    /// The plain sum of `rewards` (every weight 1).
    public convenience init(_ rewards: [any RewardFunction], missingScores: MissingScorePolicy = .missingIsNil,
                            name: String = "weighted_sum") throws(RewardError) {
        try self.init(rewards.map { (reward: $0, weight: 1.0) }, missingScores: missingScores, name: name)
    }

    /// Σᵢ wᵢ sᵢ per sample (missing scores as `missingScores` says), and the weighted sum of the
    /// components' per-step scores when any is dense.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        let scores = try parts.score(samples)
        lastComponentStatistics = parts.statistics(scores)
        let terminal = samples.indices.map { sample in
            combine(scores.map { $0.terminal[sample] })
        }
        return RewardScores(terminal: terminal, perStep: densePart(scores, samples: samples))
    }

    /// The combined terminal score of one sample from its component scores.
    private func combine(_ values: [Double?]) -> Double? {
        let weights = parts.weights
        var sum = 0.0
        var availableWeight = 0.0
        var missing = false
        for (value, weight) in zip(values, weights) {
            if let value {
                sum += weight * value
                availableWeight += abs(weight)
            } else {
                missing = true
            }
        }
        guard missing else { return sum }
        switch missingScores {
        case .missingIsNil:
            return nil
        case .missingIsZero:
            return sum
        case .skipMissing:
            guard availableWeight > 0 else { return nil }
            let totalWeight = weights.reduce(0) { $0 + abs($1) }
            return sum * (totalWeight / availableWeight)
        }
    }

    /// Weighted sum of the components' dense scores, or `nil` if none is dense.
    private func densePart(_ scores: [RewardScores], samples: [Sample]) -> [[Double]]? {
        var dense: [[Double]]? = nil
        for (component, weight) in zip(scores, parts.weights) {
            guard let rows = component.perStep else { continue }
            var combined = dense ?? samples.map { Array(repeating: 0.0, count: $0.completionTokens.count) }
            for sample in rows.indices {
                for step in rows[sample].indices { combined[sample][step] += weight * rows[sample][step] }
            }
            dense = combined
        }
        return dense
    }
}
