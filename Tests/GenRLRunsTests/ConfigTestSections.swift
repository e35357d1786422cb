import GenRLRuns

// Sample configuration types for the config tests, shaped like a PPO fine-tuning run:
// plain values, a string-backed enum, a nested section inside a nested section, an
// optional section, a tagged single section (optimizer) and an array of tagged
// sections (rewards).

enum SampleAlgorithm: String, CaseIterable, Sendable {
    case ppo, grpo, rloo
}

enum SampleKLEstimator: String, CaseIterable, Sendable {
    case exact, k1, k3
}

struct SampleModelSection: ConfigSection {
    var checkpoint = ""
    var maxNewTokens = 48

    static var fields: [ConfigField<Self>] {[
        .value("checkpoint", \.checkpoint, .path(.existingFile), doc: "Policy weights (safetensors).",
               required: true),
        .value("max_new_tokens", \.maxNewTokens, .int(1...), doc: "Tokens generated per sample."),
    ]}
}

struct SampleKLSection: ConfigSection {
    var coefficient = 0.2
    var adaptive = true
    var target = 6.0

    static var fields: [ConfigField<Self>] {[
        .value("coefficient", \.coefficient, .double(0.0...), doc: "Initial β (Ziegler et al. 2019: 0.2)."),
        .value("adaptive", \.adaptive, .bool, doc: "Adapt β toward the target KL."),
        .value("target", \.target, .double(.greaterThan(0)), doc: "Target KL in nats (Ziegler et al. 2019: 6)."),
    ]}
}

struct SamplePPOSection: ConfigSection {
    var clipEpsilon = 0.2
    var gaeLambda = 0.95
    var epochs = 4
    var targetKL: Double? = nil
    var klEstimator = SampleKLEstimator.exact
    var kl = SampleKLSection()

    static var fields: [ConfigField<Self>] {[
        .value("clip_epsilon", \.clipEpsilon, .double(.greaterThan(0)),
               doc: "Ratio clip range ε (Schulman et al. 2017: 0.2)."),
        .value("gae_lambda", \.gaeLambda, .double(0.0...1.0), doc: "GAE λ (Schulman et al. 2016: 0.95)."),
        .value("epochs", \.epochs, .int(1...), doc: "Passes over each rollout (4)."),
        .optionalValue("target_kl", \.targetKL, .double(.greaterThan(0)),
                       doc: "Stop the epochs early above this approximate KL (CleanRL: unset)."),
        .value("kl_estimator", \.klEstimator, .choice(SampleKLEstimator.self), doc: "KL to the reference."),
        .section("kl", \.kl, doc: "KL penalty controller."),
    ]}
}

struct SampleReferenceSection: ConfigSection {
    var checkpoint = ""

    static var fields: [ConfigField<Self>] {[
        .value("checkpoint", \.checkpoint, .path(.existingFile), doc: "Reference weights.", required: true),
    ]}
}

struct SampleAdamSection: ConfigSection {
    var learningRate = 1.41e-5
    var betas = [0.9, 0.95]

    static var fields: [ConfigField<Self>] {[
        .value("learning_rate", \.learningRate, .double(.greaterThan(0)), doc: "Step size (1.41e-5)."),
        .value("betas", \.betas, .array(of: .double(0.0..<1.0)), doc: "Moment decay rates."),
    ]}
}

struct SampleSGDSection: ConfigSection {
    var learningRate = 0.01
    var momentum = 0.0

    static var fields: [ConfigField<Self>] {[
        .value("learning_rate", \.learningRate, .double(.greaterThan(0)), doc: "Step size."),
        .value("momentum", \.momentum, .double(0.0..<1.0), doc: "Heavy-ball momentum."),
    ]}
}

enum SampleOptimizerSection: TaggedConfigSection {
    case adam(SampleAdamSection)
    case sgd(SampleSGDSection)

    init() { self = .adam(SampleAdamSection()) }

    static var variants: [ConfigVariant<Self>] {[
        ConfigVariant("adam", doc: "Adam (Kingma & Ba 2015).",
                      wrap: Self.adam, unwrap: { if case .adam(let section) = $0 { section } else { nil } }),
        ConfigVariant("sgd", doc: "Stochastic gradient descent.",
                      wrap: Self.sgd, unwrap: { if case .sgd(let section) = $0 { section } else { nil } }),
    ]}
}

struct SampleBLEURewardSection: ConfigSection {
    var weight = 1.0
    var references = ""
    var smoothing = "exp"

    static var fields: [ConfigField<Self>] {[
        .value("weight", \.weight, .double(), doc: "Weight in the sum of rewards."),
        .value("references", \.references, .path(.existingFile), doc: "One reference per line.", required: true),
        .value("smoothing", \.smoothing, .choice(["exp", "floor", "none"]), doc: "sacreBLEU smoothing."),
    ]}
}

struct SampleLengthRewardSection: ConfigSection {
    var weight = 1.0
    var target = 20
    var stopWords: [String] = []

    static var fields: [ConfigField<Self>] {[
        .value("weight", \.weight, .double(), doc: "Weight in the sum of rewards."),
        .value("target", \.target, .int(1...), doc: "Target length in tokens."),
        .value("stop_words", \.stopWords, .array(of: .string), doc: "Words that end a sample."),
    ]}
}

enum SampleRewardSection: TaggedConfigSection {
    case bleu(SampleBLEURewardSection)
    case length(SampleLengthRewardSection)

    init() { self = .length(SampleLengthRewardSection()) }

    static var variants: [ConfigVariant<Self>] {[
        ConfigVariant("bleu", doc: "Sentence BLEU against references.",
                      wrap: Self.bleu, unwrap: { if case .bleu(let section) = $0 { section } else { nil } }),
        ConfigVariant("length", doc: "Negative distance to a target length.",
                      wrap: Self.length, unwrap: { if case .length(let section) = $0 { section } else { nil } }),
    ]}
}

struct SampleRunConfig: ConfigSection {
    var algorithm = SampleAlgorithm.ppo
    var seed = 0
    var name = "run"
    var model = SampleModelSection()
    var ppo = SamplePPOSection()
    var reference: SampleReferenceSection? = nil
    var optimizer = SampleOptimizerSection()
    var rewards: [SampleRewardSection] = []

    static var fields: [ConfigField<Self>] {[
        .value("algorithm", \.algorithm, .choice(SampleAlgorithm.self), doc: "Which update rule to run."),
        .value("seed", \.seed, .int(0...), doc: "Seed of every random draw."),
        .value("name", \.name, .string, doc: "Run name \"quoted\" \\ with escapes."),
        .section("model", \.model, doc: "The policy."),
        .section("ppo", \.ppo, doc: "PPO hyperparameters."),
        .optionalSection("reference", \.reference, doc: "Frozen reference policy (default: a copy of the policy)."),
        .section("optimizer", \.optimizer, doc: "Optimizer of the policy."),
        .sectionArray("reward", \.rewards, doc: "Reward terms, summed with their weights."),
    ]}
}
