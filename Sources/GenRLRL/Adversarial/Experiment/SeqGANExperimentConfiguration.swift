import GenRLNN

/// Everything a SeqGAN, ORGAN or MLE-baseline experiment needs, with LantaoYu/SeqGAN's
/// settings as defaults (the synthetic-oracle benchmark of Yu et al. 2017, Table 1).
/// Field names map to snake_case keys in JSON and TOML (`pretraining.learning_rate`).
public struct SeqGANExperimentConfiguration: Codable, Sendable, Equatable {
    /// What is trained after MLE pretraining.
    public enum Algorithm: String, Codable, Sendable, CaseIterable {
        /// MLE pretraining only: the baseline.
        case mle
        /// SeqGAN: discriminator reward by Monte Carlo search.
        case seqgan
        /// ORGAN: discriminator mixed with an objective, repeats penalised.
        case organ
    }

    /// Which algorithm runs after pretraining.
    public var algorithm = Algorithm.seqgan
    /// Seeds every random draw of the run (SeqGAN's `SEED`, 88).
    public var seed: UInt64 = 88
    /// The real data.
    public var data = Dataset()
    /// The generator's shape and start.
    public var generator = Generator()
    /// Maximum-likelihood pretraining of the generator.
    public var pretraining = Pretraining()
    /// The discriminator's shape and training.
    public var discriminator = Discriminator()
    /// The adversarial rounds.
    public var adversarial = Adversarial()
    /// ORGAN's mixing (read when `algorithm` is `organ`).
    public var organ = ORGAN()
    /// What is measured and how often.
    public var evaluation = Evaluation()

    /// The SeqGAN oracle experiment: every field at its default.
    public init() {}

    /// Where the real sequences come from.
    public struct Dataset: Codable, Sendable, Equatable {
        /// The kind of data.
        public enum Source: String, Codable, Sendable, CaseIterable {
            /// Sequences sampled from SeqGAN's synthetic oracle.
            case oracle
            /// Lines of a text file, tokenized by characters.
            case corpus
        }

        /// Oracle or corpus.
        public var source = Source.oracle
        /// The oracle's safetensors file; empty: the shared `seqgan-oracle.safetensors`
        /// (the paper's oracle) when found, else a fresh N(0, 1) oracle from `oracleSeed`.
        public var oracleFile = ""
        /// Seed of a fresh oracle (when no file is used).
        public var oracleSeed: UInt64 = 0
        /// Training sequences sampled from the oracle (`generated_num`, 10,000).
        public var trainingCount = 10_000
        /// Held-out sequences sampled after them (NLL-test, BLEU).
        public var testCount = 2_000
        /// The corpus file (one sample per line), for `corpus`.
        public var corpusFile = ""
        /// Longest corpus line kept, in characters (the end token makes it one longer).
        public var maximumCharacters = 31
        /// Fraction of corpus lines held out for NLL-test and BLEU.
        public var testFraction = 0.1

        /// The defaults above.
        public init() {}
    }

    /// The generator: an LSTM language model.
    public struct Generator: Codable, Sendable, Equatable {
        /// Embedding size (`EMB_DIM`, 32).
        public var embeddingSize = 32
        /// LSTM hidden size (`HIDDEN_DIM`, 32).
        public var hiddenSize = 32
        /// Stacked LSTM layers (1).
        public var layers = 1
        /// Standard deviation of the N(0, σ²) start of every parameter (SeqGAN's
        /// `init_matrix`, 0.1); 0 keeps PyTorch's default initialisation.
        public var initialStandardDeviation: Float = 0.1
        /// A generator checkpoint (safetensors) to start from instead of pretraining.
        public var checkpoint = ""

        /// The defaults above.
        public init() {}
    }

    /// MLE pretraining (`PRE_EPOCH_NUM` epochs of Adam).
    public struct Pretraining: Codable, Sendable, Equatable {
        /// Passes over the training data (120).
        public var epochs = 120
        /// Sequences per batch (64).
        public var batchSize = 64
        /// Adam's step size (0.01).
        public var learningRate: Float = 0.01
        /// Gradient-norm clip (5).
        public var maxGradientNorm: Float = 5
        /// Evaluate every this many epochs (5).
        public var evaluationInterval = 5

        /// The defaults above.
        public init() {}
    }

    /// SeqGAN's CNN discriminator.
    public struct Discriminator: Codable, Sendable, Equatable {
        /// Embedding size (`dis_embedding_dim`, 64).
        public var embeddingSize = 64
        /// Filter widths (1–10, 15, 20).
        public var filterWidths = CNNDiscriminatorConfiguration.seqGANFilterWidths
        /// Filters per width (100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160).
        public var filterCounts = CNNDiscriminatorConfiguration.seqGANFilterCounts
        /// Dropout probability in training (1 − `dis_dropout_keep_prob` = 0.25).
        public var dropoutProbability: Float = 0.25
        /// Training: batch, step size, L2, negatives, epochs, d-steps.
        public var training = DiscriminatorTrainingConfiguration()
        /// A discriminator checkpoint to start from instead of pretraining it.
        public var checkpoint = ""

        /// The defaults above.
        public init() {}
    }

    /// The adversarial rounds (`TOTAL_BATCH`).
    public struct Adversarial: Codable, Sendable, Equatable {
        /// Rounds of g-steps, rollout update and d-steps (200).
        public var rounds = 200
        /// Generator updates per round (1).
        public var generatorSteps = 1
        /// Sequences per generator update (64).
        public var batchSize = 64
        /// Adam's step size for the generator (0.01).
        public var learningRate: Float = 0.01
        /// Gradient-norm clip (5).
        public var maxGradientNorm: Float = 5
        /// Monte Carlo completions per prefix (16).
        public var rolloutCount = 16
        /// Rate r of the rollout network's delayed update θ_β ← rθ_β + (1 − r)θ (0.8).
        public var rolloutUpdateRate: Float = 0.8
        /// Evaluate every this many rounds (5).
        public var evaluationInterval = 5
        /// Baseline subtracted from the action values: `none` (the paper) or `batch_mean`
        /// (the batch's mean at each step; see `SeqGAN.Baseline`).
        public var baseline = SeqGAN.Baseline.none

        /// The defaults above.
        public init() {}
    }

    /// ORGAN's reward λ·D + (1 − λ)·O, divided by repeats.
    public struct ORGAN: Codable, Sendable, Equatable {
        /// λ, the discriminator's weight (0.5).
        public var lambda = 0.5
        /// The objective O: `known_words`, the fraction of a line's words that occur in the
        /// training corpus (`KnownWordReward`; the only one the runner builds for now).
        public var objective = "known_words"
        /// What the repetition penalty divides.
        public var penalty = ORGANReward.Penalty.wholeReward

        /// The defaults above.
        public init() {}
    }

    /// Measurements.
    public struct Evaluation: Codable, Sendable, Equatable {
        /// Generator samples for NLL-oracle during training (`generated_num`, 10,000).
        public var nllOracleSamples = 10_000
        /// Generator samples for the final NLL-oracle (100,000 for reported figures).
        public var finalNllOracleSamples = 100_000
        /// BLEU orders reported at the end (Texygen: 2–5).
        public var bleuOrders = [2, 3, 4, 5]
        /// Generated lines scored by BLEU at the end (each against the first 500 test lines).
        public var bleuHypotheses = 1_000
        /// Generated samples written to `samples.txt` at the end.
        public var samplesWritten = 200
        /// Generated lines the objective is averaged over at each evaluation (text data).
        public var objectiveSamples = 1_000
        /// Temperature τ of the generator as measured: every measurement (NLL-oracle,
        /// NLL-test, BLEU, Self-BLEU, the objective, samples.txt) reads its logits divided
        /// by τ. 1 (the default): the generator as trained. Below 1 sharpens it, trading
        /// diversity for quality: the baseline Caccia et al. (2018, "Language GANs Falling
        /// Short") hold GANs against. Training is never affected.
        public var temperature: Float = 1

        /// The defaults above.
        public init() {}
    }
}
