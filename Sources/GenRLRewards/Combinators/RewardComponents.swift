/// What a combining reward (`WeightedSumReward`, `ProductReward`) does when one of its
/// components gives no score (`nil`) for a sample.
public enum MissingScorePolicy: String, Sendable, Codable, CaseIterable {
    /// The combined score is `nil` as soon as one component is missing: nothing is
    /// guessed, and the trainer decides what a missing score means (and counts it).
    case missingIsNil
    /// Combine the components that did score the sample, reweighted so that the result
    /// stays on the scale of the full combination (each combiner documents its
    /// reweighting). `nil` when no component scored the sample. REINVENT 4's aggregators
    /// treat a NaN component this way.
    case skipMissing
    /// A missing score counts as 0. For a weighted sum this is TRL's `nansum` over its
    /// reward functions.
    case missingIsZero
}

/// How one component of a combined reward scored the last batch, for logging
/// (`rewards/<name>/mean`, as TRL logs each reward function).
public struct RewardComponentStatistics: Sendable, Equatable {
    /// The component's name.
    public var name: String
    /// Its weight in the combination.
    public var weight: Double
    /// Its raw score for each sample of the batch (before weighting), for sample logs.
    public var scores: [Double?]
    /// Samples in the batch.
    public var count: Int
    /// Samples the component gave no score (`nil`).
    public var missingCount: Int
    /// Mean of the scores it gave (before weighting); `nil` when every score was missing.
    public var mean: Double?
    /// Population standard deviation of the scores it gave; `nil` when every score was
    /// missing.
    public var standardDeviation: Double?

    /// Statistics from a component's raw scores for one batch.
    public init(name: String, weight: Double, scores: [Double?]) {
        self.name = name
        self.weight = weight
        self.scores = scores
        self.count = scores.count
        let present = scores.compactMap { $0 }
        self.missingCount = scores.count - present.count
        if present.isEmpty {
            mean = nil
            standardDeviation = nil
        } else {
            let average = present.reduce(0, +) / Double(present.count)
            let variance = present.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(present.count)
            mean = average
            standardDeviation = variance.squareRoot()
        }
    }
}

/// A reward built from named components that can report how each component scored the
/// last batch. Wrappers (`TransformedReward`, the repetition penalties) forward the
/// report of the reward they wrap.
public protocol ComponentReportingReward: RewardFunction {
    /// One entry per component, in order, for the batch scored last (empty before the
    /// first batch, or when the wrapped reward has no components).
    var lastComponentStatistics: [RewardComponentStatistics] { get }
}

extension ComponentReportingReward {
    /// The last component statistics as metrics with stable keys:
    /// `rewards/<name>/mean`, `rewards/<name>/std` (left out when every score was
    /// missing) and `rewards/<name>/missing_count`.
    public var lastComponentMetrics: [String: Double] {
        var metrics: [String: Double] = [:]
        for component in lastComponentStatistics {
            let prefix = "rewards/\(component.name)"
            if let mean = component.mean { metrics["\(prefix)/mean"] = mean }
            if let deviation = component.standardDeviation { metrics["\(prefix)/std"] = deviation }
            metrics["\(prefix)/missing_count"] = Double(component.missingCount)
        }
        return metrics
    }
}

/// The forwarded report of a wrapped reward, or nothing.
func componentStatistics(of reward: any RewardFunction) -> [RewardComponentStatistics] {
    (reward as? any ComponentReportingReward)?.lastComponentStatistics ?? []
}

/// The weighted components of a combining reward, checked once and scored together.
struct WeightedComponents {
    let rewards: [any RewardFunction]
    let weights: [Double]

    /// Checks that there is at least one component, that the names differ (they become
    /// metric keys) and that every weight is finite.
    init(_ components: [(reward: any RewardFunction, weight: Double)], combinedName: String) throws(RewardError) {
        guard !components.isEmpty else {
            throw .invalidConfiguration(reward: combinedName, reason: "needs at least one component reward")
        }
        var seen: Set<String> = []
        for (reward, weight) in components {
            guard seen.insert(reward.name).inserted else {
                throw .invalidConfiguration(
                    reward: combinedName,
                    reason: "two components are named '\(reward.name)'; give each a distinct name, since the names key the per-component metrics")
            }
            guard weight.isFinite else {
                throw .invalidConfiguration(reward: combinedName, reason: "component '\(reward.name)' has weight \(weight); weights must be finite")
            }
        }
        rewards = components.map(\.reward)
        weights = components.map(\.weight)
    }

    /// Every component's checked scores for `samples`, in component order.
    func score(_ samples: [Sample]) throws -> [RewardScores] {
        try rewards.map { try $0.checkedScore(samples) }
    }

    /// Per-component statistics of `scores` (as returned by `score`).
    func statistics(_ scores: [RewardScores]) -> [RewardComponentStatistics] {
        zip(rewards, zip(weights, scores)).map { reward, pair in
            RewardComponentStatistics(name: reward.name, weight: pair.0, scores: pair.1.terminal)
        }
    }
}
