import Foundation

/// A multiplicative combination of rewards, as REINVENT combines its scoring components.
///
/// - `.weightedGeometricMean` (the default), REINVENT's `geometric_mean` aggregator:
///
///       terminal = Πᵢ sᵢ^(wᵢ / Σⱼ wⱼ)
///
///   Every component score must lie in [0, 1] (in REINVENT each component goes through a
///   score transformation such as `sigmoid` first: see `ScoreTransform`) and every
///   weight must be positive. One zero component makes the combined score 0, so a
///   sample must be acceptable on every objective. (REINVENT 4 floors each score at
///   1e-8 before the product; GenRL does not, so a zero stays exactly zero.)
/// - `.plainProduct`: `terminal = Πᵢ sᵢ^wᵢ`, with the default weights of 1 the plain
///   product `Πᵢ sᵢ`. Scores may have any sign as long as each power is a real number.
///
/// Missing scores follow `missingScores` (default `.missingIsNil`, for the reasons given
/// at `WeightedSumReward`):
/// - `.missingIsNil`: the combined score is `nil`;
/// - `.skipMissing`: the product over the components that scored the sample; for the
///   geometric mean the exponents become `wᵢ / Σ_available wⱼ`, exactly as REINVENT 4
///   renormalises the weights over non-NaN components; `nil` when none scored it;
/// - `.missingIsZero`: a missing score counts as 0, so the product is 0.
///
/// A product of per-step scores has no meaning, so a component that gives dense scores
/// is rejected. Components are scored with `checkedScore`.
public final class ProductReward: ComponentReportingReward {
    /// How the component scores are multiplied.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// `Πᵢ sᵢ^(wᵢ / Σⱼ wⱼ)`, scores in [0, 1], weights > 0 (REINVENT's default).
        case weightedGeometricMean
        /// `Πᵢ sᵢ^wᵢ`.
        case plainProduct
    }

    /// The combined reward's name (default `product`).
    public let name: String
    /// How the scores are multiplied.
    public let mode: Mode
    /// What happens to a sample when a component gives no score for it.
    public let missingScores: MissingScorePolicy
    /// The components and their weights, in order.
    public var components: [(reward: any RewardFunction, weight: Double)] {
        Array(zip(parts.rewards, parts.weights))
    }
    /// Each component's mean and missing count over the last batch scored.
    public private(set) var lastComponentStatistics: [RewardComponentStatistics] = []

    private let parts: WeightedComponents

    /// A product of `components`.
    ///
    /// - Throws: `RewardError.invalidConfiguration` when there are no components, two
    ///   share a name, a weight is not finite, or (geometric mean) a weight is not
    ///   positive.
    public init(_ components: [(reward: any RewardFunction, weight: Double)], mode: Mode = .weightedGeometricMean,
                missingScores: MissingScorePolicy = .missingIsNil, name: String = "product") throws(RewardError) {
        self.name = name
        self.mode = mode
        self.missingScores = missingScores
        self.parts = try WeightedComponents(components, combinedName: name)
        if mode == .weightedGeometricMean {
            for (reward, weight) in components where weight <= 0 {
                throw .invalidConfiguration(
                    reward: name, reason: "component '\(reward.name)' has weight \(weight); a weighted geometric mean needs positive weights")
            }
        }
    }

    /// The product of `rewards` with every weight 1 (for the geometric mean: the plain
    /// geometric mean).
    public convenience init(_ rewards: [any RewardFunction], mode: Mode = .weightedGeometricMean,
                            missingScores: MissingScorePolicy = .missingIsNil, name: String = "product") throws(RewardError) {
        try self.init(rewards.map { (reward: $0, weight: 1.0) }, mode: mode, missingScores: missingScores, name: name)
    }

    /// The combined score of each sample; throws if a component gives per-step scores or a score
    /// the chosen form cannot take.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        let scores = try parts.score(samples)
        lastComponentStatistics = parts.statistics(scores)
        for (reward, component) in zip(parts.rewards, scores) where component.perStep != nil {
            throw RewardError.invalidConfiguration(
                reward: name, reason: "component '\(reward.name)' gives per-step scores, which a product cannot combine; use WeightedSumReward for dense rewards")
        }
        var terminal: [Double?] = []
        terminal.reserveCapacity(samples.count)
        for sample in samples.indices {
            terminal.append(try combine(scores.map { $0.terminal[sample] }, sample: samples[sample].index))
        }
        return RewardScores(terminal: terminal)
    }

    /// The combined score of one sample from its component scores.
    private func combine(_ values: [Double?], sample: Int) throws(RewardError) -> Double? {
        var present: [(value: Double, weight: Double, reward: String)] = []
        for (index, value) in values.enumerated() {
            if let value { present.append((value, parts.weights[index], parts.rewards[index].name)) }
        }
        if present.count < values.count {
            switch missingScores {
            case .missingIsNil: return nil
            case .missingIsZero: return 0
            case .skipMissing: if present.isEmpty { return nil }
            }
        }
        switch mode {
        case .weightedGeometricMean:
            let totalWeight = present.reduce(0) { $0 + $1.weight }
            var product = 1.0
            for (value, weight, reward) in present {
                guard (0...1).contains(value) else {
                    throw .invalidConfiguration(
                        reward: name,
                        reason: "component '\(reward)' gave \(value) for sample \(sample); a weighted geometric mean needs scores in [0, 1] (transform the component, e.g. with a sigmoid or a clip)")
                }
                product *= pow(value, weight / totalWeight)
            }
            return product
        case .plainProduct:
            var product = 1.0
            for (value, weight, reward) in present {
                let factor = weight == 1 ? value : pow(value, weight)
                guard factor.isFinite else {
                    throw .invalidConfiguration(
                        reward: name, reason: "component '\(reward)' gave \(value) for sample \(sample), and \(value)^\(weight) is not a finite real number")
                }
                product *= factor
            }
            return product
        }
    }
}
