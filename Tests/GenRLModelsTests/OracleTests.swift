import Foundation
import GenRLModels
import GenRLNN
import GenRLTensor
import Testing

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The paper's oracle, when the shared data directory is present (CI clones lack it).
private let sharedOracleFile: URL? = {
    if let found = SyntheticOracle.sharedFile() { return found }
    let beside = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/seqgan-oracle.safetensors")
    return FileManager.default.fileExists(atPath: beside.path) ? beside : nil
}()

/// Tests/Fixtures/seqgan/oracle_fixture.json, made by make_oracle_fixture.py with PyTorch.
private struct OracleFixture: Decodable {
    let start_token: Int
    let sequences: [[Int]]
    let log_likelihoods: [Double]
    let first_step_logits: [Float]
}

/// A small LSTM language model with random weights (hidden size 12: not a multiple of 8,
/// so the sampler's tail paths run; two layers: the upper-layer path runs).
private func smallModel(vocabulary: Int = 11, hidden: Int = 12, layers: Int = 2, seed: UInt64 = 5) -> RecurrentLanguageModel {
    var generator = RandomGenerator(seed: seed)
    let model = RecurrentLanguageModel(
        RecurrentLanguageModelConfiguration(vocabularySize: vocabulary, cell: .lstm, embeddingSize: 6, hiddenSize: hidden,
                                            layers: layers), generator: &generator)
    for (_, parameter) in model.namedParameters() {
        parameter.assign(Tensor.randomNormal(parameter.shape, standardDeviation: 0.8, using: &generator))
    }
    return model
}

@Suite struct OracleTests {
    @Test("the shared oracle file reproduces PyTorch's log-likelihoods and logits",
          .enabled(if: sharedOracleFile != nil, "shared/data/seqgan-oracle.safetensors is absent (CI clone)"))
    func sharedOracleMatchesPyTorch() throws {
        let oracle = try SyntheticOracle(contentsOf: sharedOracleFile!)
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Tests/Fixtures/seqgan/oracle_fixture.json"))
        let fixture = try JSONDecoder().decode(OracleFixture.self, from: data)
        #expect(fixture.start_token == SyntheticOracle.startToken)
        let logLikelihoods = oracle.sampler.logLikelihoods(of: SyntheticOracle.withStartToken(fixture.sequences))
        for (mine, reference) in zip(logLikelihoods, fixture.log_likelihoods) {
            #expect(abs(mine - reference) < 2e-3, "log-likelihood \(mine) vs PyTorch \(reference)")
        }
        let logits = withNoGrad { oracle.model(IntTensor([Int32(0)], shape: [1, 1])).logits }
        for (index, reference) in fixture.first_step_logits.enumerated() {
            #expect(abs(logits[0, 0, index] - reference) < 1e-4)
        }
        let nll = oracle.negativeLogLikelihood(of: fixture.sequences)
        let expected = -fixture.log_likelihoods.reduce(0, +) / Double(20 * fixture.sequences.count)
        #expect(abs(nll - expected) < 1e-4)
    }

    @Test func seededOracleHasStandardNormalWeightsAndIsReproducible() {
        let oracle = SyntheticOracle(seed: 3), again = SyntheticOracle(seed: 3), other = SyntheticOracle(seed: 4)
        let weights = oracle.model.out.weight.scalars
        let mean = weights.reduce(0, +) / Float(weights.count)
        let variance = weights.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(weights.count)
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.03)
        #expect(oracle.model.lstm!.layers[0].hiddenBias!.scalars.allSatisfy { $0 == 0 })
        #expect(oracle.model.embedding.weight.scalars == again.model.embedding.weight.scalars)
        #expect(oracle.model.embedding.weight.scalars != other.model.embedding.weight.scalars)
        var a = RandomGenerator(seed: 1), b = RandomGenerator(seed: 1)
        let first = oracle.sample(count: 5, generator: &a)
        #expect(first == again.sample(count: 5, generator: &b))
        #expect(first.allSatisfy { $0.count == 20 && $0.allSatisfy { (0..<5000).contains($0) } })
    }

    @Test func samplerLogLikelihoodsMatchTeacherForcing() {
        let model = smallModel()
        var generator = RandomGenerator(seed: 9)
        let tokens = IntTensor.randomIntegers([7, 9], below: 11, using: &generator)
        let sampler = LSTMSampler(model)
        let fast = sampler.logLikelihoods(of: tokens, chunkRows: 3)
        let inputs = IntTensor((0..<7).flatMap { Array(tokens.row($0).dropLast()).map(Int32.init) }, shape: [7, 8])
        let targets = IntTensor((0..<7).flatMap { Array(tokens.row($0).dropFirst()).map(Int32.init) }, shape: [7, 8])
        let reference = withNoGrad {
            Tensor.selectedLogProbabilities(logits: model(inputs).logits, targets: targets).sum(axis: 1).scalars
        }
        for (a, b) in zip(fast, reference) { #expect(abs(a - Double(b)) < 1e-4) }
    }

    @Test func prefixStatesMatchTheModelsRecurrence() throws {
        // A completion from the state after the prefix must be distributed as the model's
        // next-token distribution given that prefix: compare frequencies of 40,000 draws.
        let model = smallModel(vocabulary: 6, hidden: 8, layers: 1, seed: 2)
        let sampler = LSTMSampler(model)
        let prefix = IntTensor([3, 1, 4, 1], shape: [1, 4])
        let states = sampler.prefixStates(of: prefix)
        var generator = RandomGenerator(seed: 4)
        let completions = sampler.complete(prefix, keeping: 3, copies: 40_000, states: states, generator: &generator)
        var counts = [Double](repeating: 0, count: 6)
        for row in 0..<40_000 {
            #expect(completions[row, 0] == 3 && completions[row, 1] == 1 && completions[row, 2] == 4)
            counts[Int(completions[row, 3])] += 1
        }
        let logits = withNoGrad { model(IntTensor([3, 1, 4], shape: [1, 3])).logits }
        let probabilities = logits.softmax().scalars.suffix(6)
        for (count, probability) in zip(counts, probabilities) {
            #expect(abs(count / 40_000 - Double(probability)) < 0.01)
        }
    }

    @Test func samplingDependsOnlyOnTheSeed() {
        let sampler = LSTMSampler(smallModel())
        var a = RandomGenerator(seed: 11), b = RandomGenerator(seed: 11)
        let first = sampler.sample(count: 50, startToken: 1, length: 6, chunkRows: 16, generator: &a)
        let second = sampler.sample(count: 50, startToken: 1, length: 6, chunkRows: 16, generator: &b)
        #expect(first == second && first.shape == [50, 7])
        #expect((0..<50).allSatisfy { first[$0, 0] == 1 })
    }

    @Test func datasetFilesRoundTripAndBadLinesAreNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sequences = [[1, 2, 3], [4999, 0, 7]]
        let url = directory.appendingPathComponent("real.txt")
        try OracleDataset.write(sequences, to: url)
        #expect(try OracleDataset.read(from: url, length: 3) == sequences)
        try "1 2 3\n1 2\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: SyntheticOracleError.badLine(path: url.path, line: 2, reason: "expected 3 ids in 0..<5000")) {
            try OracleDataset.read(from: url, length: 3)
        }
    }
}
