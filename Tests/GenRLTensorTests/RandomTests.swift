import Foundation
import GenRLTensor
import GenRLTestSupport
import Testing

@Suite("Seeded random numbers and categorical sampling")
struct RandomTests {
    struct Fixture: Decodable {
        struct Case: Decodable { let state: [String]; let outputs: [String] }
        let seeds: [String: [String]]
        let cases: [Case]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/tensor/random_fixture.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    @Test func matchesThePublishedAlgorithms() {
        for (seed, words) in Self.fixture.seeds {
            #expect(RandomGenerator(seed: UInt64(seed)!).state == words.map { UInt64($0)! })
        }
        for testCase in Self.fixture.cases {
            var generator = RandomGenerator(state: testCase.state.map { UInt64($0)! })
            let outputs = (0..<testCase.outputs.count).map { _ in generator.next() }
            #expect(outputs == testCase.outputs.map { UInt64($0)! })
        }
    }

    @Test func savedStateContinuesTheSequence() throws {
        var generator = RandomGenerator(seed: 11)
        _ = (0..<5).map { _ in generator.next() }
        let saved = try JSONEncoder().encode(generator)
        var restored = try JSONDecoder().decode(RandomGenerator.self, from: saved)
        #expect((0..<10).map { _ in generator.nextNormal() } == (0..<10).map { _ in restored.nextNormal() })
    }

    @Test func uniformAndNormalMoments() {
        var generator = RandomGenerator(seed: 3)
        let n = 200_000
        let uniforms = (0..<n).map { _ in Double(generator.nextFloat()) }
        #expect(uniforms.allSatisfy { $0 >= 0 && $0 < 1 })
        let uniformMean = uniforms.reduce(0, +) / Double(n)
        #expect(Swift.abs(uniformMean - 0.5) < 4 * (1.0 / 12).squareRoot() / Double(n).squareRoot())
        let normals = (0..<n).map { _ in generator.nextNormal() }
        let mean = normals.reduce(0, +) / Double(n)
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
        #expect(Swift.abs(mean) < 4 / Double(n).squareRoot())
        #expect(Swift.abs(variance - 1) < 4 * (2.0 / Double(n)).squareRoot())
        // Tail mass beyond 2σ: 4.55 %.
        let tail = Double(normals.filter { Swift.abs($0) > 2 }.count) / Double(n)
        #expect(Swift.abs(tail - 0.0455) < 0.003)
    }

    @Test func boundedIntegersAndShuffles() {
        var generator = RandomGenerator(seed: 4)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[generator.nextInt(below: 7)] += 1 }
        let chiSquare = counts.map { Double(($0 - 10_000) * ($0 - 10_000)) / 10_000 }.reduce(0, +)
        #expect(chiSquare < 22.46)  // χ²(6) at p = 0.001
        let permutation = generator.permutation(100)
        #expect(permutation.sorted() == Array(0..<100))
        #expect(permutation != Array(0..<100))
    }

    /// Each ordered pair (i, j) of a two-index weighted sample without replacement comes with
    /// probability wᵢ/Σw · wⱼ/(Σw − wᵢ); an index of weight 0 comes only after all the others.
    @Test func weightedSamplesWithoutReplacementFollowTheWeights() {
        let weights = [1.0, 2, 3, 0, 4], total = weights.reduce(0, +), draws = 40_000
        var generator = RandomGenerator(seed: 12)
        var counts: [[Int]] = Array(repeating: Array(repeating: 0, count: 5), count: 5)
        for _ in 0..<draws {
            let sample = generator.weightedSampleWithoutReplacement(2, weights: weights)
            counts[sample[0]][sample[1]] += 1
        }
        var chiSquare = 0.0
        for i in weights.indices where weights[i] > 0 {
            for j in weights.indices where j != i && weights[j] > 0 {
                let expected = weights[i] / total * weights[j] / (total - weights[i]) * Double(draws)
                chiSquare += (Double(counts[i][j]) - expected) * (Double(counts[i][j]) - expected) / expected
            }
        }
        #expect(counts[3].allSatisfy { $0 == 0 } && counts.allSatisfy { $0[3] == 0 })  // weight 0: never within the first 4
        #expect(chiSquare < 31.26)  // χ²(11) at p = 0.001
        let all = generator.weightedSampleWithoutReplacement(9, weights: weights)
        #expect(all.count == 5 && Set(all) == Set(weights.indices) && all.last == 3)
    }

    @Test func categoricalFrequenciesMatchTheSoftmax() {
        let logits = Tensor([[0.3, -1.2, 2.0, 0.0, 1.1, -.infinity]])
        let probabilities = logits.softmax().scalars.map(Double.init)
        let draws = 60_000
        let batch = logits.broadcasted(to: [draws, 6])
        var generator = RandomGenerator(seed: 8)
        let (indices, logProbabilities) = CategoricalSampler.sample(logits: batch, using: &generator)
        var counts = [Int](repeating: 0, count: 6)
        for index in indices.scalars { counts[Int(index)] += 1 }
        #expect(counts[5] == 0)  // a −∞ logit is never drawn
        let chiSquare = (0..<5).map { c -> Double in
            let expected = probabilities[c] * Double(draws)
            return (Double(counts[c]) - expected) * (Double(counts[c]) - expected) / expected
        }.reduce(0, +)
        #expect(chiSquare < 18.47)  // χ²(4) at p = 0.001
        let logSoftmax = logits.logSoftmax().scalars
        for (index, logProbability) in zip(indices.scalars.prefix(50), logProbabilities.scalars.prefix(50)) {
            #expect(Swift.abs(logProbability - logSoftmax[Int(index)]) < 1e-6)
        }
    }

    @Test func samplingIsReproducible() {
        let logits = uniformTensor([64, 500], -3, 3, seed: 9)
        var a = RandomGenerator(seed: 21), b = RandomGenerator(seed: 21)
        #expect(CategoricalSampler.sample(logits: logits, using: &a).indices == CategoricalSampler.sample(logits: logits, using: &b).indices)
    }
}
