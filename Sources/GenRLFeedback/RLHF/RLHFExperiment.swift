import Foundation
import GenRLModels
import GenRLNN
import GenRLRL
import GenRLRewards
import GenRLTensor

/// Settings of the reward model in the RLHF loop.
public struct RewardModelSettings: Codable, Sendable, Equatable {
    /// Members of the ensemble (Christiano et al. 2017: 3).
    public var ensembleSize = 3
    /// How each member is trained (one epoch, as Ouyang et al. 2022).
    public var training = RewardModelTrainingConfiguration()
    /// Weight of the members' standard deviation subtracted from the reward (0: none).
    public var uncertaintyPenalty: Float = 0
    /// Where each member reads its reward from its value head (the papers: the last token;
    /// the mean over the completion learns faster on small recurrent backbones, see
    /// docs/preferences.md).
    public var pooling = RewardModel.Pooling.completionMean
    /// Whether the backbone learns with the value head (true, as the papers); false: only
    /// the value head learns, a linear reward on the pretrained model's features (a linear
    /// probe), so members differ only where their heads are unconstrained by the labels.
    public var trainBackbone = true

    /// The defaults (the values above).
    public init() {}
}

/// Online querying during RLHF: every `queryInterval` PPO iterations, sample candidate
/// pairs from the current policy, label the ones `selection` picks, and train the reward
/// model further (Christiano et al. 2017; Ziegler et al. 2019's online data collection).
public struct OnlineQueryingSettings: Codable, Sendable, Equatable {
    /// Query during training (false: offline RLHF, all labels collected first).
    public var enabled = false
    /// PPO iterations between query rounds.
    public var queryInterval = 20
    /// Candidate pairs sampled from the policy per round.
    public var candidatesPerRound = 512
    /// Pairs sent to the labeller per round.
    public var queriesPerRound = 200
    /// How the pairs are picked among the candidates (`feature_uncertainty`: with the
    /// default `FeatureUncertaintySettings`, every stored label counting as labelled).
    public var selection = QuerySelection.ensembleDisagreement
    /// Reward-model epochs over all labels after each round.
    public var rewardModelEpochs = 1

    /// The defaults (the values above).
    public init() {}
}

/// The RLHF experiment of the docs: a simulated labeller with a hidden gold reward labels
/// pairs sampled from the pretrained model; a reward-model ensemble learns from them; PPO
/// with a KL penalty optimises the policy against it; the gold reward is logged beside
/// the learned one and the KL (the over-optimisation watch).
public struct RLHFConfiguration: Codable, Sendable, Equatable {
    /// Prompts and the gold reward.
    public var task = PreferenceTaskConfiguration()
    /// The pretrained model directory (policy, reference and reward-model backbone).
    public var pretrained = "runs/preferences/pretrained"
    /// Where the run writes preferences.sqlite, metrics.jsonl, summary.json, curves.svg.
    public var output = "runs/preferences/rlhf"
    /// The simulated labeller.
    public var labeller = SimulatedLabellerConfiguration(temperature: 0.5, seed: 1)
    /// Pairs labelled before PPO starts.
    public var initialComparisons = 2000
    /// The reward model.
    public var rewardModel = RewardModelSettings()
    /// PPO. The KL to the reference enters as a differentiable loss term β·mean exact KL
    /// (`kl_placement = "loss"`): the exact KL as a per-token *reward* does not depend on
    /// the action taken, so it gives no gradient toward the reference (see
    /// docs/preferences.md); with `kl_estimator = "k1"` the reward placement of Ziegler et
    /// al. (2019) works as in the paper.
    public var ppo: PPO.Configuration = {
        var configuration = PPO.Configuration()
        configuration.batchSize = 32
        configuration.minibatchSize = 8
        configuration.klCoefficient = 0.2
        configuration.klPlacement = .loss
        return configuration
    }()
    /// How the rollouts' per-token KL is computed (the reward penalty when the KL is
    /// placed in the reward).
    public var klEstimator = KLEstimator.exact
    /// Adam's learning rate for the policy.
    public var learningRate: Float = 1e-4
    /// PPO iterations.
    public var iterations = 100
    /// Online querying (off by default: offline RLHF).
    public var online = OnlineQueryingSettings()
    /// Held-out prompts for evaluation rollouts and held-out pairs for reward-model accuracy.
    public var evaluationPrompts = 256
    /// Iterations between evaluation rollouts.
    public var evaluationInterval = 10
    /// Seed of sampling, the labeller's pairs and PPO.
    public var seed: UInt64 = 0

    /// The defaults (the values above).
    public init() {}
}

/// What an RLHF run reached.
public struct RLHFSummary: Codable, Sendable {
    /// Gold reward of the pretrained policy on the evaluation prompts.
    public var initialGold: Double
    /// Gold reward after training.
    public var finalGold: Double
    /// Exact summed KL(π ‖ π_ref) per sequence after training (nats).
    public var finalKL: Double
    /// The normalised learned reward on the evaluation prompts before training.
    public var initialLearned: Double
    /// The normalised learned reward after training.
    public var finalLearned: Double
    /// Labels used.
    public var labels: Int
    /// Held-out accuracy of the reward model after the offline phase.
    public var rewardModel: RewardModelAccuracyReport
    /// Wall-clock seconds.
    public var seconds: Double
}

/// Runs the RLHF loop, offline or online (`RLHFConfiguration.online`).
public enum RLHFExperiment {
    /// Runs the experiment described by `configuration`, writes its files and returns the
    /// summary; `log` receives progress lines.
    public static func run(_ configuration: RLHFConfiguration, log: @escaping (String) -> Void = { print($0) }) throws -> RLHFSummary {
        let start = Date()
        if configuration.online.enabled && configuration.online.selection == .goldInformative {
            throw FeedbackError.invalidConfiguration(
                "online.selection: gold_informative reads the gold reward, so only the active-querying experiment can use it")
        }
        let output = URL(fileURLWithPath: configuration.output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let task = try PreferenceTask(configuration: configuration.task)
        let pretrained = URL(fileURLWithPath: configuration.pretrained)
        let (policyModel, _, tokenizer) = try ModelDirectory.load(from: pretrained, valueHead: true, seed: configuration.seed)
        let (reference, _, _) = try ModelDirectory.load(from: pretrained, valueHead: false)

        // 1. The policy, its reward-model ensemble (on the pretrained backbone) and PPO.
        let ensemble = try RewardModelEnsemble.loading(from: pretrained, settings: configuration.rewardModel, seed: configuration.seed &+ 100)
        let learned = RewardModelReward(ensemble: ensemble, uncertaintyPenalty: configuration.rewardModel.uncertaintyPenalty)
        let policy = Policy(model: policyModel, tokenizer: tokenizer, decoding: task.decoding)
        let trainingPrompts = task.prompts(task.trainingPromptTexts, tokenizer: tokenizer)
        let setup = TrainingSetup(policy: policy, reference: reference, reward: learned,
                                  prompts: PromptSource(prompts: trainingPrompts, seed: configuration.seed),
                                  optimizer: Adam(learningRate: configuration.learningRate), seed: configuration.seed &+ 1,
                                  klEstimator: configuration.klEstimator)
        let evaluationPrompts = task.prompts(Array(task.evaluationPromptTexts.prefix(configuration.evaluationPrompts)),
                                             tokenizer: tokenizer)
        let watch = GoldRewardWatch(PPO(setup: setup, configuration: configuration.ppo), gold: task.gold, learned: learned,
                                    evaluationPrompts: evaluationPrompts, evaluationInterval: configuration.evaluationInterval,
                                    seed: configuration.seed &+ 2)
        let metrics = try MetricsLog(url: output.appendingPathComponent("metrics.jsonl"),
                                     printInterval: configuration.evaluationInterval,
                                     printedKeys: ["gold/mean", "learned/mean", "kl/mean", "eval/gold_mean", "eval/kl"], printer: log)

        // 2. Labels on pairs from the pretrained policy, in the SQLite store; the reward model.
        let storeURL = output.appendingPathComponent("preferences.sqlite")
        try? FileManager.default.removeItem(at: storeURL)
        let store = try PreferenceStore(path: storeURL.path)
        let labeller = SimulatedLabeller(name: "simulated", gold: task.gold, configuration: configuration.labeller)
        let loop = RLHFLoop(algorithm: watch, labeller: labeller, store: store,
                            rewardModelTrainer: RewardModelTrainer(ensemble: ensemble, configuration: configuration.rewardModel.training),
                            online: configuration.online, candidatePrompts: trainingPrompts, callbacks: [metrics],
                            seed: configuration.seed &+ 3)
        loop.onRound = { step, roundMetrics in try metrics.log(step: step, metrics: roundMetrics) }
        let trainMetrics = try loop.collectInitialLabels(configuration.initialComparisons)
        var generator = RandomGenerator(seed: configuration.seed &+ 4)
        let heldOut = task.samplePairs(model: reference, tokenizer: tokenizer, promptTexts: task.evaluationPromptTexts,
                                       count: configuration.evaluationPrompts, generator: &generator)
        let accuracy = try RewardModelAccuracyReport.evaluate(ensemble: ensemble, heldOut: heldOut, task: task,
                                                              labeller: configuration.labeller)
        log(String(format: "%d labels; reward model: train loss %.3f, held-out accuracy %.3f vs labels (ceiling %.3f), %.3f vs gold order",
                   try store.count(), trainMetrics["reward_model/loss"] ?? 0, accuracy.labelAccuracy, accuracy.labelCeiling,
                   accuracy.goldAccuracy))

        // 3. The learned reward normalised on the starting policy's samples (Ziegler et al. 2019), then PPO.
        learned.normalize(on: try store.records().flatMap { record in
            record.completions.map { Sample(index: 0, prompt: record.prompt, completion: $0) }
        })
        let initial = try watch.evaluate()
        let initialSamples = watch.lastEvaluation
        try metrics.log(step: 0, metrics: initial.merging(trainMetrics) { a, _ in a })
        try loop.run(iterations: configuration.iterations)
        let final = try watch.evaluate()
        try metrics.log(step: loop.trainer.step, metrics: final)
        try EvaluationSamplesFile.write([(0, initialSamples), (loop.trainer.step, watch.lastEvaluation)], in: output)
        try ModelDirectory.save(model: policyModel, configuration: try ModelDirectory.configuration(in: pretrained).withValueHead(true),
                                tokenizer: tokenizer, to: output.appendingPathComponent("policy"))

        let summary = RLHFSummary(initialGold: initial["eval/gold_mean"] ?? 0, finalGold: final["eval/gold_mean"] ?? 0,
                                  finalKL: final["eval/kl"] ?? 0, initialLearned: initial["eval/learned_mean"] ?? 0,
                                  finalLearned: final["eval/learned_mean"] ?? 0, labels: try store.count(), rewardModel: accuracy,
                                  seconds: Date().timeIntervalSince(start))
        try ExperimentFiles.writeJSON(summary, to: output.appendingPathComponent("summary.json"))
        try ExperimentFiles.overOptimizationChart(metrics, title: "RLHF with PPO: gold and learned reward, KL")
            .write(to: output.appendingPathComponent("curves.svg"))
        return summary
    }
}
