import Foundation
import GenRLRewards
import GenRLTensor

/// How a simulated labeller turns a hidden gold reward into noisy answers.
public struct SimulatedLabellerConfiguration: Codable, Sendable, Equatable {
    /// What the labeller answers with.
    public enum Answer: String, Codable, Sendable, CaseIterable {
        /// The best completion only.
        case choice
        /// A full ranking (one completion per tier, or one tier on a tie).
        case ranking
    }

    /// Bradley–Terry temperature T: with two completions the labeller picks a with
    /// probability σ((u_a − u_b)/T), and with more it draws a Plackett–Luce ranking with
    /// weights exp(uᵢ/T) (Christiano et al. 2017 model their labellers this way). 0: no
    /// noise, the higher perceived reward always wins (equal ones by a coin).
    public var temperature: Double = 1
    /// Probability that an answer is reversed after it is drawn (a careless click;
    /// Christiano et al. 2017 used 10% errors). 0: never.
    public var flipRate: Double = 0
    /// Bias per character of the completion added to the perceived reward (a labeller who
    /// likes long answers; Singhal et al. 2023 on length bias). 0: unbiased.
    public var lengthBias: Double = 0
    /// Whether the labeller prefers what the gold reward dislikes (perceived = −gold):
    /// a deliberately adversarial labeller.
    public var adversarial = false
    /// Perceived rewards within this distance of each other are called a tie. 0: never.
    public var tieMargin: Double = 0
    /// Choice or ranking.
    public var answer = Answer.choice
    /// Seed of the labeller's noise.
    public var seed: UInt64 = 0

    /// A configuration; every parameter has the default above.
    public init(temperature: Double = 1, flipRate: Double = 0, lengthBias: Double = 0, adversarial: Bool = false,
                tieMargin: Double = 0, answer: Answer = .choice, seed: UInt64 = 0) {
        self.temperature = temperature
        self.flipRate = flipRate
        self.lengthBias = lengthBias
        self.adversarial = adversarial
        self.tieMargin = tieMargin
        self.answer = answer
        self.seed = seed
    }
}

/// A labeller simulated from a gold reward that the policy never sees. Its perceived
/// reward of a completion is
///
///   u = s·(gold + lengthBias·characters),   s = −1 when adversarial, else 1,
///
/// its answer a Plackett–Luce draw with weights exp(u/T) (Bradley–Terry for a pair),
/// reversed with probability `flipRate`; perceived rewards within `tieMargin` are a tie.
public final class SimulatedLabeller: Labeller {
    /// Recorded as the labeller of its records.
    public let name: String
    /// The hidden gold reward.
    public let gold: any RewardFunction
    /// How it answers.
    public let configuration: SimulatedLabellerConfiguration
    private var generator: RandomGenerator

    /// A labeller that judges by `gold`.
    public init(name: String = "simulated", gold: any RewardFunction, configuration: SimulatedLabellerConfiguration = .init()) {
        precondition(configuration.temperature >= 0 && (0...1).contains(configuration.flipRate) && configuration.tieMargin >= 0,
                     "SimulatedLabeller: temperature and tie margin must be ≥ 0, flip rate in [0, 1]")
        self.name = name
        self.gold = gold
        self.configuration = configuration
        generator = RandomGenerator(seed: configuration.seed)
    }

    /// One label (or nil) per query; see the type's description.
    public func label(_ queries: [PreferenceQuery]) throws -> [PreferenceLabel?] {
        let perceived = try perceivedRewards(queries)
        return perceived.map { u in drawLabel(u) }
    }

    /// The perceived reward u of every completion of every query (one gold call).
    public func perceivedRewards(_ queries: [PreferenceQuery]) throws -> [[Double]] {
        let scores = try gold.checkedScore(PreferenceQuery.completionSamples(queries)).terminal
        return zip(queries, PreferenceQuery.grouped(scores, like: queries)).map { query, scores in
            zip(scores, query.completions).map { score, text in
                guard let score else { return 0 }
                let biased = score + configuration.lengthBias * Double(text.unicodeScalars.count)
                return configuration.adversarial ? -biased : biased
            }
        }
    }

    /// The probability that this labeller prefers a completion with perceived reward
    /// `first` to one with `second` in a pairwise query, counting a tie as ½:
    /// (1 − ε)·σ((u₁ − u₂)/T) + ε·σ((u₂ − u₁)/T).
    public func choiceProbability(perceivedFirst first: Double, second: Double) -> Double {
        if configuration.tieMargin > 0 && abs(first - second) <= configuration.tieMargin { return 0.5 }
        let forward: Double
        if configuration.temperature == 0 {
            forward = first > second ? 1 : first < second ? 0 : 0.5
        } else {
            forward = 1 / (1 + exp(-(first - second) / configuration.temperature))
        }
        return (1 - configuration.flipRate) * forward + configuration.flipRate * (1 - forward)
    }

    private func drawLabel(_ u: [Double]) -> PreferenceLabel {
        if configuration.tieMargin > 0, let high = u.max(), let low = u.min(), high - low <= configuration.tieMargin {
            return .tie
        }
        // Gumbel-max: sorting u/T + Gumbel noise draws a Plackett–Luce ranking.
        let keys = u.map { value -> Double in
            let uniform = max(generator.nextDouble(), 1e-300)
            let gumbel = -log(-log(uniform))
            return configuration.temperature == 0 ? value + 1e-9 * gumbel : value / configuration.temperature + gumbel
        }
        var order = u.indices.sorted { keys[$0] > keys[$1] }
        if configuration.flipRate > 0 && generator.nextDouble() < configuration.flipRate { order.reverse() }
        switch configuration.answer {
        case .choice: return .choice(order[0])
        case .ranking: return .ranking(order.map { [$0] })
        }
    }
}
