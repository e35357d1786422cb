import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLRL
import GenRLTensor

/// `gpt-ppo`: one PPO iteration of GenRL's `PPO` on the benchmark GPT (4 layers, width
/// 256, 4 heads, vocabulary 512, value head): 48 tokens generated after 16-token prompts
/// for 32 prompts with a KV cache, log-probabilities under policy and reference, per-token
/// KL reward (k1, coefficient 0.05) plus a random terminal score, GAE (γ 1, λ 0.95),
/// whitened advantages, 4 epochs × 4 minibatches of 8 with the clipped policy loss (0.2),
/// the unclipped value loss (coefficient 0.1), gradient-norm clip 1, Adam.
enum GPTPPOWorkload {
    static let workload = BenchmarkWorkload(name: "gpt-ppo", summary: "one PPO iteration of a 4×256 GPT on 32 prompts × (16 + 48) tokens") {
        var generator = RandomGenerator(seed: 6)
        let configuration = GPTConfiguration(vocabularySize: 512, contextLength: 128, width: 256, layers: 4, heads: 4, valueHead: true)
        let policyModel = GPTLanguageModel(configuration, generator: &generator)
        let reference = GPTLanguageModel(configuration, generator: &generator)
        reference.copyParameters(from: policyModel)
        let tokenizer = try! CharacterTokenizer(scalars: (0..<508).map { Unicode.Scalar(0x100 + $0)! })
        let policy = Policy(model: policyModel, tokenizer: tokenizer,
                            decoding: DecodingConfiguration(maximumNewTokens: 48, stopAtEndToken: false))
        let prompts = (0..<32).map { _ in
            Prompt(text: "", tokens: (0..<16).map { _ in generator.nextInt(below: 512) })
        }
        var scoreGenerator = RandomGenerator(seed: 7)
        let reward = ClosureReward(name: "random") { samples in samples.map { _ in Double(scoreGenerator.nextFloat()) } }
        let setup = TrainingSetup(policy: policy, reference: reference, reward: reward,
                                  prompts: PromptSource(prompts: prompts), optimizer: Adam(learningRate: 1e-5),
                                  seed: 8, klEstimator: .k1)
        var ppo = PPO.Configuration()
        ppo.batchSize = 32
        ppo.epochs = 4
        ppo.minibatchSize = 8
        ppo.klCoefficient = 0.05
        ppo.klPlacement = .reward
        ppo.valueClipEpsilon = nil
        ppo.valueCoefficient = 0.1
        ppo.maxGradientNorm = 1
        let algorithm = PPO(setup: setup, configuration: ppo)
        return { _ = try! algorithm.iterate() }
    }
}
