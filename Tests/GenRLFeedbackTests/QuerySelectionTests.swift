import GenRLFeedback
import GenRLTensor
import Testing

@Suite("Query selection by the ensemble's mean prediction")
struct QuerySelectionTests {
    /// `most_confident` takes the pairs farthest from ½ first and `closest_to_even` the
    /// nearest, both by the ensemble's mean predicted probability.
    @Test func mostConfidentAndClosestToEvenOrderByDistanceFromOneHalf() {
        let ensemble = ToyPreferences.ensemble(size: 2)
        let candidates = ToyPreferences.pairs(30, seed: 7)
        let distance = ensemble.meanPreferenceProbabilities(candidates).map { abs($0 - 0.5) }
        #expect(Set(distance).count > 20, "the toy ensemble should tell the pairs apart")
        var generator = RandomGenerator(seed: 0)
        let confident = QuerySelection.mostConfident.select(10, from: candidates, ensemble: ensemble, generator: &generator)
        let even = QuerySelection.closestToEven.select(10, from: candidates, ensemble: ensemble, generator: &generator)
        let byDistance = candidates.indices.sorted { distance[$0] > distance[$1] }
        #expect(confident.map { distance[$0] } == byDistance.prefix(10).map { distance[$0] })
        #expect(even.map { distance[$0] } == byDistance.reversed().prefix(10).map { distance[$0] })
        #expect(Set(confident).isDisjoint(with: even))
    }
}
