import Foundation
import GenRLFeedback
import GenRLTensor
import Testing

@Suite("Query selection: the ensemble's mean prediction and the gold diagnostic")
struct QuerySelectionTests {
    /// `most_confident` takes the pairs farthest from ½ first and `closest_to_even` the
    /// nearest, both by the ensemble's mean predicted probability.
    @Test func mostConfidentAndClosestToEvenOrderByDistanceFromOneHalf() throws {
        let ensemble = ToyPreferences.ensemble(size: 2)
        let candidates = ToyPreferences.pairs(30, seed: 7)
        let distance = ensemble.meanPreferenceProbabilities(candidates).map { abs($0 - 0.5) }
        #expect(Set(distance).count > 20, "the toy ensemble should tell the pairs apart")
        var generator = RandomGenerator(seed: 0)
        let confident = try QuerySelection.mostConfident.select(10, from: candidates, ensemble: ensemble, generator: &generator)
        let even = try QuerySelection.closestToEven.select(10, from: candidates, ensemble: ensemble, generator: &generator)
        let byDistance = candidates.indices.sorted { distance[$0] > distance[$1] }
        #expect(confident.map { distance[$0] } == byDistance.prefix(10).map { distance[$0] })
        #expect(even.map { distance[$0] } == byDistance.reversed().prefix(10).map { distance[$0] })
        #expect(Set(confident).isDisjoint(with: even))
    }

    /// `gold_informative` takes pairs with unequal gold rewards first, in random order, then
    /// the others; without the gold rewards it is refused.
    @Test func goldInformativeTakesPairsWhoseGoldDiffersFirst() throws {
        let ensemble = ToyPreferences.ensemble(size: 2)
        let candidates = ToyPreferences.pairs(12, seed: 7)
        let gaps: [Double] = [0, 1, 0, 0, 2, 0, 0.5, 0, 0, 0, 3, 0]
        var generator = RandomGenerator(seed: 0)
        let picked = try QuerySelection.goldInformative.select(6, from: candidates, ensemble: ensemble, goldGaps: gaps,
                                                               generator: &generator)
        #expect(Set(picked.prefix(4)) == [1, 4, 6, 10])
        #expect(picked.count == 6 && Set(picked).count == 6 && picked.suffix(2).allSatisfy { gaps[$0] == 0 })
        #expect(throws: FeedbackError.self) {
            try QuerySelection.goldInformative.select(6, from: candidates, ensemble: ensemble, generator: &generator)
        }
    }

    /// Online RLHF has no gold reward to give it, so the configuration is refused before
    /// anything is written.
    @Test func onlineRLHFRefusesGoldInformative() {
        var configuration = RLHFConfiguration()
        configuration.online.enabled = true
        configuration.online.selection = .goldInformative
        configuration.output = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-gold-\(UUID().uuidString)").path
        let error = #expect(throws: FeedbackError.self) { try RLHFExperiment.run(configuration, log: { _ in }) }
        #expect(error?.description.contains("gold_informative") == true)
        #expect(!FileManager.default.fileExists(atPath: configuration.output))
    }
}
