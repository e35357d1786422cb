import GenRLModels
import GenRLRL

/// The algorithms `genrl train` runs.
public enum AlgorithmName: String, CaseIterable, Sendable {
    case reinforce, scst, mixer, ppo, grpo, rloo, nlpo

    /// Whether the policy needs a value head.
    public var needsValueHead: Bool { self == .ppo || self == .nlpo }
}

/// The model being trained.
public struct PolicySection: ConfigSection {
    /// A model directory (config.json, model.safetensors, tokenizer.json).
    public var model = ""

    public init() {}

    /// The keys of the `[policy]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("model", \.model, .path(.existingDirectory),
               doc: "Model directory to start from (made by `genrl pretrain`, or docs/checkpoint-format.md).", required: true),
    ]}
}

/// The frozen reference for the KL penalty.
public struct ReferenceSection: ConfigSection {
    /// A model directory; empty means the policy's starting model.
    public var model = ""
    /// How `kl/*` metrics and KL penalties are computed.
    public var klEstimator = KLEstimator.exact

    public init() {}

    /// The keys of the `[reference]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("model", \.model, .path(.none), doc: "Reference model directory (empty: the policy's starting model)."),
        .value("kl_estimator", \.klEstimator, .choice(KLEstimator.self),
               doc: "KL per token: exact over the vocabulary (default), or the k1/k3 sample estimates."),
    ]}
}

/// What the policy is prompted with.
public struct PromptsSection: ConfigSection {
    /// One prompt per line (empty: unconditional generation from the begin token).
    public var file = ""
    /// One reference per line, aligned with the prompts (for BLEU, chrF, ROUGE, MIXER).
    public var references = ""

    public init() {}

    /// The keys of the `[prompts]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("file", \.file, .path(.none), doc: "One prompt per line (empty: generate from the begin token alone)."),
        .value("references", \.references, .path(.none),
               doc: "One reference per line, aligned with the prompts (for bleu/chrf/rouge rewards and MIXER)."),
    ]}
}

/// `genrl train`: RL fine-tuning of a generator. Every field is written out, documented,
/// into the run's config.toml.
public struct TrainingRunConfiguration: ConsistentConfiguration {
    /// Run name: the run folder is `<runsDirectory>/<name>`.
    public var name = "run"
    /// The RL algorithm (PPO by default); its table holds its settings.
    public var algorithm = AlgorithmName.ppo
    /// Seed of every random draw (sampling, minibatch order, prompt order).
    public var seed: UInt64 = 0
    /// Iterations (rollout + update) to run (100).
    public var iterations = 100
    /// Where run folders are created.
    public var runsDirectory = "runs"
    /// The model being trained.
    public var policy = PolicySection()
    /// The frozen reference of the KL penalty.
    public var reference = ReferenceSection()
    /// How rollouts sample.
    public var decoding = DecodingConfiguration()
    /// What the policy is prompted with.
    public var prompts = PromptsSection()
    /// The optimizer (Adam by default).
    public var optimizer = OptimizerSection()
    /// The learning rate over the updates (constant by default).
    public var schedule = ScheduleSection()
    /// The `[[reward]]` tables, summed with their weights (at least one).
    public var rewards: [RewardSection] = []
    /// A sample some reward did not score: no score ("nil"), renormalised ("skip") or 0 ("zero").
    public var missingScores = "nil"
    /// Divide each score by its completion's copies in the batch (ORGAN).
    public var batchRepetitionPenalty = false
    /// Checkpoints for `--resume`.
    public var checkpoints = CheckpointSection()
    /// Samples and progress.
    public var logging = LoggingSection()
    /// REINFORCE's settings (nil: the defaults; only with `algorithm = "reinforce"`).
    public var reinforce: REINFORCE.Configuration?
    /// SCST's settings (nil: the defaults; only with `algorithm = "scst"`).
    public var scst: SCST.Configuration?
    /// MIXER's settings (nil: the defaults; only with `algorithm = "mixer"`).
    public var mixer: MIXER.Configuration?
    /// PPO's settings (nil: the defaults; only with `algorithm = "ppo"`).
    public var ppo: PPO.Configuration?
    /// GRPO's settings (nil: the defaults; only with `algorithm = "grpo"`).
    public var grpo: GRPO.Configuration?
    /// RLOO's settings (nil: the defaults; only with `algorithm = "rloo"`).
    public var rloo: RLOO.Configuration?
    /// NLPO's settings (nil: the defaults; only with `algorithm = "nlpo"`).
    public var nlpo: NLPO.Configuration?

    public init() {}

    /// The top-level keys and tables of a training configuration file.
    public static var fields: [ConfigField<Self>] {[
        .value("name", \.name, .string, doc: "Run name: the run folder is <runs_directory>/<name>."),
        .value("algorithm", \.algorithm, .choice(AlgorithmName.self), doc: "The RL algorithm; its table below holds its settings."),
        .value("seed", \.seed, .seed, doc: "Seed of every random draw (sampling, minibatch order, prompt order)."),
        .value("iterations", \.iterations, .int(1...), doc: "Iterations (rollout + update) to run."),
        .value("runs_directory", \.runsDirectory, .path(.none), doc: "Where run folders are created."),
        .value("missing_scores", \.missingScores, .choice(["nil", "skip", "zero"]),
               doc: "A reward without a score for a sample: the sample gets none (nil), the others are renormalised (skip), or 0."),
        .value("batch_repetition_penalty", \.batchRepetitionPenalty, .bool,
               doc: "Divide each score by the number of copies of its completion in the batch (ORGAN)."),
        .section("policy", \.policy, doc: "The model being trained."),
        .section("reference", \.reference, doc: "The frozen reference of the KL penalty."),
        .section("decoding", \.decoding, doc: "How rollouts sample."),
        .section("prompts", \.prompts, doc: "What the policy is prompted with."),
        .section("optimizer", \.optimizer, doc: "The optimizer."),
        .section("schedule", \.schedule, doc: "The learning rate over the updates."),
        .sectionArray("reward", \.rewards, doc: "The rewards, summed with their weights.", required: true),
        .section("checkpoints", \.checkpoints, doc: "Checkpoints for --resume."),
        .section("logging", \.logging, doc: "Samples and progress."),
        .optionalSection("reinforce", \.reinforce, doc: "REINFORCE (Williams 1992) settings."),
        .optionalSection("scst", \.scst, doc: "Self-critical sequence training (Rennie et al. 2017) settings."),
        .optionalSection("mixer", \.mixer, doc: "MIXER (Ranzato et al. 2016) settings."),
        .optionalSection("ppo", \.ppo, doc: "PPO (Schulman et al. 2017; Ziegler et al. 2019) settings."),
        .optionalSection("grpo", \.grpo, doc: "GRPO (Shao et al. 2024) settings."),
        .optionalSection("rloo", \.rloo, doc: "RLOO (Ahmadian et al. 2024) settings."),
        .optionalSection("nlpo", \.nlpo, doc: "NLPO (Ramamurthy et al. 2023) settings."),
    ]}

    /// Tables for algorithms other than the chosen one are mistakes (settings that would
    /// silently do nothing).
    public func consistencyProblems() -> [(path: ConfigKeyPath, message: String)] {
        let present: [(AlgorithmName, Bool)] = [
            (.reinforce, reinforce != nil), (.scst, scst != nil), (.mixer, mixer != nil), (.ppo, ppo != nil),
            (.grpo, grpo != nil), (.rloo, rloo != nil), (.nlpo, nlpo != nil),
        ]
        var problems: [(ConfigKeyPath, String)] = []
        for (name, isPresent) in present where isPresent && name != algorithm {
            problems.append((ConfigKeyPath(name.rawValue),
                             "table [\(name.rawValue)] is for algorithm \"\(name.rawValue)\", but algorithm is \"\(algorithm.rawValue)\""))
        }
        if algorithm == .mixer && prompts.file.isEmpty {
            problems.append((ConfigKeyPath("prompts", "file"), "MIXER needs reference sequences: set file in [prompts]"))
        }
        return problems
    }
}
