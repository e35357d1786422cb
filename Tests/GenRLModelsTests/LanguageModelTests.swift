import Foundation
import GenRLModels
import GenRLNN
import GenRLTensor
import Testing

@Suite("Language models")
struct LanguageModelTests {
    static let configurations: [LanguageModelConfiguration] = [
        .recurrent(RecurrentLanguageModelConfiguration(vocabularySize: 23, cell: .lstm, embeddingSize: 8, hiddenSize: 12, layers: 2,
                                                       valueHead: true)),
        .recurrent(RecurrentLanguageModelConfiguration(vocabularySize: 23, cell: .gru, embeddingSize: 8, hiddenSize: 12, layers: 3)),
        .gpt(GPTConfiguration(vocabularySize: 23, contextLength: 16, width: 16, layers: 2, heads: 4, valueHead: true)),
    ]

    static func tokens(_ batch: Int, _ length: Int, seed: UInt64) -> IntTensor {
        var generator = RandomGenerator(seed: seed)
        return IntTensor.randomIntegers([batch, length], below: 23, using: &generator)
    }

    /// Feeding a sequence in pieces (a prompt of 3, then one token at a time, then 2)
    /// through the decoding state gives the logits and values of one full pass.
    @Test(arguments: configurations)
    func incrementalDecodingMatchesFullRecomputation(_ configuration: LanguageModelConfiguration) {
        var generator = RandomGenerator(seed: 1)
        let model = configuration.makeModel(generator: &generator)
        let tokens = Self.tokens(3, 9, seed: 2)
        let full = model(tokens)
        let state = model.makeDecodingState(batchSize: 3)
        var pieces: [LanguageModelOutput] = []
        var start = 0
        for width in [3, 1, 1, 1, 1, 2] {
            let piece = IntTensor((0..<3).flatMap { row in tokens.scalars[(row * 9 + start)..<(row * 9 + start + width)] },
                                  shape: [3, width])
            pieces.append(model.decode(piece, state: state))
            start += width
        }
        #expect(state.position == 9)
        let logits = Tensor.concatenate(pieces.map(\.logits), axis: 1)
        #expect(logits.shape == full.logits.shape)
        let maxDifference = zip(logits.scalars, full.logits.scalars).map { Swift.abs($0 - $1) }.max()!
        #expect(maxDifference < 1e-5, "largest logit difference \(maxDifference)")
        if let values = full.values {
            let incremental = Tensor.concatenate(pieces.map { $0.values! }, axis: 1)
            #expect(zip(incremental.scalars, values.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
        }
    }

    /// Outputs from a position on (GPT skips its last block's MLP and its heads before it;
    /// the other models slice a full pass) are the full pass's outputs there, and a loss
    /// on them has the same gradient with respect to every parameter.
    @Test(arguments: configurations)
    func outputsFromAPositionAreTheFullPassSliced(_ configuration: LanguageModelConfiguration) {
        var generator = RandomGenerator(seed: 8)
        let model = configuration.makeModel(generator: &generator)
        let tokens = Self.tokens(3, 8, seed: 9)
        let first = 3
        let weights = Tensor.randomNormal([3, 8 - first, 23], using: &generator)
        func loss(_ output: LanguageModelOutput) -> Tensor {
            (output.logits * weights).sum() + (output.values.map { ($0 * $0).sum() } ?? Tensor(scalar: 0))
        }
        let (skipped, skippedGradients) = valueAndGradients(of: model) { loss($0(tokens, outputsFrom: first)) }
        let (sliced, slicedGradients) = valueAndGradients(of: model) { loss($0(tokens).fromPosition(first)) }
        let partial = model(tokens, outputsFrom: first), full = model(tokens)
        #expect(partial.logits.shape == [3, 8 - first, 23])
        let logitDifference = zip(partial.logits.scalars, full.logits.sliced(axis: 1, first..<8).scalars)
            .map { Swift.abs($0 - $1) }.max()!
        #expect(logitDifference < 1e-5)
        if let values = partial.values {
            #expect(zip(values.scalars, full.values!.sliced(axis: 1, first..<8).scalars).allSatisfy { Swift.abs($0 - $1) < 1e-5 })
        }
        #expect(Swift.abs(skipped.item - sliced.item) < 1e-3)
        #expect(skippedGradients.entries.map(\.name) == slicedGradients.entries.map(\.name))
        for (a, b) in zip(skippedGradients.entries, slicedGradients.entries) {
            let worst = zip(a.gradient.scalars, b.gradient.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4, "\(a.name): \(worst)")
        }
        // Position 0 on is the whole pass.
        #expect(model(tokens, outputsFrom: 0).logits.shape == full.logits.shape)
    }

    /// The fused output-layer loss equals cross-entropy over the model's logits, in value
    /// and in every parameter's gradient.
    @Test(arguments: configurations)
    func fusedMaximumLikelihoodLossMatchesTheLogits(_ configuration: LanguageModelConfiguration) {
        var generator = RandomGenerator(seed: 6)
        let model = configuration.makeModel(generator: &generator)
        let tokens = Self.tokens(4, 8, seed: 7)
        let inputs = IntTensor((0..<4).flatMap { tokens.row($0).dropLast() }, shape: [4, 7])
        let targets = IntTensor((0..<4).flatMap { tokens.row($0).dropFirst() }, shape: [4, 7])
        let mask = Tensor((0..<28).map { $0 % 5 == 4 ? 0 : 1 }, shape: [4, 7])
        let (fused, fusedGradients) = valueAndGradients(of: model) {
            $0.meanNegativeLogLikelihood(inputs: inputs, targets: targets, weights: mask)
        }
        let (plain, plainGradients) = valueAndGradients(of: model) {
            Tensor.crossEntropy(logits: $0(inputs).logits, targets: targets, weights: mask)
        }
        #expect(Swift.abs(fused.item - plain.item) < 1e-5)
        #expect(fusedGradients.entries.map(\.name) == plainGradients.entries.map(\.name))
        for (a, b) in zip(fusedGradients.entries, plainGradients.entries) {
            let worst = zip(a.gradient.scalars, b.gradient.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5, "\(a.name): \(worst)")
        }
    }

    /// A tempered recurrent model's logits are the model's divided by τ, its values are
    /// the model's, and the model itself is left as it was.
    @Test(arguments: [Float(0.5), 0.8, 2])
    func temperedRecurrentModelDividesTheLogits(_ temperature: Float) {
        guard case .recurrent(let configuration) = Self.configurations[0] else { return }
        var generator = RandomGenerator(seed: 9)
        let model = RecurrentLanguageModel(configuration, generator: &generator)
        let tokens = Self.tokens(3, 6, seed: 10)
        let before = model(tokens)
        let tempered = model.tempered(by: temperature)(tokens)
        let worst = zip(tempered.logits.scalars, before.logits.scalars).map { Swift.abs($0 - $1 / temperature) }.max()!
        #expect(worst < 1e-5, "largest difference from z/τ: \(worst)")
        #expect(tempered.values!.scalars == before.values!.scalars)
        #expect(model(tokens).logits.scalars == before.logits.scalars)
    }

    @Test(arguments: configurations)
    func modelDirectoryRoundTrip(_ configuration: LanguageModelConfiguration) throws {
        var generator = RandomGenerator(seed: 3)
        let model = configuration.makeModel(generator: &generator)
        let tokenizer = try CharacterTokenizer(scalars: Array("abcdefghijklmnopqrs".unicodeScalars))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ModelDirectory.save(model: model, configuration: configuration, tokenizer: tokenizer, to: directory)
        let (loaded, loadedConfiguration, loadedTokenizer) = try ModelDirectory.load(from: directory)
        #expect(loadedConfiguration == configuration)
        #expect(loadedTokenizer.encode("abc") == tokenizer.encode("abc"))
        let tokens = Self.tokens(2, 6, seed: 4)
        #expect(loaded(tokens).logits.scalars == model(tokens).logits.scalars)
        // Loading with a value head added keeps the language model's outputs.
        let (withHead, _, _) = try ModelDirectory.load(from: directory, valueHead: true)
        #expect(withHead.hasValueHead)
        #expect(withHead(tokens).logits.scalars == model(tokens).logits.scalars)
    }

    @Test func configurationJSONNamesTheArchitecture() throws {
        let data = try JSONEncoder().encode(Self.configurations[2])
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(object["architecture"] as? String == "gpt")
        #expect(object["width"] as? Int == 16)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(LanguageModelConfiguration.self, from: Data(#"{"architecture": "rnn"}"#.utf8))
        }
        // Fields with defaults may be left out of a hand-written config.json.
        let short = try JSONDecoder().decode(LanguageModelConfiguration.self,
                                             from: Data(#"{"architecture": "gpt", "vocabularySize": 40, "width": 32}"#.utf8))
        #expect(short == .gpt(GPTConfiguration(vocabularySize: 40, width: 32)))
    }

    @Test func pretrainingLowersTheValidationLoss() throws {
        let lines = ["abab abab", "baba baba", "aabb aabb", "abba abba", "abab baba", "bbaa aabb"]
        let tokenizer = try CharacterTokenizer(corpus: lines)
        let encoded = lines.map { tokenizer.encode($0) }
        let training = try TokenBatches(encodedSamples: encoded, batchSize: 3, seed: 1)
        let validation = try TokenBatches(encodedSamples: encoded, batchSize: 6, seed: 2, shuffle: false).batches(epoch: 0)
        var generator = RandomGenerator(seed: 5)
        let model = RecurrentLanguageModel(RecurrentLanguageModelConfiguration(vocabularySize: tokenizer.vocabularySize,
                                                                               embeddingSize: 8, hiddenSize: 16),
                                           generator: &generator)
        var configuration = PretrainingConfiguration()
        configuration.epochs = 60
        configuration.learningRate = 0.02
        configuration.earlyStoppingPatience = nil
        let pretrainer = Pretrainer(model: model, optimizer: Adam(learningRate: 0.02), training: training,
                                    validation: validation, configuration: configuration)
        let before = pretrainer.evaluate().loss
        var improvements = 0
        pretrainer.onImprovement = { _, _ in improvements += 1 }
        try pretrainer.run()
        let after = pretrainer.evaluate().loss
        #expect(after < before * 0.5, "validation NLL \(before) → \(after)")
        #expect(improvements > 0)
        #expect(pretrainer.state.step == 60 * 2)
    }
}
