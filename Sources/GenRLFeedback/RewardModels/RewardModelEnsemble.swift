import Foundation
import GenRLModels
import GenRLRewards
import GenRLTensor

/// Several reward models trained on the same preferences from different starting heads
/// (and, by default, bootstrap resamples of the data): a deep ensemble (Lakshminarayanan
/// et al. 2017). Their mean is the reward; their spread is the uncertainty that active
/// querying asks about (Christiano et al. 2017 query the pairs on which an ensemble's
/// predictions vary most).
public final class RewardModelEnsemble {
    /// The members.
    public let members: [RewardModel]

    /// An ensemble of `members`.
    public init(members: [RewardModel]) {
        precondition(!members.isEmpty, "RewardModelEnsemble needs at least one member")
        self.members = members
    }

    /// `size` members, each the model saved in `directory` with a fresh value head
    /// initialised from seed `seed + member`.
    public static func loading(from directory: URL, size: Int, seed: UInt64,
                               pooling: RewardModel.Pooling = .lastToken) throws -> RewardModelEnsemble {
        RewardModelEnsemble(members: try (0..<size).map { member in
            let (model, _, tokenizer) = try ModelDirectory.load(from: directory, valueHead: true, seed: seed &+ UInt64(member))
            return RewardModel(backbone: model, tokenizer: tokenizer, pooling: pooling)
        })
    }

    /// The ensemble `settings` describe (size, pooling, and with `trainBackbone` false a
    /// frozen backbone under each trainable head), from the model saved in `directory`;
    /// member i's head is initialised from seed `seed + i`.
    public static func loading(from directory: URL, settings: RewardModelSettings, seed: UInt64) throws -> RewardModelEnsemble {
        let ensemble = try loading(from: directory, size: settings.ensembleSize, seed: seed, pooling: settings.pooling)
        if !settings.trainBackbone {
            for member in ensemble.members {
                member.backbone.freeze()
                member.backbone.unfreeze(["valueHead."])
            }
        }
        return ensemble
    }

    /// Each member's rewards, [member][sample].
    public func memberRewards(prompts: [String], completions: [String]) -> [[Float]] {
        members.map { $0.rewards(prompts: prompts, completions: completions) }
    }

    /// Mean and standard deviation over the members of each sample's reward.
    public func rewards(prompts: [String], completions: [String]) -> (mean: [Float], standardDeviation: [Float]) {
        let all = memberRewards(prompts: prompts, completions: completions)
        let count = Float(all.count)
        let mean = (0..<prompts.count).map { i in all.map { $0[i] }.reduce(0, +) / count }
        let deviation = (0..<prompts.count).map { i in
            (all.map { ($0[i] - mean[i]) * ($0[i] - mean[i]) }.reduce(0, +) / count).squareRoot()
        }
        return (mean, deviation)
    }

    /// For each query, each member's probability that completion 0 beats completion 1,
    /// σ(r₀ − r₁): [query][member]. (Queries with more completions use their first two.)
    public func preferenceProbabilities(_ queries: [PreferenceQuery]) -> [[Double]] {
        let prompts = queries.flatMap { [$0.prompt, $0.prompt] }
        let completions = queries.flatMap { [$0.completions[0], $0.completions[1]] }
        let all = memberRewards(prompts: prompts, completions: completions)
        return queries.indices.map { q in
            all.map { rewards in 1 / (1 + exp(-Double(rewards[2 * q] - rewards[2 * q + 1]))) }
        }
    }

    /// The ensemble's probability that completion 0 beats completion 1: the members' mean.
    public func meanPreferenceProbabilities(_ queries: [PreferenceQuery]) -> [Double] {
        preferenceProbabilities(queries).map { $0.reduce(0, +) / Double($0.count) }
    }

    /// How much the members disagree about each query: the standard deviation over
    /// members of their preference probabilities (0 with one member).
    public func disagreement(_ queries: [PreferenceQuery]) -> [Double] {
        preferenceProbabilities(queries).map { probabilities in
            let mean = probabilities.reduce(0, +) / Double(probabilities.count)
            return (probabilities.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(probabilities.count)).squareRoot()
        }
    }
}

/// The ensemble as a reward for RL: the members' mean reward, optionally minus
/// `uncertaintyPenalty` × their standard deviation (a conservative reward against
/// over-optimisation, Coste et al. 2024), shifted and scaled by `normalization` so that
/// the policy's starting samples have mean 0 and standard deviation 1 (Ziegler et al.
/// 2019 normalise their reward model this way).
public final class RewardModelReward: RewardFunction {
    /// The reward's name in metrics.
    public let name: String
    /// The ensemble.
    public let ensemble: RewardModelEnsemble
    /// Weight of the members' standard deviation subtracted from their mean (0: none).
    public var uncertaintyPenalty: Float
    /// (shift, scale): the reward is (r − shift)/scale.
    public var normalization: (shift: Float, scale: Float) = (0, 1)

    /// The reward of `ensemble`.
    public init(name: String = "reward_model", ensemble: RewardModelEnsemble, uncertaintyPenalty: Float = 0) {
        self.name = name
        self.ensemble = ensemble
        self.uncertaintyPenalty = uncertaintyPenalty
    }

    /// The unnormalised reward of each sample.
    public func rawRewards(_ samples: [Sample]) -> [Float] {
        let (mean, deviation) = ensemble.rewards(prompts: samples.map(\.prompt), completions: samples.map(\.completion))
        return zip(mean, deviation).map { $0 - uncertaintyPenalty * $1 }
    }

    /// Sets `normalization` so that `samples` get mean 0 and standard deviation 1.
    public func normalize(on samples: [Sample]) {
        let raw = rawRewards(samples)
        let mean = raw.reduce(0, +) / Float(max(raw.count, 1))
        let variance = raw.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(max(raw.count, 1))
        normalization = (mean, max(variance.squareRoot(), 1e-6))
    }

    /// Scores every sample (see the type's description).
    public func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: rawRewards(samples).map { Double(($0 - normalization.shift) / normalization.scale) })
    }
}
