import GenRLModels
import GenRLNN

// Tables shared by the run configurations: decoding, optimizer and schedule,
// checkpoints and logging.

extension DecodingConfiguration: ConfigSection {
    /// The defaults of `init(maximumNewTokens:...)`.
    public init() { self.init(maximumNewTokens: 20) }

    /// The keys of the `[decoding]` table (the end token is the vocabulary's, not configurable).
    public static var fields: [ConfigField<Self>] {[
        .value("maximum_new_tokens", \.maximumNewTokens, .int(0...), doc: "Most tokens generated after the prompt (end token included)."),
        .value("minimum_new_tokens", \.minimumNewTokens, .int(0...), doc: "Fewest tokens before the end token may be chosen."),
        .value("temperature", \.temperature, .float(.greaterThan(0)), doc: "Softmax temperature τ (1: the model as it is)."),
        .optionalValue("top_k", \.topK, .int(1...), doc: "Keep only the k most likely tokens (Fan et al. 2018; unset: off)."),
        .optionalValue("top_p", \.topP, .float(.greaterThan(0, atMost: 1)),
                       doc: "Keep the most likely tokens up to mass p (Holtzman et al. 2020; unset: off)."),
        .value("greedy", \.greedy, .bool, doc: "Take the most likely token instead of sampling."),
        .value("stop_at_end_token", \.stopAtEndToken, .bool, doc: "Stop a sequence when it generates the end token."),
    ]}
}

/// The optimizer and its settings.
public enum OptimizerSection: TaggedConfigSection {
    case adam(AdamSection)
    case adamw(AdamWSection)
    case sgd(SGDSection)

    /// Adam with its defaults.
    public init() { self = .adam(AdamSection()) }

    /// The `type` values: adam, adamw, sgd.
    public static var variants: [ConfigVariant<Self>] {[
        ConfigVariant("adam", doc: "Adam (Kingma & Ba 2015) with L2 weight decay, as torch.optim.Adam.",
                      wrap: Self.adam, unwrap: { if case .adam(let s) = $0 { s } else { nil } }),
        ConfigVariant("adamw", doc: "AdamW (Loshchilov & Hutter 2019), decoupled weight decay, as torch.optim.AdamW.",
                      wrap: Self.adamw, unwrap: { if case .adamw(let s) = $0 { s } else { nil } }),
        ConfigVariant("sgd", doc: "Stochastic gradient descent with momentum, as torch.optim.SGD.",
                      wrap: Self.sgd, unwrap: { if case .sgd(let s) = $0 { s } else { nil } }),
    ]}

    /// The peak learning rate.
    public var learningRate: Float {
        switch self {
        case .adam(let s): s.learningRate
        case .adamw(let s): s.learningRate
        case .sgd(let s): s.learningRate
        }
    }

    /// A fresh optimizer.
    public func makeOptimizer() -> any Optimizer {
        switch self {
        case .adam(let s): Adam(learningRate: s.learningRate, betas: (s.beta1, s.beta2), epsilon: s.epsilon, weightDecay: s.weightDecay)
        case .adamw(let s): AdamW(learningRate: s.learningRate, betas: (s.beta1, s.beta2), epsilon: s.epsilon, weightDecay: s.weightDecay)
        case .sgd(let s): SGD(learningRate: s.learningRate, momentum: s.momentum, nesterov: s.nesterov, weightDecay: s.weightDecay)
        }
    }
}

/// The settings of `type = "adam"` (PyTorch's defaults, learning rate aside).
public struct AdamSection: ConfigSection {
    /// Peak step size (1e-5; TRL PPO: 1.41e-5).
    public var learningRate: Float = 1e-5
    /// First-moment decay β₁ (0.9).
    public var beta1: Float = 0.9
    /// Second-moment decay β₂ (0.999).
    public var beta2: Float = 0.999
    /// Denominator term ε (1e-8).
    public var epsilon: Float = 1e-8
    /// L2 penalty added to the gradient (0).
    public var weightDecay: Float = 0

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("learning_rate", \.learningRate, .float(.greaterThan(0)), doc: "Peak step size (TRL PPO: 1.41e-5)."),
        .value("beta1", \.beta1, .float(0.0..<1.0), doc: "First-moment decay (0.9)."),
        .value("beta2", \.beta2, .float(0.0..<1.0), doc: "Second-moment decay (0.999)."),
        .value("epsilon", \.epsilon, .float(.greaterThan(0)), doc: "Denominator term ε (1e-8)."),
        .value("weight_decay", \.weightDecay, .float(0.0...), doc: "L2 penalty added to the gradient (0)."),
    ]}
}

/// The settings of `type = "adamw"` (PyTorch's defaults, learning rate aside).
public struct AdamWSection: ConfigSection {
    /// Peak step size (1e-5).
    public var learningRate: Float = 1e-5
    /// First-moment decay β₁ (0.9).
    public var beta1: Float = 0.9
    /// Second-moment decay β₂ (0.999).
    public var beta2: Float = 0.999
    /// Denominator term ε (1e-8).
    public var epsilon: Float = 1e-8
    /// Decoupled weight decay (Loshchilov & Hutter 2019: 0.01).
    public var weightDecay: Float = 0.01

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("learning_rate", \.learningRate, .float(.greaterThan(0)), doc: "Peak step size."),
        .value("beta1", \.beta1, .float(0.0..<1.0), doc: "First-moment decay (0.9)."),
        .value("beta2", \.beta2, .float(0.0..<1.0), doc: "Second-moment decay (0.999)."),
        .value("epsilon", \.epsilon, .float(.greaterThan(0)), doc: "Denominator term ε (1e-8)."),
        .value("weight_decay", \.weightDecay, .float(0.0...), doc: "Decoupled weight decay (Loshchilov & Hutter 2019: 0.01)."),
    ]}
}

/// The settings of `type = "sgd"`.
public struct SGDSection: ConfigSection {
    /// Step size (0.01).
    public var learningRate: Float = 0.01
    /// Heavy-ball momentum (0: none).
    public var momentum: Float = 0
    /// Whether the momentum is Nesterov's.
    public var nesterov = false
    /// L2 penalty added to the gradient (0).
    public var weightDecay: Float = 0

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("learning_rate", \.learningRate, .float(.greaterThan(0)), doc: "Step size."),
        .value("momentum", \.momentum, .float(0.0..<1.0), doc: "Heavy-ball momentum (0)."),
        .value("nesterov", \.nesterov, .bool, doc: "Nesterov momentum."),
        .value("weight_decay", \.weightDecay, .float(0.0...), doc: "L2 penalty (0)."),
    ]}
}

/// The learning rate over the updates of a run.
public enum ScheduleSection: TaggedConfigSection {
    case constant(ConstantScheduleSection)
    case linear(WarmupScheduleSection)
    case cosine(WarmupScheduleSection)
    case step(StepScheduleSection)

    /// A constant learning rate.
    public init() { self = .constant(ConstantScheduleSection()) }

    /// The `type` values: constant, linear, cosine, step.
    public static var variants: [ConfigVariant<Self>] {[
        ConfigVariant("constant", doc: "The optimizer's learning rate throughout.",
                      wrap: Self.constant, unwrap: { if case .constant(let s) = $0 { s } else { nil } }),
        ConfigVariant("linear", doc: "Linear warm-up to the peak, then linear decay to the minimum.",
                      wrap: Self.linear, unwrap: { if case .linear(let s) = $0 { s } else { nil } }),
        ConfigVariant("cosine", doc: "Linear warm-up, then half a cosine down to the minimum.",
                      wrap: Self.cosine, unwrap: { if case .cosine(let s) = $0 { s } else { nil } }),
        ConfigVariant("step", doc: "Multiply by gamma every interval updates (StepLR).",
                      wrap: Self.step, unwrap: { if case .step(let s) = $0 { s } else { nil } }),
    ]}

    /// The schedule with `peak` from the optimizer, or nil for a constant rate.
    public func makeSchedule(peak: Float) -> (any LearningRateSchedule)? {
        switch self {
        case .constant: nil
        case .linear(let s): LinearWarmupDecaySchedule(peak: peak, warmupSteps: s.warmupSteps, totalSteps: s.totalSteps, minimum: s.minimum)
        case .cosine(let s): CosineWarmupDecaySchedule(peak: peak, warmupSteps: s.warmupSteps, totalSteps: s.totalSteps, minimum: s.minimum)
        case .step(let s): StepDecaySchedule(initial: peak, gamma: s.gamma, interval: s.interval)
        }
    }
}

/// `type = "constant"`, which has no settings.
public struct ConstantScheduleSection: ConfigSection {
    public init() {}
    /// None.
    public static var fields: [ConfigField<Self>] { [] }
}

/// The settings of `type = "linear"` and `type = "cosine"`.
public struct WarmupScheduleSection: ConfigSection {
    /// Updates of linear warm-up from 0 to the peak (0: none).
    public var warmupSteps = 0
    /// The update at which the decay reaches `minimum`.
    public var totalSteps = 1000
    /// The learning rate at the end of the decay (0).
    public var minimum: Float = 0

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("warmup_steps", \.warmupSteps, .int(0...), doc: "Updates of linear warm-up from 0 to the peak."),
        .value("total_steps", \.totalSteps, .int(1...), doc: "Update at which the decay reaches the minimum."),
        .value("minimum", \.minimum, .float(0.0...), doc: "Learning rate at the end of the decay."),
    ]}
}

/// The settings of `type = "step"` (PyTorch's StepLR).
public struct StepScheduleSection: ConfigSection {
    /// Updates between decays.
    public var interval = 1000
    /// Factor applied at each decay (0.1).
    public var gamma: Float = 0.1

    public init() {}

    /// The keys of the table.
    public static var fields: [ConfigField<Self>] {[
        .value("interval", \.interval, .int(1...), doc: "Updates between decays."),
        .value("gamma", \.gamma, .float(.greaterThan(0)), doc: "Factor applied at each decay (0.1)."),
    ]}
}

/// When checkpoints are written and how many are kept.
public struct CheckpointSection: ConfigSection {
    /// Iterations (steps) between checkpoints.
    public var interval = 50
    /// Checkpoints kept (older ones are deleted after a new one is complete).
    public var keep = 3

    public init() {}

    /// The keys of the `[checkpoints]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("interval", \.interval, .int(1...), doc: "Steps between checkpoints (one is also written at the end)."),
        .value("keep", \.keep, .int(1...), doc: "The last this many checkpoints are kept."),
    ]}
}

/// What the run logs besides metrics.
public struct LoggingSection: ConfigSection {
    /// Steps between sample logs (samples.jsonl).
    public var sampleInterval = 10
    /// Samples written each time.
    public var samplesPerLog = 8
    /// Seconds between progress lines when the output is not a terminal.
    public var progressInterval = 10.0

    public init() {}

    /// The keys of the `[logging]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("sample_interval", \.sampleInterval, .int(1...), doc: "Steps between writes to samples.jsonl."),
        .value("samples_per_log", \.samplesPerLog, .int(0...), doc: "Samples written each time."),
        .value("progress_interval", \.progressInterval, .double(.greaterThan(0)),
               doc: "Seconds between progress lines when not on a terminal."),
    ]}
}
