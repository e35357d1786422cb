import Foundation
import GenRLModels
import GenRLNN
import GenRLTensor

/// The pretrained model of the preference experiments: a character-level recurrent
/// language model trained by maximum likelihood (the existing `Pretrainer`) on the
/// corpus's training lines, saved as a model directory.
public struct CharacterModelPretrainingConfiguration: Codable, Sendable, Equatable {
    /// Corpus, split and prompts (the split must match the later experiments').
    public var task = PreferenceTaskConfiguration()
    /// The network (a GRU over characters; its value head is added later where needed).
    public var model = RecurrentLanguageModelConfiguration(vocabularySize: 0, cell: .gru, embeddingSize: 32, hiddenSize: 256)
    /// Epochs, batch size, learning rate, early stopping.
    public var pretraining: PretrainingConfiguration = {
        var configuration = PretrainingConfiguration()
        configuration.epochs = 4
        configuration.batchSize = 64
        configuration.learningRate = 3e-3
        configuration.minimumLearningRate = 3e-4
        configuration.validationInterval = 100
        return configuration
    }()
    /// Longest line used in training, in characters (longer ones are cut).
    public var maximumLength = 80
    /// Where the model directory is written.
    public var output = "runs/preferences/pretrained"
    /// Seed of the initial weights.
    public var seed: UInt64 = 0

    /// The defaults (the values above).
    public init() {}
}

/// Pretrains the experiments' character-level model.
public enum CharacterModelPretraining {
    /// Pretrains, keeps the weights with the best validation loss, saves them to
    /// `configuration.output` and returns (validation NLL per character, steps).
    /// `log` receives a line of progress every `validationInterval` steps.
    @discardableResult
    public static func run(_ configuration: CharacterModelPretrainingConfiguration,
                           log: @escaping (String) -> Void = { print($0) }) throws -> (validationLoss: Double, steps: Int) {
        let task = try PreferenceTask(configuration: configuration.task)
        let tokenizer = try CharacterTokenizer(corpus: task.split.train + task.split.validation)
        var modelConfiguration = configuration.model
        modelConfiguration.vocabularySize = tokenizer.vocabularySize
        var generator = RandomGenerator(seed: configuration.seed)
        let model = RecurrentLanguageModel(modelConfiguration, generator: &generator)
        let training = try TokenBatches(samples: task.split.train, tokenizer: tokenizer,
                                        batchSize: configuration.pretraining.batchSize, seed: configuration.pretraining.seed,
                                        maximumLength: configuration.maximumLength)
        let validation = try TokenBatches(samples: task.split.validation, tokenizer: tokenizer, batchSize: 256, seed: 0,
                                          maximumLength: configuration.maximumLength, shuffle: false).batches(epoch: 0)
        let pretrainer = Pretrainer(model: model, optimizer: Adam(learningRate: configuration.pretraining.learningRate),
                                    training: training, validation: validation, configuration: configuration.pretraining)
        let directory = URL(fileURLWithPath: configuration.output)
        let start = Date()
        pretrainer.onImprovement = { _, _ in
            try ModelDirectory.save(model: model, configuration: .recurrent(modelConfiguration), tokenizer: tokenizer,
                                    to: directory, metadata: ["corpus": configuration.task.corpusPath])
        }
        pretrainer.onStep = { step, metrics in
            if let loss = metrics["validation/loss"] {
                log(String(format: "step %5d/%d  train %.3f  validation %.3f nats/char  %.0fs", step, pretrainer.totalSteps,
                           metrics["train/loss"] ?? 0, loss, Date().timeIntervalSince(start)))
            }
        }
        try pretrainer.run()
        return (pretrainer.state.bestValidationLoss ?? .nan, pretrainer.state.step)
    }
}
