import GenRLModels
import GenRLNN
import GenRLTensor

/// `reinvent-step`: one REINVENT agent update (Olivecrona et al. 2017; Blaschke et al.
/// 2020): sample 128 sequences of 100 tokens from the agent, their log-likelihoods under
/// the prior (no gradient) and the agent, the loss (log p_prior + σ·score − log p_agent)²
/// with σ = 128, backward, Adam. GRU 3 × 512, embedding 256, vocabulary 50.
enum REINVENTWorkload {
    static let workload = BenchmarkWorkload(
        name: "reinvent-step", summary: "one REINVENT agent step: sample 128 × 100, prior and agent likelihoods, DAP loss, Adam"
    ) {
        var generator = RandomGenerator(seed: 5)
        let configuration = RecurrentLanguageModelConfiguration(vocabularySize: 50, cell: .gru, embeddingSize: 256, hiddenSize: 512, layers: 3)
        let prior = RecurrentLanguageModel(configuration, generator: &generator)
        let agent = RecurrentLanguageModel(configuration, generator: &generator)
        agent.copyParameters(from: prior)
        prior.freeze()
        let optimizer = Adam(learningRate: 1e-4)
        let decoding = DecodingConfiguration(maximumNewTokens: 99, stopAtEndToken: false)
        let prompts = Array(repeating: [0], count: 128)
        return {
            let batch = Generation.sample(model: agent, prompts: prompts, configuration: decoding, generator: &generator)
            let (inputs, targets) = (batch.tokens.columns(0..<99), batch.tokens.columns(1..<100))
            let scores = Tensor.randomUniform([128], using: &generator)  // stands in for a scoring function
            let priorLikelihood = withNoGrad {
                Tensor.selectedLogProbabilities(logits: prior(inputs).logits, targets: targets).sum(axis: 1)
            }
            let (_, gradients) = valueAndGradients(of: agent) { agent in
                let agentLikelihood = Tensor.selectedLogProbabilities(logits: agent(inputs).logits, targets: targets).sum(axis: 1)
                return (priorLikelihood + 128 * scores - agentLikelihood).squared().mean()
            }
            optimizer.update(agent, gradients: gradients)
        }
    }
}
