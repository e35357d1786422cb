import GenRLRL

// The TOML tables of the policy-gradient algorithms: one field per configuration
// property, documented with its paper default (the same defaults as the Swift types).

extension REINFORCE.Configuration: ConfigSection {
    /// The keys of the `[reinforce]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("batch_size", \.batchSize, .int(1...), doc: "Prompts (and samples) per batch."),
        .value("baseline", \.baseline, .choice(REINFORCE.Baseline.self),
               doc: "Baseline subtracted from the returns (classic: moving average)."),
        .value("baseline_decay", \.baselineDecay, .float(0.0..<1.0), doc: "Decay of the moving-average baseline (0.9)."),
        .value("entropy_coefficient", \.entropyCoefficient, .float(0.0...), doc: "Weight of the entropy bonus (0.01)."),
        .value("kl_coefficient", \.klCoefficient, .double(0.0...), doc: "β of a KL penalty in the rewards (0: none)."),
        .value("gamma", \.gamma, .float(0.0...1.0), doc: "Discount of the reward-to-go (1 for text)."),
        .optionalValue("max_gradient_norm", \.maxGradientNorm, .float(.greaterThan(0)), doc: "Gradient-norm clip (1)."),
    ]}
}

extension SCST.Configuration: ConfigSection {
    /// The keys of the `[scst]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("batch_size", \.batchSize, .int(1...), doc: "Prompts per batch: one sample and one greedy decode each."),
        .value("entropy_coefficient", \.entropyCoefficient, .float(0.0...), doc: "Entropy bonus (Rennie et al. 2017: none)."),
        .value("kl_coefficient", \.klCoefficient, .double(0.0...), doc: "β of a KL penalty in the rewards (paper: none)."),
        .optionalValue("max_gradient_norm", \.maxGradientNorm, .float(.greaterThan(0)), doc: "Gradient-norm clip (1)."),
    ]}
}

extension MIXER.Configuration: ConfigSection {
    /// The keys of the `[mixer]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("batch_size", \.batchSize, .int(1...), doc: "Reference sequences per batch."),
        .value("initial_mle_tokens", \.initialMLETokens, .int(0...),
               doc: "Prefix length trained by MLE at the start (Ranzato et al. 2016: the whole sequence)."),
        .value("mle_tokens_decrement", \.mleTokensDecrement, .int(1...), doc: "Δ, tokens moved to REINFORCE per stage (2)."),
        .value("iterations_per_stage", \.iterationsPerStage, .int(1...), doc: "Iterations per annealing stage."),
        .value("mle_weight", \.mleWeight, .float(0.0...), doc: "Weight of the MLE part (1)."),
        .value("baseline_decay", \.baselineDecay, .float(0.0..<1.0), doc: "Decay of the moving-average baseline (0.9)."),
        .optionalValue("max_gradient_norm", \.maxGradientNorm, .float(.greaterThan(0)), doc: "Gradient-norm clip (1)."),
    ]}
}

extension PPO.Configuration: ConfigSection {
    /// The keys of the `[ppo]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("batch_size", \.batchSize, .int(1...), doc: "Prompts per rollout (TRL: 64)."),
        .value("epochs", \.epochs, .int(1...), doc: "Passes over each rollout (Schulman et al. 2017; TRL: 4)."),
        .value("minibatch_size", \.minibatchSize, .int(1...), doc: "Sequences per minibatch."),
        .value("clip_epsilon", \.clipEpsilon, .float(.greaterThan(0)), doc: "Policy ratio clip ε (Schulman et al. 2017: 0.2)."),
        .optionalValue("value_clip_epsilon", \.valueClipEpsilon, .float(.greaterThan(0)),
                       doc: "Clip of the values around the old ones (TRL: 0.2; unset: unclipped)."),
        .value("value_coefficient", \.valueCoefficient, .float(0.0...), doc: "Weight of the value loss (TRL: 0.1)."),
        .value("entropy_coefficient", \.entropyCoefficient, .float(0.0...), doc: "Entropy bonus (TRL: 0)."),
        .value("gamma", \.gamma, .float(0.0...1.0), doc: "Discount γ (1 for text)."),
        .value("lambda", \.lambda, .float(0.0...1.0), doc: "GAE λ (Schulman et al. 2016; TRL: 0.95)."),
        .value("whiten_advantages", \.whitenAdvantages, .bool, doc: "Whiten advantages over each rollout (TRL: yes)."),
        .value("kl_coefficient", \.klCoefficient, .double(0.0...), doc: "Initial KL coefficient β (Ziegler et al. 2019: 0.2)."),
        .optionalValue("target_kl", \.targetKL, .double(.greaterThan(0)),
                       doc: "Adapt β toward this KL per sequence in nats (Ziegler et al.: 6; unset: fixed β)."),
        .value("kl_horizon", \.klHorizon, .double(.greaterThan(0)), doc: "Horizon of the adaptive controller (TRL: 10000)."),
        .value("kl_placement", \.klPlacement, .choice(PPO.KLPlacement.self), doc: "KL as a loss term (exact gradient; the default) or a per-token reward penalty (TRL; use it with kl_estimator = \"k1\": the exact KL as a reward loses its direct gradient)."),
        .optionalValue("max_gradient_norm", \.maxGradientNorm, .float(.greaterThan(0)), doc: "Gradient-norm clip (1)."),
        .optionalValue("early_stop_kl", \.earlyStopKL, .float(.greaterThan(0)),
                       doc: "Stop a rollout's epochs above this approximate KL (CleanRL target_kl; unset: never)."),
    ]}
}

extension GRPO.Configuration: ConfigSection {
    /// The keys of the `[grpo]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("prompts_per_batch", \.promptsPerBatch, .int(1...), doc: "Distinct prompts per batch."),
        .value("group_size", \.groupSize, .int(2...), doc: "Completions per prompt G (TRL: 8; DeepSeekMath: 64)."),
        .value("iterations", \.iterations, .int(1...), doc: "Gradient steps μ per batch (Shao et al. 2024: 1)."),
        .value("clip_epsilon", \.clipEpsilon, .float(.greaterThan(0)), doc: "Ratio clip ε (0.2)."),
        .value("kl_coefficient", \.klCoefficient, .float(0.0...), doc: "KL weight β (Shao et al. 2024: 0.04)."),
        .value("kl_estimator", \.klEstimator, .choice(KLEstimator.self), doc: "KL estimator in the loss (paper: k3)."),
        .value("advantage_epsilon", \.advantageEpsilon, .float(.greaterThan(0)), doc: "Added to the group standard deviation."),
        .value("loss_aggregation", \.lossAggregation, .choice(GRPO.LossAggregation.self),
               doc: "Mean per sequence then over sequences (paper), or over all tokens (DAPO)."),
        .optionalValue("max_gradient_norm", \.maxGradientNorm, .float(.greaterThan(0)), doc: "Gradient-norm clip (1)."),
    ]}
}

extension RLOO.Configuration: ConfigSection {
    /// The keys of the `[rloo]` table.
    public static var fields: [ConfigField<Self>] {[
        .value("prompts_per_batch", \.promptsPerBatch, .int(1...), doc: "Distinct prompts per batch."),
        .value("samples_per_prompt", \.samplesPerPrompt, .int(2...), doc: "Completions per prompt k (Ahmadian et al. 2024: 2 or 4)."),
        .value("kl_coefficient", \.klCoefficient, .double(0.0...), doc: "β of the sequence KL penalty (TRL: 0.05)."),
        .value("normalize_advantages", \.normalizeAdvantages, .bool, doc: "Whiten the advantages over the batch (TRL: no)."),
        .optionalValue("max_gradient_norm", \.maxGradientNorm, .float(.greaterThan(0)), doc: "Gradient-norm clip (1)."),
    ]}
}

extension NLPO.Configuration: ConfigSection {
    /// The keys of the `[nlpo]` table, with its `[nlpo.ppo]` sub-table.
    public static var fields: [ConfigField<Self>] {[
        .value("top_p", \.topP, .float(.greaterThan(0, atMost: 1)), doc: "Mass of the masking policy's top-p set (RL4LMs: 0.9)."),
        .value("minimum_tokens", \.minimumTokens, .int(1...), doc: "Fewest tokens the mask keeps (RL4LMs: 100 of 50257)."),
        .value("mask_update_interval", \.maskUpdateInterval, .int(1...),
               doc: "Iterations between refreshes of the masking policy (RL4LMs: 5)."),
        .section("ppo", \.ppo, doc: "The PPO part of NLPO."),
    ]}
}

