import GenRLModels
import GenRLRewards
import GenRLTensor

/// ORGAN's reward (Guimaraes et al. 2017, "Objective-Reinforced Generative Adversarial
/// Networks for Sequence Generation Models", Eq. 5 and §"Mode collapse"): the
/// discriminator's probability of "real" mixed with a domain objective O,
///
///     R(Y) = (λ·D(Y) + (1 − λ)·O(Y)) / n(Y)
///
/// where n(Y) is the number of times Y occurs in its batch (ORGAN's penalty against mode
/// collapse). λ = 1 is SeqGAN, λ = 0 is plain REINFORCE on the objective (naive RL); the
/// paper's runs use λ = 0.5 (gablg1/ORGAN's default `LAMBDA`).
///
/// `Penalty.objectiveOnly` follows gablg1/ORGAN's code instead of the paper: there only
/// the objective is penalised, scaled by the batch's fraction of distinct samples,
/// λ·D(Y) + (1 − λ)·O(Y)·(u / n(Y)) with u = distinct / batch size.
public enum ORGANReward {
    /// Which part of the reward the repetition penalty divides.
    public enum Penalty: String, Codable, Sendable, CaseIterable {
        /// The paper: (λ·D + (1 − λ)·O) / n.
        case wholeReward
        /// gablg1/ORGAN's code: λ·D + (1 − λ)·O·u/n.
        case objectiveOnly
        /// No penalty: λ·D + (1 − λ)·O.
        case none
    }

    /// The rewards of one batch: `discriminator[i]` and `objective[i]` scored sample i,
    /// whose identity (for counting repeats) is `keys[i]`.
    public static func mix(discriminator: [Double], objective: [Double], keys: [[Int]], lambda: Double,
                           penalty: Penalty = .wholeReward) -> [Double] {
        precondition(discriminator.count == objective.count && objective.count == keys.count,
                     "ORGANReward.mix: \(discriminator.count) discriminator scores, \(objective.count) objective scores, \(keys.count) keys")
        var occurrences: [[Int]: Int] = [:]
        for key in keys { occurrences[key, default: 0] += 1 }
        let uniqueFraction = Double(occurrences.count) / Double(Swift.max(keys.count, 1))
        return keys.indices.map { i in
            let repeats = Double(occurrences[keys[i]]!)
            switch penalty {
            case .wholeReward: return (lambda * discriminator[i] + (1 - lambda) * objective[i]) / repeats
            case .objectiveOnly: return lambda * discriminator[i] + (1 - lambda) * objective[i] * uniqueFraction / repeats
            case .none: return lambda * discriminator[i] + (1 - lambda) * objective[i]
            }
        }
    }
}

/// ORGAN's scorer for Monte Carlo rollouts: `ORGANReward.mix` of the discriminator and
/// an objective `RewardFunction`, with repeats counted within each batch of B
/// completions (one completion per sequence, as gablg1/ORGAN's `get_reward` scores one
/// batch at a time). The objective reads the completion as a `Sample` whose text is the
/// tokenizer's decoding of the tokens before the end token; a missing objective score
/// counts as 0.
public final class ObjectiveMixingScorer: CompletionScorer {
    /// The discriminator part (nil when λ = 0: no discriminator is trained or read).
    public let discriminator: DiscriminatorScorer?
    /// O.
    public let objective: any RewardFunction
    /// λ.
    public let lambda: Double
    /// What the repetition penalty divides (by default the whole reward, as the paper).
    public let penalty: ORGANReward.Penalty
    /// Turns completion tokens into the text the objective reads.
    public let tokenizer: any Tokenizer
    /// Tokens after which a sequence has ended (not part of the text).
    public let endToken: Int?
    /// The last batch's mean objective score over the sequences themselves.
    public private(set) var lastObjectiveMean = 0.0
    private var sequenceCount = 0

    /// A scorer of λ·D + (1 − λ)·O with `penalty` applied.
    ///
    /// - Precondition: 0 ≤ λ ≤ 1, and a discriminator is given unless λ = 0.
    public init(discriminator: DiscriminatorScorer?, objective: any RewardFunction, lambda: Double,
                penalty: ORGANReward.Penalty = .wholeReward, tokenizer: any Tokenizer, endToken: Int?) {
        precondition(lambda >= 0 && lambda <= 1, "ObjectiveMixingScorer: lambda \(lambda) must be in [0, 1]")
        precondition(discriminator != nil || lambda == 0, "ObjectiveMixingScorer: λ > 0 needs a discriminator")
        self.discriminator = discriminator
        self.objective = objective
        self.lambda = lambda
        self.penalty = penalty
        self.tokenizer = tokenizer
        self.endToken = endToken
    }

    /// Records B, the number of `sequences` (the block within which repeats are counted), and
    /// prepares the discriminator.
    public func begin(sequences: IntTensor) throws {
        sequenceCount = sequences.shape[0]
        try discriminator?.begin(sequences: sequences)
    }

    /// `ORGANReward.mix` of D and O for each completion, repeats counted within each block of B
    /// consecutive rows (one completion of every sequence, compared by their tokens before the end
    /// token). Scoring the sequences themselves (`prefixLength` = T) sets `lastObjectiveMean`.
    public func score(completions: IntTensor, prefixLength: Int) throws -> [Double] {
        let rows = completions.shape[0]
        let d = try discriminator?.score(completions: completions, prefixLength: prefixLength)
            ?? [Double](repeating: 0, count: rows)
        let tokenRows = (0..<rows).map { completions.row($0) }
        let samples = tokenRows.enumerated().map { index, row in
            let content = contentTokens(row)
            return Sample(index: index, completion: tokenizer.decode(content), completionTokens: content)
        }
        let o = try objective.checkedScore(samples).terminal.map { $0 ?? 0 }
        if prefixLength == completions.shape[1] { lastObjectiveMean = o.reduce(0, +) / Double(Swift.max(o.count, 1)) }
        var mixed: [Double] = []
        mixed.reserveCapacity(rows)
        var start = 0
        while start < rows {
            let block = start..<Swift.min(rows, start + Swift.max(sequenceCount, 1))
            mixed += ORGANReward.mix(discriminator: Array(d[block]), objective: Array(o[block]),
                                     keys: block.map { contentTokens(tokenRows[$0]) }, lambda: lambda, penalty: penalty)
            start = block.upperBound
        }
        return mixed
    }

    /// The tokens before the end token (padding dropped).
    func contentTokens(_ row: [Int]) -> [Int] {
        var content: [Int] = []
        for token in row {
            if let endToken, token == endToken { break }
            content.append(token)
        }
        return content
    }
}
