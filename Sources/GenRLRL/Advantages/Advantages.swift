import GenRLTensor

/// Per-token rewards, returns and advantages on [B, T] action grids (see `Rollout`).
/// Every function here is plain arithmetic on the rollout, outside the gradient tape.
public enum Advantages {
    /// The reward of each action: the terminal score on the last action of each sequence,
    /// plus dense scores, minus β·KL at every action when `klCoefficient` > 0 — the shaped
    /// reward of Ziegler et al. (2019): rₜ = −β·KLₜ + [t = last]·score.
    public static func perTokenRewards(_ rollout: Rollout, klCoefficient: Double = 0) -> Tensor {
        let (batch, steps) = (rollout.batchSize, rollout.steps)
        var rewards = [Float](repeating: 0, count: batch * steps)
        let last = rollout.lastActionIndex
        let terminal = rollout.terminalRewards.scalars
        for i in 0..<batch where last[i] >= 0 {
            rewards[i * steps + last[i]] += terminal[i]
        }
        var result = Tensor(rewards, shape: [batch, steps])
        if let dense = rollout.denseRewards { result = result + dense }
        if klCoefficient > 0, let kl = rollout.klPerToken { result = result - kl * Float(klCoefficient) }
        return result * rollout.actionMask
    }

    /// Discounted reward-to-go Gₜ = Σ_{k≥t} γ^{k−t} r_k along each row, over masked actions.
    public static func rewardsToGo(_ rewards: Tensor, mask: Tensor, gamma: Float = 1) -> Tensor {
        let (batch, steps) = (rewards.shape[0], rewards.shape[1])
        let r = rewards.scalars, m = mask.scalars
        var returns = [Float](repeating: 0, count: batch * steps)
        for i in 0..<batch {
            var running: Float = 0
            for t in stride(from: steps - 1, through: 0, by: -1) where m[i * steps + t] != 0 {
                running = r[i * steps + t] + gamma * running
                returns[i * steps + t] = running
            }
        }
        return Tensor(returns, shape: [batch, steps])
    }

    /// Generalised advantage estimation (Schulman et al. 2016) over masked actions:
    ///
    ///   δₜ = rₜ + γ·V(sₜ₊₁) − V(sₜ),   Âₜ = δₜ + γλ·Âₜ₊₁,   returnₜ = Âₜ + V(sₜ)
    ///
    /// with V = 0 after a sequence's last action. Returns (advantages, returns).
    public static func generalizedAdvantages(rewards: Tensor, values: Tensor, mask: Tensor, gamma: Float = 1,
                                             lambda: Float = 0.95) -> (advantages: Tensor, returns: Tensor) {
        let (batch, steps) = (rewards.shape[0], rewards.shape[1])
        let r = rewards.scalars, v = values.scalars, m = mask.scalars
        var advantages = [Float](repeating: 0, count: batch * steps)
        for i in 0..<batch {
            var nextValue: Float = 0, running: Float = 0
            for t in stride(from: steps - 1, through: 0, by: -1) where m[i * steps + t] != 0 {
                let delta = r[i * steps + t] + gamma * nextValue - v[i * steps + t]
                running = delta + gamma * lambda * running
                advantages[i * steps + t] = running
                nextValue = v[i * steps + t]
            }
        }
        let advantageTensor = Tensor(advantages, shape: [batch, steps])
        return (advantageTensor, (advantageTensor + values) * mask)
    }

    /// (x − mean)/(std + 10⁻⁸) over the masked entries, std unbiased (TRL's
    /// `masked_whiten`); with `shiftMean` false the mean is added back.
    public static func whitened(_ x: Tensor, mask: Tensor, shiftMean: Bool = true) -> Tensor {
        let values = x.scalars, m = mask.scalars
        let n = m.reduce(0, +)
        guard n > 1 else { return x * mask }
        var mean = 0.0
        for (value, keep) in zip(values, m) where keep != 0 { mean += Double(value) }
        mean /= Double(n)
        var variance = 0.0
        for (value, keep) in zip(values, m) where keep != 0 { variance += (Double(value) - mean) * (Double(value) - mean) }
        variance /= Double(n - 1)
        let scale = Float(1 / (variance.squareRoot() + 1e-8))
        let shift = Float(mean)
        return Tensor(zip(values, m).map { value, keep in
            keep == 0 ? 0 : (value - shift) * scale + (shiftMean ? 0 : shift)
        }, shape: x.shape)
    }

    /// The sequence-level advantage `perSample[i]` on every masked action of row i.
    public static func broadcastToActions(_ perSample: [Float], mask: Tensor) -> Tensor {
        Tensor(perSample, shape: [perSample.count, 1]) * mask
    }

    // MARK: Baselines for sequence rewards

    /// r − mean(r) over valid samples.
    public static func batchMeanBaseline(_ rewards: [Float], valid: [Float]) -> [Float] {
        let n = valid.reduce(0, +)
        let mean = n > 0 ? zip(rewards, valid).map { $0 * $1 }.reduce(0, +) / n : 0
        return rewards.map { $0 - mean }
    }

    /// r − mean of the other valid samples of the same group (RLOO: Kool et al. 2019,
    /// Ahmadian et al. 2024); a sample alone in its group keeps its reward.
    public static func leaveOneOutBaseline(_ rewards: [Float], groups: [Int], valid: [Float]) -> [Float] {
        var sums: [Int: (Float, Float)] = [:]
        for (i, g) in groups.enumerated() {
            let (s, n) = sums[g] ?? (0, 0)
            sums[g] = (s + rewards[i] * valid[i], n + valid[i])
        }
        return rewards.indices.map { i in
            let (s, n) = sums[groups[i]]!
            let others = n - valid[i]
            return others > 0 ? rewards[i] - (s - rewards[i] * valid[i]) / others : rewards[i]
        }
    }

    /// (r − mean_g)/(std_g + ε) within each group (GRPO: Shao et al. 2024); std is the
    /// unbiased sample deviation as in the DeepSeekMath implementation; a group whose
    /// rewards are all equal gets advantages 0.
    public static func groupNormalized(_ rewards: [Float], groups: [Int], valid: [Float], epsilon: Float = 1e-4) -> [Float] {
        var members: [Int: [Int]] = [:]
        for (i, g) in groups.enumerated() where valid[i] != 0 { members[g, default: []].append(i) }
        var result = [Float](repeating: 0, count: rewards.count)
        for (_, indices) in members {
            let values = indices.map { rewards[$0] }
            let mean = values.reduce(0, +) / Float(values.count)
            let variance = values.count > 1
                ? values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count - 1) : 0
            for i in indices { result[i] = (rewards[i] - mean) / (variance.squareRoot() + epsilon) }
        }
        return result
    }
}

/// An exponential moving average of the reward, REINFORCE's classic baseline:
/// b ← decay·b + (1 − decay)·mean(r), started at the first batch's mean.
public struct MovingAverageBaseline: Codable, Sendable, Equatable {
    /// The weight of the old value in the update (0.9 by default).
    public var decay: Float
    /// The current baseline b; nil until the first `update(with:)`.
    public private(set) var value: Float?

    /// A baseline with no value yet.
    public init(decay: Float = 0.9) { self.decay = decay }

    /// The baseline to subtract for this batch (before updating with it).
    public func current(orMean mean: Float) -> Float { value ?? mean }

    /// Folds in a batch's mean reward: b ← decay·b + (1 − decay)·mean (b ← mean the first time).
    public mutating func update(with mean: Float) {
        value = value.map { decay * $0 + (1 - decay) * mean } ?? mean
    }
}
