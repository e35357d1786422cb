import Foundation
import GenRLModels
import GenRLTensor
import Testing

/// A bigram model whose row for the begin token holds `logits` (other rows uniform).
func bigram(firstStepLogits logits: [Float], vocabularySize: Int) -> BigramLanguageModel {
    let model = BigramLanguageModel(vocabularySize: vocabularySize)
    model.transitions.withMutableScalars { table in
        for (j, value) in logits.enumerated() { table[Vocabulary.beginID * vocabularySize + j] = value }
    }
    return model
}

/// χ² of observed counts against expected probabilities, over the cells with p > 0; also
/// fails if a cell with p = 0 was drawn.
func chiSquare(counts: [Int], probabilities: [Double], draws: Int) -> (statistic: Double, degreesOfFreedom: Int, impossibleDraws: Int) {
    var statistic = 0.0, cells = 0, impossible = 0
    for (count, p) in zip(counts, probabilities) {
        if p == 0 { impossible += count; continue }
        let expected = p * Double(draws)
        statistic += (Double(count) - expected) * (Double(count) - expected) / expected
        cells += 1
    }
    return (statistic, cells - 1, impossible)
}

/// The 0.999 quantile of χ²(k) (Wilson–Hilferty approximation, z = 3.0902).
func chiSquareCritical(degreesOfFreedom k: Int) -> Double {
    let kd = Double(k), z = 3.0902
    return kd * pow(1 - 2 / (9 * kd) + z * (2 / (9 * kd)).squareRoot(), 3)
}

@Suite("Decoding")
struct DecodingTests {
    static let logits: [Float] = [0, 0, 0, 0, 1.2, -0.3, 2.0, 0.4, -1.0, 0.9, 1.5, -2.0]  // ids 0–3 are special
    static let vocabulary = 12

    /// Softmax in Double over the non-special ids of `logits` / τ, then the reference
    /// top-k and top-p rules.
    static func intendedProbabilities(temperature: Double = 1, topK: Int? = nil, topP: Double? = nil) -> [Double] {
        var scores = logits.enumerated().map { $0.offset < 4 ? -Double.infinity : Double($0.element) / temperature }
        if let topK {
            let threshold = scores.sorted(by: >)[topK - 1]
            scores = scores.map { $0 < threshold ? -.infinity : $0 }
        }
        var probabilities = softmax(scores)
        if let topP {
            let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }
            var mass = 0.0
            var kept = Set<Int>()
            for index in order where mass < topP { kept.insert(index); mass += probabilities[index] }
            scores = scores.enumerated().map { kept.contains($0.offset) ? $0.element : -.infinity }
            probabilities = softmax(scores)
        }
        return probabilities
    }

    static func softmax(_ x: [Double]) -> [Double] {
        let m = x.max()!
        let e = x.map { $0 == -.infinity ? 0 : exp($0 - m) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }

    /// Draws `draws` first tokens and compares their frequencies with `expected`.
    func expectFrequencies(_ configuration: DecodingConfiguration, expected: [Double], draws: Int = 40_000, seed: UInt64) {
        var model_logits = Self.logits
        for i in 0..<4 { model_logits[i] = -.infinity }  // specials impossible
        let model = bigram(firstStepLogits: model_logits, vocabularySize: Self.vocabulary)
        var generator = RandomGenerator(seed: seed)
        var configuration = configuration
        configuration.maximumNewTokens = 1
        let batch = Generation.sample(model: model, count: draws, configuration: configuration, generator: &generator)
        var counts = [Int](repeating: 0, count: Self.vocabulary)
        for i in 0..<draws { counts[batch.completion(i)[0]] += 1 }
        let test = chiSquare(counts: counts, probabilities: expected, draws: draws)
        #expect(test.impossibleDraws == 0)
        #expect(test.statistic < chiSquareCritical(degreesOfFreedom: test.degreesOfFreedom),
                "χ² = \(test.statistic) with \(test.degreesOfFreedom) degrees of freedom; counts \(counts)")
        // The recorded sampling log-probability is that of the processed distribution.
        for i in 0..<50 {
            let token = batch.completion(i)[0]
            #expect(Swift.abs(Double(batch.samplingLogProbabilities[i, 0]) - log(expected[token])) < 1e-5)
        }
    }

    @Test func plainSamplingFollowsTheSoftmax() {
        expectFrequencies(DecodingConfiguration(), expected: Self.intendedProbabilities(), seed: 1)
    }

    @Test func temperatureSharpensAndFlattens() {
        expectFrequencies(DecodingConfiguration(temperature: 0.5), expected: Self.intendedProbabilities(temperature: 0.5), seed: 2)
        expectFrequencies(DecodingConfiguration(temperature: 2), expected: Self.intendedProbabilities(temperature: 2), seed: 3)
    }

    @Test func topKKeepsTheKMostLikely() {
        expectFrequencies(DecodingConfiguration(topK: 3), expected: Self.intendedProbabilities(topK: 3), seed: 4)
    }

    @Test func topPKeepsTheNucleus() {
        expectFrequencies(DecodingConfiguration(topP: 0.8), expected: Self.intendedProbabilities(topP: 0.8), seed: 5)
        expectFrequencies(DecodingConfiguration(temperature: 0.7, topK: 5, topP: 0.9),
                          expected: Self.intendedProbabilities(temperature: 0.7, topK: 5, topP: 0.9), seed: 6)
    }

    @Test func greedyTakesTheMostLikely() {
        var logits = Self.logits
        for i in 0..<4 { logits[i] = -.infinity }
        let model = bigram(firstStepLogits: logits, vocabularySize: Self.vocabulary)
        var generator = RandomGenerator(seed: 7)
        let batch = Generation.sample(model: model, count: 5, configuration: DecodingConfiguration(maximumNewTokens: 1, greedy: true),
                                      generator: &generator)
        #expect((0..<5).allSatisfy { batch.completion($0) == [6] })
        #expect(batch.samplingLogProbabilities.scalars.allSatisfy { $0 == 0 })
    }

    /// With top-k (logits processed before the draw) and without (the one-pass path).
    @Test(arguments: [6, nil] as [Int?])
    func promptsLengthsMasksAndRecomputedLogProbabilities(topK: Int?) {
        var generator = RandomGenerator(seed: 8)
        let model = BigramLanguageModel(vocabularySize: 9, valueHead: true)
        model.transitions.assign(Tensor.randomNormal([9, 9], using: &generator))
        model.valueTable!.assign(Tensor.randomNormal([9, 1], using: &generator))
        let prompts = [[1, 5, 6, 7], [1], [1, 8]]
        let configuration = DecodingConfiguration(maximumNewTokens: 6, minimumNewTokens: topK == nil ? 0 : 2, topK: topK)
        let batch = Generation.sample(model: model, prompts: prompts, configuration: configuration, generator: &generator)
        #expect(batch.promptLengths == [4, 1, 2])
        for i in 0..<3 {
            #expect(Array(batch.sequence(i).prefix(prompts[i].count)) == prompts[i])
            let completion = batch.completion(i)
            #expect(completion.count >= (topK == nil ? 1 : 2) && completion.count <= 6)
            #expect(!completion.dropLast().contains(Vocabulary.endID))
            #expect(batch.endedWithEndToken[i] == (completion.last == Vocabulary.endID))
            if topK != nil { #expect(!completion.prefix(2).contains(Vocabulary.endID)) }  // minimum length
            let maskRow = (0..<(batch.tokens.shape[1] - 1)).map { batch.actionMask[i, $0] }
            let expectedMask = (0..<(batch.tokens.shape[1] - 1)).map { j -> Float in
                j + 1 >= prompts[i].count && j + 1 < batch.lengths[i] ? 1 : 0
            }
            #expect(maskRow == expectedMask)
        }
        // Teacher forcing over the generated sequences reproduces the recorded log-probabilities,
        // entropies and values wherever a token was generated.
        let length = batch.tokens.shape[1]
        let inputs = IntTensor(batch.tokens.scalars.enumerated().filter { $0.offset % length != length - 1 }.map(\.element),
                               shape: [3, length - 1])
        let targets = IntTensor(batch.tokens.scalars.enumerated().filter { $0.offset % length != 0 }.map(\.element),
                                shape: [3, length - 1])
        let output = model(inputs)
        let logProbabilities = Tensor.selectedLogProbabilities(logits: output.logits, targets: targets)
        let entropies = output.logits.softmaxEntropy()
        for (k, mask) in batch.actionMask.scalars.enumerated() where mask == 1 {
            #expect(Swift.abs(logProbabilities.scalars[k] - batch.modelLogProbabilities.scalars[k]) < 1e-5)
            #expect(Swift.abs(entropies.scalars[k] - batch.entropies.scalars[k]) < 1e-5)
            #expect(output.values!.scalars[k] == batch.values!.scalars[k])
        }
    }

    @Test func sameSeedSameSamples() {
        let model = BigramLanguageModel(vocabularySize: 30)
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9)
        let configuration = DecodingConfiguration(maximumNewTokens: 12)
        #expect(Generation.sample(model: model, count: 16, configuration: configuration, generator: &a).tokens
                == Generation.sample(model: model, count: 16, configuration: configuration, generator: &b).tokens)
    }
}
