import Foundation
import GenRLFeedback
import GenRLModels
import GenRLNN
import GenRLRL
import GenRLRewards
import GenRLTensor
import Testing

/// The toy world of the smoke runs: completions of up to 6 letters a–d from a bigram
/// policy that starts uniform; the hidden gold reward is the fraction of letters that are
/// "a" (about 0.2 at the start).
enum ToyPreferences {
    static let tokenizer = try! CharacterTokenizer(scalars: ["a", "b", "c", "d"])
    static let decoding = DecodingConfiguration(maximumNewTokens: 6)
    static let prompts = [Prompt.unconditional]

    static func gold() -> ClosureReward {
        ClosureReward(name: "fraction_a") { samples in
            samples.map { sample in
                let letters = sample.completion.filter { "abcd".contains($0) }
                return letters.isEmpty ? 0 : Double(letters.filter { $0 == "a" }.count) / Double(letters.count)
            }
        }
    }

    static func rewardModel(seed: UInt64) -> RewardModel {
        var generator = RandomGenerator(seed: seed)
        let backbone = RecurrentLanguageModel(
            RecurrentLanguageModelConfiguration(vocabularySize: tokenizer.vocabularySize, cell: .gru, embeddingSize: 8,
                                                hiddenSize: 16, valueHead: true), generator: &generator)
        return RewardModel(backbone: backbone, tokenizer: tokenizer, pooling: .completionMean)
    }

    static func ensemble(size: Int) -> RewardModelEnsemble {
        RewardModelEnsemble(members: (0..<size).map { rewardModel(seed: 10 + UInt64($0)) })
    }

    static func rewardModelTraining(epochs: Int = 12) -> RewardModelTrainingConfiguration {
        var configuration = RewardModelTrainingConfiguration()
        configuration.epochs = epochs
        configuration.learningRate = 1e-2
        configuration.batchSize = 16
        return configuration
    }

    static func pairs(_ count: Int, seed: UInt64) -> [PreferenceQuery] {
        var generator = RandomGenerator(seed: seed)
        return PreferenceQuery.sampledPairs(model: BigramLanguageModel(vocabularySize: tokenizer.vocabularySize), tokenizer: tokenizer,
                                            prompts: prompts, decoding: decoding, count: count, generator: &generator)
    }

    static func labeller(seed: UInt64 = 1) -> SimulatedLabeller {
        SimulatedLabeller(gold: gold(), configuration: .init(temperature: 0.05, seed: seed))
    }

    /// Mean gold reward of 256 samples of `model`.
    static func meanGold(_ model: any LanguageModel, seed: UInt64 = 99) throws -> Double {
        var generator = RandomGenerator(seed: seed)
        let batch = Generation.sample(model: model, count: 256, configuration: decoding, generator: &generator)
        let samples = (0..<256).map { Sample(index: $0, completion: tokenizer.decode(batch.completion($0))) }
        let scores = try gold().score(samples).terminal.compactMap { $0 }
        return scores.reduce(0, +) / Double(scores.count)
    }
}

@Suite("Reward models and RLHF, end to end on a toy task")
struct EndToEndTests {
    @Test func rewardModelLearnsTheGoldOrderAndTheEnsembleSpreadPicksQueries() throws {
        let train = ToyPreferences.pairs(300, seed: 1), heldOut = ToyPreferences.pairs(200, seed: 2)
        let labeller = ToyPreferences.labeller()
        let examples = try labeller.records(for: train).map(PreferenceExample.init)
        let ensemble = ToyPreferences.ensemble(size: 2)
        let before = ensemble.meanPreferenceProbabilities(heldOut)
        let gold = heldOut.map { $0.completions.map { c in try! ToyPreferences.gold().score([Sample(index: 0, completion: c)]).terminal[0]! } }
        let trainer = RewardModelTrainer(ensemble: ensemble, configuration: ToyPreferences.rewardModelTraining())
        let metrics = trainer.train(examples)
        let after = ensemble.meanPreferenceProbabilities(heldOut)
        let accuracyBefore = RewardModelAccuracyReport.goldOrderAccuracy(probabilities: before, gold: gold)
        let accuracyAfter = RewardModelAccuracyReport.goldOrderAccuracy(probabilities: after, gold: gold)
        #expect(accuracyAfter > 0.85, "held-out gold-order accuracy \(accuracyBefore) → \(accuracyAfter)")
        #expect(metrics["reward_model/train_accuracy"]! > 0.8)

        // Disagreement is the spread of the members' probabilities; selection takes the largest first.
        let spread = ensemble.disagreement(heldOut)
        let members = ensemble.preferenceProbabilities(heldOut)
        #expect(abs(spread[0] - abs(members[0][0] - members[0][1]) / 2) < 1e-9)
        var generator = RandomGenerator(seed: 0)
        let picked = try QuerySelection.ensembleDisagreement.select(10, from: heldOut, ensemble: ensemble, generator: &generator)
        #expect(picked.count == 10 && spread[picked[0]] == spread.max()!)
        #expect(picked.map { spread[$0] } == picked.map { spread[$0] }.sorted(by: >))
        let random = try QuerySelection.random.select(10, from: heldOut, ensemble: ensemble, generator: &generator)
        #expect(Set(random).count == 10)
    }

    @Test func minimumStepsAddPassesUntilThereAreThatManyOptimizerSteps() throws {
        let examples = try ToyPreferences.labeller().records(for: ToyPreferences.pairs(40, seed: 3)).map(PreferenceExample.init)
        var configuration = ToyPreferences.rewardModelTraining(epochs: 2)  // batches of 16: 3 per pass over 40
        let plain = RewardModelTrainer(ensemble: ToyPreferences.ensemble(size: 1), configuration: configuration)
        plain.train(examples)
        #expect(plain.steps == 6)
        configuration.minimumSteps = 10  // the fewest whole passes of 3 batches that make 10 or more steps: 4
        let raised = RewardModelTrainer(ensemble: ToyPreferences.ensemble(size: 1), configuration: configuration)
        raised.train(examples)
        #expect(raised.steps == 12)
        configuration.minimumSteps = 5  // fewer than the epochs give: unchanged
        let unchanged = RewardModelTrainer(ensemble: ToyPreferences.ensemble(size: 1), configuration: configuration)
        unchanged.train(examples)
        #expect(unchanged.steps == 6)
    }

    @Test func withTheBackboneFrozenOnlyTheValueHeadsLearn() throws {
        let configuration = LanguageModelConfiguration.recurrent(
            RecurrentLanguageModelConfiguration(vocabularySize: ToyPreferences.tokenizer.vocabularySize, cell: .gru, embeddingSize: 8,
                                                hiddenSize: 16))
        var generator = RandomGenerator(seed: 5)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-frozen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ModelDirectory.save(model: configuration.makeModel(generator: &generator), configuration: configuration,
                                tokenizer: ToyPreferences.tokenizer, to: directory)
        let examples = try ToyPreferences.labeller().records(for: ToyPreferences.pairs(64, seed: 4)).map(PreferenceExample.init)
        for trainBackbone in [false, true] {
            var settings = RewardModelSettings()
            settings.ensembleSize = 2
            settings.trainBackbone = trainBackbone
            let ensemble = try RewardModelEnsemble.loading(from: directory, settings: settings, seed: 7)
            let before = ensemble.members.map { member in member.backbone.namedParameters().map { ($0.name, $0.tensor.scalars) } }
            RewardModelTrainer(ensemble: ensemble, configuration: ToyPreferences.rewardModelTraining(epochs: 2)).train(examples)
            for (member, parameters) in zip(ensemble.members, before) {
                let after = Dictionary(uniqueKeysWithValues: member.backbone.namedParameters().map { ($0.name, $0.tensor.scalars) })
                let moved = Set(parameters.filter { name, scalars in after[name]! != scalars }.map(\.0))
                let heads: Set = ["valueHead.weight", "valueHead.bias"]
                if trainBackbone {
                    // The heads, the GRU and the embedding; the language-model output layer `out` is not on the reward's path.
                    #expect(moved.isSuperset(of: heads) && moved.contains { $0.hasPrefix("gru.") } && moved.contains("embedding.weight")
                            && !moved.contains("out.weight"), "moved: \(moved.sorted())")
                } else {
                    #expect(moved == heads, "moved: \(moved.sorted())")
                }
            }
        }
    }

    func loop(online: Bool, store: PreferenceStore) -> (RLHFLoop, GoldRewardWatch) {
        let ensemble = ToyPreferences.ensemble(size: 2)
        let learned = RewardModelReward(ensemble: ensemble)
        let policy = Policy(model: BigramLanguageModel(vocabularySize: ToyPreferences.tokenizer.vocabularySize, valueHead: true),
                            tokenizer: ToyPreferences.tokenizer, decoding: ToyPreferences.decoding)
        let setup = TrainingSetup(policy: policy, reference: BigramLanguageModel(vocabularySize: ToyPreferences.tokenizer.vocabularySize),
                                  reward: learned, prompts: .unconditional, optimizer: Adam(learningRate: 0.05), seed: 3)
        var ppo = PPO.Configuration()
        ppo.klCoefficient = 0.01
        let watch = GoldRewardWatch(PPO(setup: setup, configuration: ppo), gold: ToyPreferences.gold(), learned: learned,
                                    evaluationPrompts: Array(repeating: .unconditional, count: 64), evaluationInterval: 10)
        var settings = OnlineQueryingSettings()
        settings.enabled = online
        settings.queryInterval = 10
        settings.candidatesPerRound = 64
        settings.queriesPerRound = 32
        settings.rewardModelEpochs = 2
        let loop = RLHFLoop(algorithm: watch, labeller: ToyPreferences.labeller(), store: store,
                            rewardModelTrainer: RewardModelTrainer(ensemble: ensemble, configuration: ToyPreferences.rewardModelTraining()),
                            online: settings, candidatePrompts: ToyPreferences.prompts, seed: 4)
        return (loop, watch)
    }

    @Test(arguments: [false, true])
    func rlhfWithPPORaisesTheHiddenGoldReward(online: Bool) throws {
        let store = try PreferenceStore()
        let (loop, watch) = loop(online: online, store: store)
        let history = MetricsHistory()
        loop.trainer.callbacks.append(history)
        var rounds: [Int] = []
        loop.onRound = { step, metrics in
            rounds.append(step)
            #expect(metrics["labels/count"] != nil && metrics["reward_model/loss"] != nil)
        }
        try loop.collectInitialLabels(300)
        (watch.setup.reward as! RewardModelReward).normalize(on: try store.records().flatMap { r in
            r.completions.map { Sample(index: 0, completion: $0) }
        })
        let start = try ToyPreferences.meanGold(watch.setup.policy.model)
        try loop.run(iterations: 30)
        let end = try ToyPreferences.meanGold(watch.setup.policy.model)
        #expect(start < 0.3 && end > 0.5, "gold \(start) → \(end) (online: \(online))")
        // The watch logged the gold reward beside the learned one and the KL.
        #expect(history.series("gold/mean").count == 30 && history.series("learned/mean").count == 30)
        #expect(history.series("eval/kl").count == 3 && history.series("eval/kl").last! > 0)
        if online {
            #expect(rounds == [10, 20])
            #expect(try store.count() == 300 + 2 * 32)
            #expect(try store.records(afterID: 300).allSatisfy { $0.metadata["selection"] == "ensemble_disagreement" })
        } else {
            #expect(try rounds.isEmpty && store.count() == 300)
        }
    }

    @Test(arguments: [DirectPreferenceLoss.dpo, .ipo])
    func directPreferenceOptimisationRaisesTheHiddenGoldReward(loss: DirectPreferenceLoss) throws {
        let store = try PreferenceStore()
        try store.append(try ToyPreferences.labeller().records(for: ToyPreferences.pairs(300, seed: 5)))
        let reference = BigramLanguageModel(vocabularySize: ToyPreferences.tokenizer.vocabularySize)
        let policyModel = BigramLanguageModel(vocabularySize: ToyPreferences.tokenizer.vocabularySize)
        let data = PreferencePairs(records: try store.records(), tokenizer: ToyPreferences.tokenizer, reference: reference)
        let setup = TrainingSetup(policy: Policy(model: policyModel, tokenizer: ToyPreferences.tokenizer, decoding: ToyPreferences.decoding),
                                  reference: reference, reward: ClosureReward(name: "unused") { $0.map { _ in 0 } },
                                  prompts: .unconditional, optimizer: Adam(learningRate: 0.05), seed: 6)
        var dpo = DPO.Configuration()
        dpo.batchSize = 32
        var ipo = IPO.Configuration()
        ipo.batchSize = 32
        let algorithm: any PolicyGradientAlgorithm = loss == .dpo ? DPO(setup: setup, data: data, configuration: dpo)
            : IPO(setup: setup, data: data, configuration: ipo)
        let watch = GoldRewardWatch(algorithm, gold: ToyPreferences.gold(), evaluationPrompts: Array(repeating: .unconditional, count: 64),
                                    evaluationInterval: 20)
        let history = MetricsHistory()
        let start = try ToyPreferences.meanGold(policyModel)
        try Trainer(algorithm: watch, callbacks: [history]).run(iterations: 60)
        let end = try ToyPreferences.meanGold(policyModel)
        #expect(start < 0.3 && end > 0.45, "\(loss): gold \(start) → \(end)")
        #expect(history.series("eval/gold_mean").count == 3 && history.series("eval/kl").last! > 0)
        #expect(history.series("rewards/accuracy").suffix(5).reduce(0, +) / 5 > 0.6)
    }
}
