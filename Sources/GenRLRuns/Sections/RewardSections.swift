import GenRLRewards

/// One `[[reward]]` table: a built-in reward (or an external process) and its weight in
/// the sum. The run's reward is Σ weightᵢ·rewardᵢ over the tables, wrapped in ORGAN's
/// batch repetition penalty when `batch_repetition_penalty` is set.
public enum RewardSection: TaggedConfigSection {
    case keywords(KeywordRewardSection)
    case regex(RegexRewardSection)
    case length(LengthRewardSection)
    case bleu(ReferenceMetricSection)
    case chrf(ReferenceMetricSection)
    case rouge(ROUGERewardSection)
    case repetition(RepetitionRewardSection)
    case external(ExternalRewardSection)

    /// A keywords reward with its defaults.
    public init() { self = .keywords(KeywordRewardSection()) }

    /// The `type` values: keywords, regex, length, bleu, chrf, rouge, repetition, external.
    public static var variants: [ConfigVariant<Self>] {[
        ConfigVariant("keywords", doc: "Fraction of the keywords present (whole words).",
                      wrap: Self.keywords, unwrap: { if case .keywords(let s) = $0 { s } else { nil } }),
        ConfigVariant("regex", doc: "Fraction of the regular expressions that match.",
                      wrap: Self.regex, unwrap: { if case .regex(let s) = $0 { s } else { nil } }),
        ConfigVariant("length", doc: "Closeness to a target length.",
                      wrap: Self.length, unwrap: { if case .length(let s) = $0 { s } else { nil } }),
        ConfigVariant("bleu", doc: "Sentence BLEU against the prompt's references (sacreBLEU defaults), 0–1.",
                      wrap: Self.bleu, unwrap: { if case .bleu(let s) = $0 { s } else { nil } }),
        ConfigVariant("chrf", doc: "Sentence chrF against the prompt's references (sacreBLEU defaults), 0–1.",
                      wrap: Self.chrf, unwrap: { if case .chrf(let s) = $0 { s } else { nil } }),
        ConfigVariant("rouge", doc: "ROUGE against the prompt's references (rouge-score).",
                      wrap: Self.rouge, unwrap: { if case .rouge(let s) = $0 { s } else { nil } }),
        ConfigVariant("repetition", doc: "1 − share of repeated n-grams (Lagutin et al. 2021; Welleck et al. 2019).",
                      wrap: Self.repetition, unwrap: { if case .repetition(let s) = $0 { s } else { nil } }),
        ConfigVariant("external", doc: "Scores from a long-running process speaking JSON lines (docs/external-rewards.md).",
                      wrap: Self.external, unwrap: { if case .external(let s) = $0 { s } else { nil } }),
    ]}

    /// The weight of this reward in the sum.
    public var weight: Double {
        switch self {
        case .keywords(let s): s.weight
        case .regex(let s): s.weight
        case .length(let s): s.weight
        case .bleu(let s), .chrf(let s): s.weight
        case .rouge(let s): s.weight
        case .repetition(let s): s.weight
        case .external(let s): s.weight
        }
    }

    /// The reward this table describes.
    public func makeReward() throws -> any RewardFunction {
        switch self {
        case .keywords(let s):
            return try KeywordReward(keywords: s.keywords, caseSensitive: s.caseSensitive)
        case .regex(let s):
            return try RegexReward(patterns: s.patterns, matchWholeCompletion: s.matchWholeCompletion,
                                   caseInsensitive: s.caseInsensitive)
        case .length(let s):
            return try LengthReward(targetLength: s.target, unit: s.unit,
                                    shape: s.gaussianWidth.map { .gaussian(width: $0) } ?? .linear)
        case .bleu:
            return BLEUReward()
        case .chrf:
            return CHRFReward()
        case .rouge(let s):
            return try ROUGEReward(type: try ROUGEType(name: s.rougeType), measure: s.measure, useStemmer: s.useStemmer)
        case .repetition(let s):
            return try NGramRepetitionReward(n: s.n, tokenization: s.tokenization)
        case .external(let s):
            var configuration = ExternalScorerConfiguration(executablePath: s.command.first ?? "",
                                                            arguments: Array(s.command.dropFirst()))
            configuration.timeoutPerBatch = s.timeout
            configuration.maxRestarts = s.maxRestarts
            return try ExternalProcessReward(configuration: configuration)
        }
    }
}

/// The settings of `type = "keywords"` (`KeywordReward`).
public struct KeywordRewardSection: ConfigSection {
    /// Weight in the sum of rewards (1).
    public var weight = 1.0
    /// Words the completion should contain (required).
    public var keywords: [String] = []
    /// Match case exactly (default: ignore case).
    public var caseSensitive = false

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("weight", \.weight, .double(), doc: "Weight in the sum of rewards."),
        .value("keywords", \.keywords, .array(of: .string), doc: "Words the completion should contain.", required: true),
        .value("case_sensitive", \.caseSensitive, .bool, doc: "Match case exactly."),
    ]}
}

/// The settings of `type = "regex"` (`RegexReward`).
public struct RegexRewardSection: ConfigSection {
    /// Weight in the sum of rewards (1).
    public var weight = 1.0
    /// Regular expressions in ICU syntax (required).
    public var patterns: [String] = []
    /// Require a match of the whole completion (default: anywhere).
    public var matchWholeCompletion = false
    /// Ignore case.
    public var caseInsensitive = false

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("weight", \.weight, .double(), doc: "Weight in the sum of rewards."),
        .value("patterns", \.patterns, .array(of: .string), doc: "Regular expressions (ICU syntax).", required: true),
        .value("match_whole_completion", \.matchWholeCompletion, .bool, doc: "Require a match of the whole completion."),
        .value("case_insensitive", \.caseInsensitive, .bool, doc: "Ignore case."),
    ]}
}

/// The settings of `type = "length"` (`LengthReward`).
public struct LengthRewardSection: ConfigSection {
    /// Weight in the sum of rewards (1).
    public var weight = 1.0
    /// The target length (20).
    public var target = 20.0
    /// What is counted (words).
    public var unit = LengthReward.Unit.words
    /// The width w of the Gaussian shape (nil: the linear shape −|d|/target).
    public var gaussianWidth: Double? = nil

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("weight", \.weight, .double(), doc: "Weight in the sum of rewards."),
        .value("target", \.target, .double(.greaterThan(0)), doc: "Target length."),
        .value("unit", \.unit, .choice(LengthReward.Unit.self), doc: "What is counted."),
        .optionalValue("gaussian_width", \.gaussianWidth, .double(.greaterThan(0)),
                       doc: "Score exp(−d²/2w²) with this width (unset: −|d|/target)."),
    ]}
}

/// The settings of `type = "bleu"` and `type = "chrf"` (sacreBLEU's defaults; references from `[prompts]`).
public struct ReferenceMetricSection: ConfigSection {
    /// Weight in the sum of rewards (1).
    public var weight = 1.0

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("weight", \.weight, .double(), doc: "Weight in the sum of rewards (references come from [prompts])."),
    ]}
}

/// The settings of `type = "rouge"` (`ROUGEReward`; references from `[prompts]`).
public struct ROUGERewardSection: ConfigSection {
    /// Weight in the sum of rewards (1).
    public var weight = 1.0
    /// Which ROUGE: rouge1, rouge2, rougeL (default) or rougeLsum.
    public var rougeType = "rougeL"
    /// Precision, recall or F1 (default).
    public var measure = ROUGEReward.Measure.fmeasure
    /// Porter stemming, rouge-score's option (off).
    public var useStemmer = false

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("weight", \.weight, .double(), doc: "Weight in the sum of rewards."),
        .value("rouge_type", \.rougeType, .choice(["rouge1", "rouge2", "rougeL", "rougeLsum"]), doc: "Which ROUGE."),
        .value("measure", \.measure, .choice(ROUGEReward.Measure.self), doc: "Precision, recall or F."),
        .value("use_stemmer", \.useStemmer, .bool, doc: "Porter stemming (rouge-score's option)."),
    ]}
}

/// The settings of `type = "repetition"` (`NGramRepetitionReward`).
public struct RepetitionRewardSection: ConfigSection {
    /// Weight in the sum of rewards (1).
    public var weight = 1.0
    /// n-gram order (Lagutin et al. 2021: 4).
    public var n = 4
    /// Count tokens (default) or whitespace-separated words.
    public var tokenization = NGramRepetitionReward.Tokenization.tokens

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("weight", \.weight, .double(), doc: "Weight in the sum of rewards."),
        .value("n", \.n, .int(1...), doc: "n-gram order (Lagutin et al. 2021: 4)."),
        .value("tokenization", \.tokenization, .choice(NGramRepetitionReward.Tokenization.self), doc: "Count tokens or words."),
    ]}
}

/// The settings of `type = "external"` (`ExternalProcessReward`).
public struct ExternalRewardSection: ConfigSection {
    /// Weight in the sum of rewards (1).
    public var weight = 1.0
    /// Executable and arguments of the scorer process (required).
    public var command: [String] = []
    /// Seconds allowed per batch before the process is killed (60).
    public var timeout = 60.0
    /// Restarts allowed after crashes, hangs or malformed answers (3).
    public var maxRestarts = 3

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("weight", \.weight, .double(), doc: "Weight in the sum of rewards."),
        .value("command", \.command, .array(of: .string),
               doc: "Executable and arguments, e.g. [\"python3\", \"examples/rewards/keyword_scorer.py\"].", required: true),
        .value("timeout", \.timeout, .double(.greaterThan(0)), doc: "Seconds allowed per batch before the process is killed."),
        .value("max_restarts", \.maxRestarts, .int(0...), doc: "Restarts allowed after crashes, hangs or garbage."),
    ]}
}
