import GenRLModels

/// The corpus of a pretraining run.
public struct DataSection: ConfigSection {
    /// One sample per line, UTF-8.
    public var file = ""
    /// Share of the lines held out for validation.
    public var validationFraction = 0.05
    /// Lines longer than this many characters are left out (unset: none).
    public var maximumLength: Int? = nil

    public init() {}

    /// The keys of the `[data]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("file", \.file, .path(.existingFile), doc: "Training text, one sample per line (UTF-8).", required: true),
        .value("validation_fraction", \.validationFraction, .double(0.0..<1.0), doc: "Share of the lines held out for validation."),
        .optionalValue("maximum_length", \.maximumLength, .int(1...), doc: "Leave out lines longer than this many characters."),
    ]}
}

/// How text becomes tokens.
public struct TokenizerSection: ConfigSection {
    /// The tokenizer kind.
    public var kind = TokenizerKind.character
    /// Tokens seen fewer times become `<unk>` (character, word, SMILES).
    public var minimumCount = 1
    /// Vocabulary size including the four special tokens (BPE and word; unset: no limit for words).
    public var vocabularySize: Int? = nil

    public init() {}

    /// The keys of the `[tokenizer]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("kind", \.kind, .choice(TokenizerKind.self), doc: "character, word, smiles, or bpe (byte-level, trained on the corpus)."),
        .value("minimum_count", \.minimumCount, .int(1...), doc: "Rarer tokens become <unk> (character, word, smiles)."),
        .optionalValue("vocabulary_size", \.vocabularySize, .int(5...), doc: "Vocabulary size with the specials (bpe: required; word: a limit)."),
    ]}
}

/// The architecture of a new model.
public enum ModelSection: TaggedConfigSection {
    case recurrent(RecurrentModelSection)
    case gpt(GPTModelSection)

    /// The recurrent model with its defaults.
    public init() { self = .recurrent(RecurrentModelSection()) }

    /// The `type` values: recurrent, gpt.
    public static var variants: [ConfigVariant<Self>] {[
        ConfigVariant("recurrent", doc: "Embedding, LSTM or GRU layers, linear output (char-rnn, SeqGAN, REINVENT).",
                      wrap: Self.recurrent, unwrap: { if case .recurrent(let s) = $0 { s } else { nil } }),
        ConfigVariant("gpt", doc: "A GPT-2-style decoder with learned positions (nanoGPT's layout).",
                      wrap: Self.gpt, unwrap: { if case .gpt(let s) = $0 { s } else { nil } }),
    ]}

    /// The model configuration for a vocabulary of `vocabularySize` tokens.
    public func configuration(vocabularySize: Int) -> LanguageModelConfiguration {
        switch self {
        case .recurrent(let s):
            .recurrent(RecurrentLanguageModelConfiguration(vocabularySize: vocabularySize, cell: s.cell, embeddingSize: s.embeddingSize,
                                                           hiddenSize: s.hiddenSize, layers: s.layers, dropout: s.dropout))
        case .gpt(let s):
            .gpt(GPTConfiguration(vocabularySize: vocabularySize, contextLength: s.contextLength, width: s.width, layers: s.layers,
                                  heads: s.heads, mlpRatio: s.mlpRatio, dropout: s.dropout))
        }
    }
}

/// The settings of `type = "recurrent"`.
public struct RecurrentModelSection: ConfigSection {
    /// LSTM (char-rnn, SeqGAN) or GRU (REINVENT).
    public var cell = RecurrentLanguageModelConfiguration.Cell.lstm
    /// Embedding size (64; SeqGAN: 32; REINVENT: 256).
    public var embeddingSize = 64
    /// Hidden size per layer (256; SeqGAN: 32; REINVENT: 512).
    public var hiddenSize = 256
    /// Stacked layers (1; REINVENT: 3).
    public var layers = 1
    /// Dropout between layers during training (0).
    public var dropout: Float = 0

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("cell", \.cell, .choice(RecurrentLanguageModelConfiguration.Cell.self), doc: "LSTM (char-rnn, SeqGAN) or GRU (REINVENT)."),
        .value("embedding_size", \.embeddingSize, .int(1...), doc: "Embedding size (SeqGAN: 32; REINVENT: 256)."),
        .value("hidden_size", \.hiddenSize, .int(1...), doc: "Hidden size per layer (SeqGAN: 32; REINVENT: 512)."),
        .value("layers", \.layers, .int(1...), doc: "Stacked layers (REINVENT: 3)."),
        .value("dropout", \.dropout, .float(0.0..<1.0), doc: "Dropout between layers during training."),
    ]}
}

/// The settings of `type = "gpt"`.
public struct GPTModelSection: ConfigSection {
    /// Longest sequence in tokens (learned positions; 128).
    public var contextLength = 128
    /// Model width d (128; must divide by `heads`).
    public var width = 128
    /// Transformer blocks (4).
    public var layers = 4
    /// Attention heads (4).
    public var heads = 4
    /// MLP hidden size as a multiple of the width (GPT-2: 4).
    public var mlpRatio = 4
    /// Dropout during training (nanoGPT: 0).
    public var dropout: Float = 0

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("context_length", \.contextLength, .int(2...), doc: "Longest sequence in tokens (learned positions)."),
        .value("width", \.width, .int(1...), doc: "Model width d (must divide by heads)."),
        .value("layers", \.layers, .int(1...), doc: "Transformer blocks."),
        .value("heads", \.heads, .int(1...), doc: "Attention heads."),
        .value("mlp_ratio", \.mlpRatio, .int(1...), doc: "MLP hidden size as a multiple of the width (GPT-2: 4)."),
        .value("dropout", \.dropout, .float(0.0..<1.0), doc: "Dropout during training (nanoGPT: 0)."),
    ]}
}

extension PretrainingConfiguration: ConfigSection {
    /// The keys of the `[training]` table (`seed` is the run's).
    public static var fields: [ConfigField<Self>] {[
        .value("epochs", \.epochs, .int(1...), doc: "Passes over the training lines (at most; early stopping may end sooner)."),
        .value("batch_size", \.batchSize, .int(1...), doc: "Sequences per batch (SeqGAN: 64)."),
        .value("learning_rate", \.learningRate, .float(.greaterThan(0)), doc: "Peak Adam learning rate (SeqGAN's generator: 0.01)."),
        .value("warmup_steps", \.warmupSteps, .int(0...), doc: "Linear warm-up steps."),
        .optionalValue("minimum_learning_rate", \.minimumLearningRate, .float(0.0...),
                       doc: "Cosine-decay to this rate over the run (unset: constant after warm-up)."),
        .optionalValue("max_gradient_norm", \.maxGradientNorm, .float(.greaterThan(0)), doc: "Gradient-norm clip (SeqGAN: 5)."),
        .value("validation_interval", \.validationInterval, .int(0...), doc: "Steps between validations (0: at the end of each epoch)."),
        .optionalValue("early_stopping_patience", \.earlyStoppingPatience, .int(1...),
                       doc: "Stop after this many validations without improvement (unset: never)."),
    ]}
}

/// `genrl pretrain`: maximum-likelihood training of a new language model on a corpus.
/// The best model (lowest validation loss) is kept as a model directory in the run folder
/// (`model/`), ready for `genrl train` and `genrl sample`.
public struct PretrainingRunConfiguration: ConsistentConfiguration {
    /// Run name: the run folder is `<runsDirectory>/<name>`.
    public var name = "pretrain"
    /// Seed of the initialisation, the split and the batch order.
    public var seed: UInt64 = 0
    /// Where run folders are created.
    public var runsDirectory = "runs"
    /// The corpus.
    public var data = DataSection()
    /// How text becomes tokens (learned from the training lines).
    public var tokenizer = TokenizerSection()
    /// The architecture.
    public var model = ModelSection()
    /// Maximum-likelihood training.
    public var training = PretrainingConfiguration()
    /// Checkpoints for `--resume`.
    public var checkpoints = CheckpointSection()
    /// Samples and progress.
    public var logging = LoggingSection()

    public init() {}

    /// The top-level keys and tables of a pretraining configuration file.
    public static var fields: [ConfigField<Self>] {[
        .value("name", \.name, .string, doc: "Run name: the run folder is <runs_directory>/<name>."),
        .value("seed", \.seed, .seed, doc: "Seed of the initialisation, the split and the batch order."),
        .value("runs_directory", \.runsDirectory, .path(.none), doc: "Where run folders are created."),
        .section("data", \.data, doc: "The corpus."),
        .section("tokenizer", \.tokenizer, doc: "How text becomes tokens (trained on the training lines)."),
        .section("model", \.model, doc: "The architecture."),
        .section("training", \.training, doc: "Maximum-likelihood training."),
        .section("checkpoints", \.checkpoints, doc: "Checkpoints for --resume."),
        .section("logging", \.logging, doc: "Samples and progress."),
    ]}

    /// Problems across tables: a bpe tokenizer without `vocabulary_size`, a width the heads do not divide.
    public func consistencyProblems() -> [(path: ConfigKeyPath, message: String)] {
        var problems: [(ConfigKeyPath, String)] = []
        if tokenizer.kind == .bytePairEncoding && tokenizer.vocabularySize == nil {
            problems.append((ConfigKeyPath("tokenizer", "kind"), "a bpe tokenizer needs vocabulary_size in [tokenizer]"))
        }
        if case .gpt(let gpt) = model, gpt.width % gpt.heads != 0 {
            problems.append((ConfigKeyPath("model", "heads"), "width \(gpt.width) does not divide into \(gpt.heads) heads"))
        }
        return problems
    }
}
