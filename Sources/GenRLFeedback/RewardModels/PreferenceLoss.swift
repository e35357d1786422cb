import GenRLNN
import GenRLTensor

/// The losses a reward model learns from, as functions of its rewards r. Each is a
/// negative log-likelihood of the label under a choice model.
public enum PreferenceLoss {
    /// Bradley–Terry for pairs with a soft target (Christiano et al. 2017; Ouyang et al.
    /// 2022): with d = r_first − r_second and p the probability that the first is
    /// preferred (1 or 0 for a choice, ½ for a tie, anything between from aggregated
    /// labels),
    ///
    ///   ℓ = −p·log σ(d) − (1 − p)·log σ(−d) = softplus(−d) + (1 − p)·d,
    ///   ∂ℓ/∂d = σ(d) − p,
    ///
    /// the binary cross-entropy of σ(d) against p; for p = 1 it is `Loss.bradleyTerry`.
    /// Shapes [P]; reduced as `Loss` describes (weighted mean by default).
    public static func bradleyTerry(first: Tensor, second: Tensor, targetProbabilities: Tensor, weights: Tensor? = nil,
                                    reduction: LossReduction = .mean) -> Tensor {
        Loss.binaryCrossEntropy(logits: first - second, targets: targetProbabilities, weights: weights, reduction: reduction)
    }

    /// Plackett–Luce for a ranking in tiers (Plackett 1975; Luce 1959), with ties handled
    /// as in Breslow's partial likelihood: the tiers are chosen best first, each from the
    /// completions not yet chosen,
    ///
    ///   ℓ = Σₛ [ |Gₛ|·log Σ_{j ∈ Rₛ} exp(r_j) − Σ_{i ∈ Gₛ} rᵢ ],   Rₛ = Gₛ ∪ Gₛ₊₁ ∪ …
    ///
    /// With one completion per tier this is the exact Plackett–Luce likelihood; with two
    /// completions in one tier it is minimised when their rewards are equal. `rewards` [n];
    /// result a scalar. `tiers` must name indices of `rewards`, each at most once; indices
    /// left out take no part (a choice is `[[chosen], others]` without the last stage:
    /// pass `stages: 1`).
    public static func plackettLuce(rewards: Tensor, tiers: [[Int]], stages: Int? = nil) -> Tensor {
        precondition(rewards.rank == 1, "PreferenceLoss.plackettLuce: rewards must be a vector, got shape \(rewards.shape)")
        var remaining = tiers.flatMap { $0 }
        var total: Tensor?
        for tier in tiers.prefix(stages ?? tiers.count) {
            if remaining.count <= 1 { break }
            let normalizer = rewards.indexSelect(IntTensor(remaining), axis: 0).logSumExp(axis: 0)
            let chosen = rewards.indexSelect(IntTensor(tier), axis: 0).sum()
            let stage = Float(tier.count) * normalizer - chosen
            total = total.map { $0 + stage } ?? stage
            remaining.removeAll { tier.contains($0) }
        }
        return total ?? Tensor(scalar: 0)
    }

    /// The loss of one label on the rewards of its completions: Bradley–Terry for a pair
    /// (with target `targetProbability` when given), the first Plackett–Luce stage for a
    /// choice among more than two (−log softmax(r)[chosen]), Plackett–Luce for a ranking,
    /// one tied tier for a tie among more than two.
    public static func loss(rewards: Tensor, label: PreferenceLabel, targetProbability: Double? = nil) -> Tensor {
        let count = rewards.shape[0]
        if count == 2 {
            let p = targetProbability ?? label.preference(of: 0, over: 1) ?? 0.5
            return bradleyTerry(first: rewards.sliced(axis: 0, 0..<1), second: rewards.sliced(axis: 0, 1..<2),
                                targetProbabilities: Tensor([Float(p)]))
        }
        switch label {
        case .choice(let chosen):
            return plackettLuce(rewards: rewards, tiers: [[chosen], (0..<count).filter { $0 != chosen }], stages: 1)
        case .tie:
            return plackettLuce(rewards: rewards, tiers: [Array(0..<count)])
        case .ranking(let tiers):
            return plackettLuce(rewards: rewards, tiers: tiers)
        }
    }
}
