import Foundation
import GenRLModels
import GenRLNN
import GenRLTensor

/// A maximum-likelihood pretraining run built from a `PretrainingRunConfiguration`: the
/// corpus split, a tokenizer learned from the training lines, a new model and its
/// `Pretrainer`.
public final class PretrainingRun {
    /// The configuration the run was built from.
    public let configuration: PretrainingRunConfiguration
    /// The tokenizer learned from the training lines.
    public let tokenizer: any Tokenizer
    /// The new model's architecture, sized for the tokenizer's vocabulary.
    public let modelConfiguration: LanguageModelConfiguration
    /// The model being trained.
    public let model: any LanguageModel
    /// Trains `model` on the training lines.
    public let pretrainer: Pretrainer
    /// Held-out lines (for samples and reports).
    public let validationLines: [String]
    /// The unigram baseline on the validation lines: NLL per token (nats) of the token
    /// frequencies of the training lines, the figure a model must beat.
    public let unigramBaseline: Double?

    /// Reads and splits the corpus, learns the tokenizer and builds the model and its trainer;
    /// throws when the corpus does not read.
    public init(configuration: PretrainingRunConfiguration) throws {
        self.configuration = configuration
        let corpus = try LineCorpus(contentsOf: URL(fileURLWithPath: configuration.data.file),
                                    maximumLength: configuration.data.maximumLength)
        let split = try corpus.split(validationFraction: configuration.data.validationFraction, seed: configuration.seed)
        validationLines = split.validation
        tokenizer = try Self.makeTokenizer(configuration.tokenizer, lines: split.train)
        modelConfiguration = configuration.model.configuration(vocabularySize: tokenizer.vocabularySize)
        var generator = RandomGenerator(seed: configuration.seed)
        model = modelConfiguration.makeModel(generator: &generator)
        model.seedRandomState(configuration.seed &+ 1)
        var maximumLength: Int?
        if case .gpt(let gpt) = configuration.model { maximumLength = gpt.contextLength }
        let training = try TokenBatches(samples: split.train, tokenizer: tokenizer, batchSize: configuration.training.batchSize,
                                        seed: configuration.seed, maximumLength: maximumLength)
        let validation = split.validation.isEmpty ? [] : try TokenBatches(
            samples: split.validation, tokenizer: tokenizer, batchSize: configuration.training.batchSize,
            seed: configuration.seed, maximumLength: maximumLength, shuffle: false).batches(epoch: 0)
        unigramBaseline = validation.isEmpty ? nil : Scoring.unigramPerplexity(
            training: training.batches(epoch: 0), evaluation: validation, vocabularySize: tokenizer.vocabularySize).negativeLogLikelihood
        var trainingSettings = configuration.training
        trainingSettings.seed = configuration.seed
        pretrainer = Pretrainer(model: model, optimizer: Adam(learningRate: configuration.training.learningRate),
                                training: training, validation: validation, configuration: trainingSettings)
    }

    /// The tokenizer `section` describes, learned from `lines`.
    static func makeTokenizer(_ section: TokenizerSection, lines: [String]) throws -> any Tokenizer {
        switch section.kind {
        case .character: return try CharacterTokenizer(corpus: lines, minimumCount: section.minimumCount)
        case .word: return try WordTokenizer(corpus: lines, maximumVocabularySize: section.vocabularySize, minimumCount: section.minimumCount)
        case .smiles: return try SMILESTokenizer(corpus: lines, minimumCount: section.minimumCount)
        case .bytePairEncoding: return try BPETokenizer(corpus: lines, vocabularySize: section.vocabularySize ?? 1000)
        }
    }

    /// `count` unconditional samples at `step`, drawn from a generator of their own so
    /// that logging samples never changes the training.
    public func samples(count: Int, step: Int) -> [String] {
        guard count > 0 else { return [] }
        var generator = RandomGenerator(seed: configuration.seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15))
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let maximumNewTokens = model.maximumLength.map { min(100, $0 - 1) } ?? 100
        let batch = Generation.sample(model: model, count: count, configuration: DecodingConfiguration(maximumNewTokens: maximumNewTokens),
                                      generator: &generator)
        return (0..<count).map { tokenizer.decode(batch.completion($0)) }
    }

    // MARK: Checkpoints

    struct State: Codable {
        var pretraining: PretrainingState
        var moduleGenerators: [String: RandomGenerator]
    }

    /// `model.safetensors`, `optimizer.safetensors` and `state.json`.
    public func checkpointFiles() -> [CheckpointFile] {
        let parameters = model.parameterDictionary()
        let optimizerState = pretrainer.optimizer.state()
        return [
            .writer("model.safetensors") { path in try SafeTensors.write(parameters, to: URL(fileURLWithPath: path)) },
            .writer("optimizer.safetensors") { path in try optimizerState.write(to: URL(fileURLWithPath: path)) },
            .json("state.json", encoding: State(pretraining: pretrainer.state, moduleGenerators: model.randomStates())),
        ]
    }

    /// Restores a checkpoint written by `checkpointFiles`.
    public func restore(from checkpoint: Checkpoint) throws {
        let state = try JSONDecoder().decode(State.self, from: try checkpoint.data("state.json"))
        try model.load(try SafeTensors.read(contentsOf: URL(fileURLWithPath: checkpoint.path(of: "model.safetensors"))).tensors)
        try pretrainer.optimizer.restore(try OptimizerState.read(contentsOf: URL(fileURLWithPath: checkpoint.path(of: "optimizer.safetensors"))))
        pretrainer.state = state.pretraining
        model.restoreRandomStates(state.moduleGenerators)
    }

    /// Saves the model as a model directory at `path`, replacing what is there only once
    /// the new directory is complete.
    public func saveModel(to path: String) throws {
        let destination = URL(fileURLWithPath: path)
        let temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).writing")
        try? FileManager.default.removeItem(at: temporary)
        try ModelDirectory.save(model: model, configuration: modelConfiguration, tokenizer: tokenizer, to: temporary,
                                metadata: ["step": "\(pretrainer.state.step)"])
        let old = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).old")
        try? FileManager.default.removeItem(at: old)
        if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.moveItem(at: destination, to: old) }
        try FileManager.default.moveItem(at: temporary, to: destination)
        try? FileManager.default.removeItem(at: old)
    }
}
