import GenRLFeedback
import GenRLModels
import GenRLTensor
import Testing

@Suite("Feature-uncertainty query selection")
struct FeatureUncertaintyTests {
    /// A⁻¹ by Gauss–Jordan elimination with partial pivoting: a computation independent of
    /// the posterior's Cholesky inverse and Sherman–Morrison updates.
    static func inverse(_ a: [[Double]]) -> [[Double]] {
        let n = a.count
        var m = a.enumerated().map { i, row in row + (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for column in 0..<n {
            let pivot = (column..<n).max { abs(m[$0][column]) < abs(m[$1][column]) }!
            m.swapAt(column, pivot)
            let scale = m[column][column]
            m[column] = m[column].map { $0 / scale }
            for row in 0..<n where row != column {
                let factor = m[row][column]
                m[row] = zip(m[row], m[column]).map { $0 - factor * $1 }
            }
        }
        return m.map { Array($0[n...]) }
    }

    /// xᵀ (λI + Σ cᵢ oᵢ oᵢᵀ)⁻¹ x, built and inverted directly.
    static func directVariance(_ x: [Double], priorPrecision: Double, observations: [([Double], Double)]) -> Double {
        let n = x.count
        var precision = (0..<n).map { i in (0..<n).map { $0 == i ? priorPrecision : 0 } }
        for (o, c) in observations {
            for i in 0..<n { for j in 0..<n { precision[i][j] += c * o[i] * o[j] } }
        }
        let covariance = inverse(precision)
        return (0..<n).reduce(0) { total, i in total + x[i] * (0..<n).reduce(0) { $0 + covariance[i][$1] * x[$1] } }
    }

    @Test(arguments: [false, true])
    func greedyScoresMatchTheDirectInverseWithThePicksAdded(weighted: Bool) {
        // Two members, three features, two labelled pairs, six candidates.
        let labelled: [[[Double]]] = [[[1, 0.5, 0], [0.2, -1, 0.3]], [[0.4, 0.1, -0.7], [1.2, 0, 0.5]]]
        let candidates: [[[Double]]] = [
            [[0.9, 0.1, 0.2], [0.1, 0.8, -0.4], [-0.3, 0.2, 1.1], [0.7, 0.7, 0.0], [0.05, 0.0, 0.1], [0.5, -0.6, 0.9]],
            [[0.2, 1.0, 0.1], [0.6, -0.2, 0.3], [0.0, 0.4, 0.4], [1.1, 0.2, -0.5], [0.3, 0.3, 0.3], [-0.8, 0.1, 0.2]],
        ]
        let labelledWeights: [[Double]] = weighted ? [[0.25, 0.1], [0.2, 0.05]] : [[1, 1], [1, 1]]
        let weights: [[Double]] = weighted ? [[0.2, 0.25, 0.15, 0.1, 0.24, 0.05], [0.1, 0.2, 0.25, 0.22, 0.15, 0.2]]
                                           : candidates.map { $0.map { _ in 1 } }
        let lambda = 0.5
        let posteriors = (0..<2).map { m in
            LinearHeadPosterior(dimension: 3, priorPrecision: lambda, observations: labelled[m], weights: labelledWeights[m])
        }
        let picks = GreedyVarianceSelection.select(4, candidates: candidates, weights: weights, posteriors: posteriors)
        #expect(picks.count == 4 && Set(picks.map(\.index)).count == 4)

        var observed = (0..<2).map { m in zip(labelled[m], labelledWeights[m]).map { ($0, $1) } }
        var remaining = Set(0..<6)
        for pick in picks {
            // Every remaining candidate's mean variance, from Λ inverted afresh with the earlier picks in it.
            let direct = Dictionary(uniqueKeysWithValues: remaining.map { j in
                (j, (0..<2).map { m in
                    Self.directVariance(candidates[m][j], priorPrecision: lambda, observations: observed[m])
                }.reduce(0, +) / 2)
            })
            let best = direct.max { ($0.value, -$0.key) < ($1.value, -$1.key) }!
            #expect(pick.index == best.key, "picked \(pick.index), direct argmax \(best.key) of \(direct)")
            #expect(abs(pick.variance - direct[pick.index]!) < 1e-10, "variance \(pick.variance) vs \(direct[pick.index]!)")
            for m in 0..<2 { observed[m].append((candidates[m][pick.index], weights[m][pick.index])) }
            remaining.remove(pick.index)
        }
    }

    @Test func aBatchSpreadsOverDirectionsInsteadOfRepeatingOne() {
        // Eight near-copies of one long direction, then two shorter orthogonal ones.
        let copies = (0..<8).map { k -> [Double] in [2, 0.01 * Double(k), 0] }
        let candidates = copies + [[0, 1, 0], [0, 0, 1]]
        let posterior = LinearHeadPosterior(dimension: 3, priorPrecision: 1)
        // Ranked by the variance alone, the copies fill the top eight places.
        let variances = candidates.map { posterior.variance(of: $0) }
        let topEight = candidates.indices.sorted { variances[$0] > variances[$1] }.prefix(8)
        #expect(Set(topEight) == Set(0..<8))
        // Greedily, once one copy is labelled the others are nearly known: the next two picks
        // are the other directions.
        let picks = GreedyVarianceSelection.select(3, candidates: [candidates], posteriors: [posterior])
        #expect(picks[0].index < 8 && abs(picks[0].variance - variances[picks[0].index]) < 1e-12)
        #expect(Set(picks.dropFirst().map(\.index)) == [8, 9], "picks \(picks)")
        // A copy's variance after one copy is observed: 4/(1 + 4) instead of 4.
        var afterOne = posterior
        afterOne.observe(candidates[picks[0].index])
        #expect(afterOne.variance(of: [2, 0, 0]) < 0.81)
    }

    @Test(arguments: RewardModel.Pooling.allCases)
    func theRewardIsTheValueHeadAppliedToThePooledFeatures(pooling: RewardModel.Pooling) {
        var generator = RandomGenerator(seed: 3)
        let backbone = RecurrentLanguageModel(
            RecurrentLanguageModelConfiguration(vocabularySize: ToyPreferences.tokenizer.vocabularySize, cell: .gru,
                                                embeddingSize: 8, hiddenSize: 16, valueHead: true), generator: &generator)
        let model = RewardModel(backbone: backbone, tokenizer: ToyPreferences.tokenizer, pooling: pooling)
        let prompts = ["ab", "", "dcba"], completions = ["abcd", "ddd", "a"]
        let features = model.valueHeadFeatures(prompts: prompts, completions: completions)
        let rewards = model.rewards(prompts: prompts, completions: completions)
        let w = backbone.valueHead!.weight.scalars, c = backbone.valueHead!.bias!.scalars[0]
        #expect(features.count == 3 && features.allSatisfy { $0.count == 16 })
        for (phi, reward) in zip(features, rewards) {
            let affine = zip(w, phi).reduce(c) { $0 + $1.0 * $1.1 }
            #expect(abs(affine - reward) < 1e-5, "w·φ + c = \(affine), reward \(reward)")
        }
    }

    @Test func theStrategyPicksDistinctPairsFromAnEnsemble() throws {
        let ensemble = ToyPreferences.ensemble(size: 2)
        let candidates = ToyPreferences.pairs(40, seed: 5), labelled = ToyPreferences.pairs(20, seed: 6)
        var generator = RandomGenerator(seed: 0)
        let picked = try QuerySelection.featureUncertainty.select(10, from: candidates, labelled: labelled, ensemble: ensemble,
                                                              generator: &generator)
        #expect(picked.count == 10 && Set(picked).count == 10 && picked.allSatisfy { candidates.indices.contains($0) })
        // The first pick is the candidate of largest mean variance given the labelled pairs.
        let features = ensemble.pairFeatureDifferences(candidates), labelledFeatures = ensemble.pairFeatureDifferences(labelled)
        let posteriors = (0..<2).map { LinearHeadPosterior(dimension: 16, priorPrecision: 1, observations: labelledFeatures[$0]) }
        let variances = candidates.indices.map { j in (0..<2).map { posteriors[$0].variance(of: features[$0][j]) }.reduce(0, +) / 2 }
        #expect(variances[picked[0]] == variances.max()!)
    }
}
