import GenRLRewards
import GenRLTensor

/// An AI judge that follows a constitution: a list of principles written in plain words,
/// each with a judge that applies it (rules, or an external model prompted with the
/// principle). As in Constitutional AI's feedback stage (Bai et al. 2022, §4.1), each
/// comparison is judged against one principle drawn at random — or, with `.vote`, by
/// every principle, the weighted majority deciding (equal weight on both sides: a tie).
public final class ConstitutionJudge: Labeller {
    /// One principle: what it asks, in words, and who applies it.
    public struct Principle {
        /// The principle as a reader (or an external judge) sees it, e.g. "Choose the
        /// line that is kinder."
        public var text: String
        /// Applies the principle to a comparison.
        public var judge: any Labeller
        /// Its weight in a vote, or its relative chance of being drawn.
        public var weight: Double

        /// A principle applied by `judge`.
        public init(_ text: String, judge: any Labeller, weight: Double = 1) {
            self.text = text
            self.judge = judge
            self.weight = weight
        }

        /// A principle applied by one rule: the completion with the higher `reward` wins.
        public init(_ text: String, reward: any RewardFunction, weight: Double = 1, tieMargin: Double = 0) {
            self.init(text, judge: RuleJudge(name: text, rules: [.init(reward)], tieMargin: tieMargin), weight: weight)
        }
    }

    /// How the principles are combined.
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// One principle per comparison, drawn with probability ∝ weight (Bai et al. 2022).
        case samplePrinciple = "sample_principle"
        /// Every principle judges; each choice gets the weight of the principles that made
        /// it (a tie gives half to each completion of a pair).
        case vote
    }

    /// Recorded as the labeller of its records.
    public let name: String
    /// The constitution.
    public let principles: [Principle]
    /// How the principles are combined.
    public let mode: Mode
    private var generator: RandomGenerator

    /// A judge of `principles`; `seed` draws the principles.
    public init(name: String = "constitution", principles: [Principle], mode: Mode = .samplePrinciple, seed: UInt64 = 0) {
        precondition(!principles.isEmpty && principles.allSatisfy { $0.weight > 0 },
                     "ConstitutionJudge needs principles with positive weights")
        self.name = name
        self.principles = principles
        self.mode = mode
        generator = RandomGenerator(seed: seed)
    }

    /// One label (or nil) per query; see the type's description.
    public func label(_ queries: [PreferenceQuery]) throws -> [PreferenceLabel?] {
        switch mode {
        case .samplePrinciple:
            let total = principles.map(\.weight).reduce(0, +)
            let drawn = queries.map { _ -> Int in
                var threshold = generator.nextDouble() * total
                for (index, principle) in principles.enumerated() {
                    threshold -= principle.weight
                    if threshold < 0 { return index }
                }
                return principles.count - 1
            }
            var labels = [PreferenceLabel?](repeating: nil, count: queries.count)
            for (index, principle) in principles.enumerated() {
                let mine = drawn.indices.filter { drawn[$0] == index }
                guard !mine.isEmpty else { continue }
                let answers = try principle.judge.label(mine.map { queries[$0] })
                for (query, answer) in zip(mine, answers) { labels[query] = answer }
            }
            return labels
        case .vote:
            var votes = queries.map { [Double](repeating: 0, count: $0.completions.count) }
            var voters = [Double](repeating: 0, count: queries.count)
            for principle in principles {
                let answers = try principle.judge.label(queries)
                for (query, answer) in answers.enumerated() {
                    guard let answer else { continue }
                    voters[query] += principle.weight
                    let count = queries[query].completions.count
                    for completion in 0..<count {
                        // Share of this completion: 1 if chosen or top tier, split on ties.
                        let share: Double
                        switch answer {
                        case .choice(let chosen): share = completion == chosen ? 1 : 0
                        case .tie: share = 1 / Double(count)
                        case .ranking(let tiers): share = tiers[0].contains(completion) ? 1 / Double(tiers[0].count) : 0
                        }
                        votes[query][completion] += principle.weight * share
                    }
                }
            }
            return votes.indices.map { query in
                voters[query] == 0 ? nil : RuleJudge.label(fromScores: votes[query], tieMargin: 1e-12, ranking: false)
            }
        }
    }
}
