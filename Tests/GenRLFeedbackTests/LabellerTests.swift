import Foundation
import GenRLFeedback
import GenRLRewards
import Testing

/// A gold reward for tests: the number of "a" characters.
func countOfA() -> ClosureReward {
    ClosureReward(name: "count_a") { samples in samples.map { Double($0.completion.filter { $0 == "a" }.count) } }
}

@Suite("Labellers")
struct LabellerTests {
    let pair = PreferenceQuery(prompt: "", completions: ["ab", "aab"])  // gold 1 and 2

    func choiceFrequency(_ configuration: SimulatedLabellerConfiguration, count: Int = 4000) throws -> Double {
        let labeller = SimulatedLabeller(gold: countOfA(), configuration: configuration)
        let labels = try labeller.label(Array(repeating: pair, count: count))
        return Double(labels.filter { $0 == .choice(1) }.count) / Double(count)
    }

    @Test func bradleyTerryNoiseFlipsAndAdversariesFollowTheirModel() throws {
        // P(choose the better, Δ = 1) = σ(1/T).
        let sigmoid = { (x: Double) in 1 / (1 + exp(-x)) }
        #expect(abs(try choiceFrequency(.init(temperature: 1, seed: 1)) - sigmoid(1)) < 0.025)
        #expect(abs(try choiceFrequency(.init(temperature: 0.5, seed: 2)) - sigmoid(2)) < 0.02)
        #expect(try choiceFrequency(.init(temperature: 0, seed: 3)) == 1)
        #expect(abs(try choiceFrequency(.init(temperature: 0, flipRate: 0.2, seed: 4)) - 0.8) < 0.02)
        #expect(try choiceFrequency(.init(temperature: 0, adversarial: true, seed: 5)) == 0)
        // A bias of −2 per character outweighs the extra "a" of the longer completion.
        #expect(try choiceFrequency(.init(temperature: 0, lengthBias: -2, seed: 6)) == 0)
        // The analytic choice probability matches the configuration.
        let labeller = SimulatedLabeller(gold: countOfA(), configuration: .init(temperature: 1, flipRate: 0.1))
        #expect(abs(labeller.choiceProbability(perceivedFirst: 2, second: 1) - (0.9 * sigmoid(1) + 0.1 * sigmoid(-1))) < 1e-12)
    }

    @Test func tiesAndRankings() throws {
        let tied = SimulatedLabeller(gold: countOfA(), configuration: .init(temperature: 0, tieMargin: 1.5))
        #expect(try tied.label([pair]) == [.tie])
        let ranker = SimulatedLabeller(gold: countOfA(), configuration: .init(temperature: 0, answer: .ranking))
        let three = PreferenceQuery(prompt: "", completions: ["b", "aaa", "a"])
        #expect(try ranker.label([three]) == [.ranking([[1], [2], [0]])])
        let judge = RuleJudge(rules: [.init(countOfA())], tieMargin: 0.5, answersWithRanking: true)
        #expect(try judge.label([PreferenceQuery(prompt: "", completions: ["a", "b", "a", "aa"])]) == [.ranking([[3], [0, 2], [1]])])
        #expect(try judge.label([PreferenceQuery(prompt: "", completions: ["a", "a"])]) == [.tie])
    }

    @Test func constitutionVotesAndDrawsPrinciplesByWeight() throws {
        let moreA = ConstitutionJudge.Principle("Choose the line with more a's.", reward: countOfA())
        let shorter = ConstitutionJudge.Principle("Choose the shorter line.",
                                                  reward: ClosureReward(name: "short") { $0.map { -Double($0.completion.count) } })
        let query = PreferenceQuery(prompt: "", completions: ["aaab", "ab"])  // more a's vs shorter
        let vote = ConstitutionJudge(principles: [moreA, shorter], mode: .vote)
        #expect(try vote.label([query]) == [.tie])
        let weighted = ConstitutionJudge(principles: [moreA, ConstitutionJudge.Principle(shorter.text, judge: shorter.judge, weight: 3)],
                                         mode: .vote)
        #expect(try weighted.label([query]) == [.choice(1)])
        let sampled = ConstitutionJudge(principles: [moreA, ConstitutionJudge.Principle(shorter.text, judge: shorter.judge, weight: 3)],
                                        mode: .samplePrinciple, seed: 11)
        let labels = try sampled.label(Array(repeating: query, count: 2000))
        let shorterShare = Double(labels.filter { $0 == .choice(1) }.count) / 2000
        #expect(abs(shorterShare - 0.75) < 0.03)
    }

    @Test func aLabelThatDoesNotFitIsRejectedAndPanelsSpreadQueries() throws {
        final class Broken: Labeller {
            let name = "broken"
            func label(_ queries: [PreferenceQuery]) throws -> [PreferenceLabel?] { queries.map { _ in .choice(7) } }
        }
        #expect(throws: FeedbackError.self) { _ = try Broken().records(for: [pair]) }
        let members = (0..<5).map { SimulatedLabeller(name: "m\($0)", gold: countOfA(), configuration: .init(seed: UInt64($0))) }
        let panel = LabellerPanel(members: members, labelsPerQuery: 3, seed: 1)
        let queries = (0..<40).map { PreferenceQuery(prompt: "\($0)", completions: ["a", "b"]) }
        let records = try panel.records(for: queries, date: { Date(timeIntervalSince1970: 0) })
        #expect(records.count == 120)
        for query in queries {
            let labellers = records.filter { $0.prompt == query.prompt }.map(\.labeller)
            #expect(Set(labellers).count == 3)
        }
    }

    @Test(.enabled(if: pythonIsAvailable, "python3 is not on PATH"))
    func externalJudgePrefersTheHigherScore() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/rlhf/keyword_judge.py").path
        let judge = try ExternalJudge(configuration: .init(executablePath: "python3", arguments: [script, "--keywords", "love,joy"]))
        defer { judge.close() }
        let labels = try judge.label([
            PreferenceQuery(prompt: "O ", completions: ["grief and woe", "love and joy"]),
            PreferenceQuery(prompt: "O ", completions: ["my love", "the sky"]),
            PreferenceQuery(prompt: "O ", completions: ["stone", "wood"]),
        ])
        #expect(labels == [.choice(1), .choice(0), .tie])
    }
}

/// Whether an executable `python3` is on `PATH`.
let pythonIsAvailable: Bool = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    return path.split(separator: ":").contains { access("\($0)/python3", X_OK) == 0 }
}()
