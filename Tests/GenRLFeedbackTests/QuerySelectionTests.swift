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

    /// `confident_diverse` takes its picks from the shortlist of the most confident pairs, but
    /// unlike `most_confident` it does not take the same pair again once it has it.
    @Test func confidentDiversePicksFromTheShortlistWithoutRepeatingAPair() throws {
        let ensemble = ToyPreferences.ensemble(size: 2)
        let pairs = ToyPreferences.pairs(40, seed: 7)
        let distance = ensemble.meanPreferenceProbabilities(pairs).map { abs($0 - 0.5) }
        let surest = pairs.indices.max { distance[$0] < distance[$1] }!
        // Five copies of the pair the ensemble is surest of, then the others.
        let candidates = Array(repeating: pairs[surest], count: 5) + pairs.indices.filter { $0 != surest }.map { pairs[$0] }
        let settings = FeatureUncertaintySettings(priorPrecision: 0.01)
        var generator = RandomGenerator(seed: 0)
        let confident = try QuerySelection.mostConfident.select(3, from: candidates, ensemble: ensemble, generator: &generator)
        let diverse = try QuerySelection.confidentDiverse.select(3, from: candidates, ensemble: ensemble,
                                                                 featureUncertaintySettings: settings, generator: &generator)
        #expect(confident == [0, 1, 2])
        #expect(diverse.count == 3 && Set(diverse).count == 3 && diverse.filter { $0 < 5 }.count == 1)
        // With 44 candidates and 2 picks the shortlist is the 20 most confident.
        let shortlist = Set(try QuerySelection.mostConfident.select(20, from: candidates, ensemble: ensemble, generator: &generator))
        let two = try QuerySelection.confidentDiverse.select(2, from: candidates, ensemble: ensemble,
                                                             featureUncertaintySettings: settings, generator: &generator)
        #expect(two.count == 2 && shortlist.isSuperset(of: two))
    }

    /// `confident_power` draws distinct pairs, favouring the confident ones: the mean
    /// distance from ½ of its picks exceeds the candidates' (a draw weighted by the distance d
    /// has mean Σd²/Σd).
    @Test func confidentPowerFavoursConfidentPairs() throws {
        let ensemble = ToyPreferences.ensemble(size: 2)
        let candidates = ToyPreferences.pairs(30, seed: 7)
        let distance = ensemble.meanPreferenceProbabilities(candidates).map { abs($0 - 0.5) }
        var generator = RandomGenerator(seed: 0)
        var picked: [Double] = []
        for _ in 0..<100 {
            let picks = try QuerySelection.confidentPower.select(3, from: candidates, ensemble: ensemble, generator: &generator)
            #expect(picks.count == 3 && Set(picks).count == 3)
            picked += picks.map { distance[$0] }
        }
        let candidatesMean = distance.reduce(0, +) / Double(distance.count)
        let weightedMean = distance.map { $0 * $0 }.reduce(0, +) / distance.reduce(0, +)
        let pickedMean = picked.reduce(0, +) / Double(picked.count)
        #expect(weightedMean > 1.2 * candidatesMean, "the toy ensemble should spread its confidence")
        #expect(pickedMean > candidatesMean + 0.5 * (weightedMean - candidatesMean))
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
