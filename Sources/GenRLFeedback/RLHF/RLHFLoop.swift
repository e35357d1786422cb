import Foundation
import GenRLModels
import GenRLRL
import GenRLTensor

/// The RLHF loop (Christiano et al. 2017; Ziegler et al. 2019; Stiennon et al. 2020;
/// Ouyang et al. 2022) over GenRL's parts:
///
/// - offline: collect labels on pairs sampled from the starting policy, train the reward
///   model, then run the policy-gradient algorithm (PPO with a KL penalty) against it;
/// - online: the same start, then repeatedly — `queryInterval` iterations of the
///   algorithm, sample candidate pairs from the current policy, ask the labeller about
///   those `selection` picks (the ones the ensemble disagrees on most), store the labels,
///   train the reward model further on all labels, and continue.
///
/// The algorithm's reward must be the `RewardModelReward` of `rewardModelTrainer`'s
/// ensemble, so that what the loop learns is what the policy optimises.
public final class RLHFLoop {
    /// The policy-gradient algorithm (possibly wrapped in a `GoldRewardWatch`).
    public let algorithm: any PolicyGradientAlgorithm
    /// Who labels.
    public let labeller: any Labeller
    /// Where every label goes, appended in one transaction per round.
    public let store: PreferenceStore
    /// Trains the reward-model ensemble.
    public let rewardModelTrainer: RewardModelTrainer
    /// Online querying settings (`enabled` false: offline).
    public let online: OnlineQueryingSettings
    /// The prompts that candidate pairs are sampled for.
    public let candidatePrompts: [Prompt]
    /// Runs the algorithm and its callbacks.
    public let trainer: Trainer
    /// Called with each query round's metrics (`labels/count`, `reward_model/loss`, ...)
    /// and the step it ended at.
    public var onRound: ((Int, [String: Double]) throws -> Void)?
    private var generator: RandomGenerator
    private var round = 0

    /// A loop over these parts; `seed` draws candidate pairs and random selections.
    public init(algorithm: any PolicyGradientAlgorithm, labeller: any Labeller, store: PreferenceStore,
                rewardModelTrainer: RewardModelTrainer, online: OnlineQueryingSettings, candidatePrompts: [Prompt],
                callbacks: [any TrainingCallback] = [], seed: UInt64) {
        precondition(!candidatePrompts.isEmpty, "RLHFLoop needs prompts to sample candidate pairs for")
        self.algorithm = algorithm
        self.labeller = labeller
        self.store = store
        self.rewardModelTrainer = rewardModelTrainer
        self.online = online
        self.candidatePrompts = candidatePrompts
        trainer = Trainer(algorithm: algorithm, callbacks: callbacks)
        generator = RandomGenerator(seed: seed)
    }

    /// `count` comparisons of two completions of the current policy for random prompts.
    public func sampleCandidates(_ count: Int) -> [PreferenceQuery] {
        let policy = algorithm.setup.policy
        return PreferenceQuery.sampledPairs(model: policy.model, tokenizer: policy.tokenizer, prompts: candidatePrompts,
                                            decoding: policy.decoding, count: count, generator: &generator)
    }

    /// Labels `queries`, stores the labels (one transaction) and returns how many were given.
    @discardableResult
    public func label(_ queries: [PreferenceQuery], selection: String) throws -> Int {
        let tagged = queries.map { query in
            var query = query
            query.metadata = ["round": "\(round)", "selection": selection]
            return query
        }
        let records = try labeller.records(for: tagged)
        try store.append(records)
        return records.count
    }

    /// Trains the reward model on every stored label; returns its metrics.
    @discardableResult
    public func trainRewardModel(epochs: Int? = nil) throws -> [String: Double] {
        rewardModelTrainer.train(try store.records().map(PreferenceExample.init), epochs: epochs)
    }

    /// The offline start: labels for `count` pairs from the current (starting) policy, and
    /// the reward model trained on them. Returns the reward model's metrics.
    @discardableResult
    public func collectInitialLabels(_ count: Int) throws -> [String: Double] {
        try label(sampleCandidates(count), selection: QuerySelection.random.rawValue)
        return try trainRewardModel()
    }

    /// Runs the algorithm until `iterations`, querying online when enabled.
    public func run(iterations: Int) throws {
        guard online.enabled else {
            try trainer.run(iterations: iterations)
            return
        }
        while trainer.step < iterations {
            try trainer.run(iterations: min(trainer.step + online.queryInterval, iterations))
            guard trainer.step < iterations else { break }
            round += 1
            let candidates = sampleCandidates(online.candidatesPerRound)
            let labelled = online.selection.usesLinearHeadPosterior
                ? try store.records().map { PreferenceQuery(prompt: $0.prompt, completions: $0.completions) } : []
            let picked = try online.selection.select(online.queriesPerRound, from: candidates, labelled: labelled,
                                                     ensemble: rewardModelTrainer.ensemble, generator: &generator)
            try label(picked.map { candidates[$0] }, selection: online.selection.rawValue)
            var metrics = try trainRewardModel(epochs: online.rewardModelEpochs)
            metrics["labels/count"] = Double(try store.count())
            try onRound?(trainer.step, metrics)
        }
    }
}

extension PreferenceQuery {
    /// `count` comparisons of two completions sampled from `model` for prompts drawn from
    /// `prompts` (with replacement), in chunks of `chunkSize`; pairs whose two
    /// completions are equal are drawn again (at most `count` × 10 draws in all).
    public static func sampledPairs(model: any LanguageModel, tokenizer: any Tokenizer, prompts: [Prompt],
                                    decoding: DecodingConfiguration, count: Int, generator: inout RandomGenerator,
                                    chunkSize: Int = 128) -> [PreferenceQuery] {
        var queries: [PreferenceQuery] = [], drawn = 0
        while queries.count < count && drawn < 10 * max(count, 1) {
            let chunk = min(chunkSize, count - queries.count)
            drawn += chunk
            let chosen = (0..<chunk).map { _ in prompts[generator.nextInt(below: prompts.count)] }
            let generated = Generation.sample(model: model, prompts: chosen.flatMap { [$0.tokens, $0.tokens] },
                                              configuration: decoding, generator: &generator)
            for (i, prompt) in chosen.enumerated() {
                let texts = [2 * i, 2 * i + 1].map { tokenizer.decode(generated.completion($0).filter { $0 != Vocabulary.endID }) }
                if texts[0] != texts[1] { queries.append(PreferenceQuery(prompt: prompt.text, completions: texts)) }
            }
        }
        return queries
    }
}
