import GenRLTensor

/// Loss functions, each a composition of recorded tensor operations (or a fused kernel),
/// so every one is differentiable with respect to all its tensor inputs.
///
/// Every loss computes a per-element loss ℓᵢ, multiplies it by the optional `weights`
/// wᵢ (broadcast to the loss's shape; a 0/1 mask is the common case) and reduces it with
/// `reduction`: `.mean` gives Σwᵢℓᵢ / Σwᵢ (the plain mean without weights, 0 when every
/// weight is 0), `.sum` Σwᵢℓᵢ, `.none` the tensor wᵢℓᵢ. Note that PyTorch's `weight`
/// arguments divide a weighted `mean` by the element count instead; the two agree for
/// unweighted losses.
public enum Loss {
    /// Cross-entropy of softmax(logits) against integer class targets (fused kernel,
    /// `Tensor.crossEntropy`):
    ///
    ///     ℓᵢ = log Σⱼ exp(xᵢⱼ) − xᵢ[tᵢ],    ∂ℓᵢ/∂xᵢ = softmax(xᵢ) − onehot(tᵢ)
    ///
    /// `logits` [..., C], `targets` and `weights` of the leading shape [...].
    public static func crossEntropy(logits: Tensor, targets: IntTensor, weights: Tensor? = nil,
                                    reduction: LossReduction = .mean) -> Tensor {
        Tensor.crossEntropy(logits: logits, targets: targets, weights: weights, reduction: reduction)
    }

    /// Binary cross-entropy of σ(x) against targets y ∈ [0, 1], computed from the logits
    /// without overflow (PyTorch's `binary_cross_entropy_with_logits`):
    ///
    ///     ℓ = −y·log σ(x) − (1 − y)·log(1 − σ(x)) = max(x, 0) − x·y + log(1 + e^−|x|)
    ///     ∂ℓ/∂x = σ(x) − y,    ∂ℓ/∂y = −x
    ///
    /// Finite for any finite logit (x = ±100 gives ℓ = 100 or 0 for a wrong or right label).
    public static func binaryCrossEntropy(logits: Tensor, targets: Tensor, weights: Tensor? = nil,
                                          reduction: LossReduction = .mean) -> Tensor {
        requireSameShape("binaryCrossEntropy", logits, targets)
        // softplus(x) is max(x, 0) + log(1 + e^−|x|), with derivative σ(x).
        return reduce(logits.softplus() - logits * targets, weights: weights, reduction: reduction)
    }

    /// Squared error (PyTorch's `mse_loss` with the default mean):
    ///
    ///     ℓ = (x − y)²,    ∂ℓ/∂x = 2(x − y)
    public static func meanSquaredError(predictions: Tensor, targets: Tensor, weights: Tensor? = nil,
                                        reduction: LossReduction = .mean) -> Tensor {
        requireSameShape("meanSquaredError", predictions, targets)
        return reduce((predictions - targets).squared(), weights: weights, reduction: reduction)
    }

    /// The Bradley–Terry preference loss of a reward model (Christiano et al. 2017,
    /// Ouyang et al. 2022), with the optional margin m of Llama 2 (Touvron et al. 2023),
    /// as TRL's `RewardTrainer`:
    ///
    ///     ℓ = −log σ(r_chosen − r_rejected − m) = log(1 + e^−(r_chosen − r_rejected − m))
    ///     ∂ℓ/∂r_chosen = −σ(−(r_chosen − r_rejected − m)) = −∂ℓ/∂r_rejected
    ///
    /// `chosenRewards` and `rejectedRewards` have one reward per pair (equal shapes);
    /// `margin` broadcasts against them (a scalar or one per pair; default 0).
    public static func bradleyTerry(chosenRewards: Tensor, rejectedRewards: Tensor, margin: Tensor? = nil,
                                    weights: Tensor? = nil, reduction: LossReduction = .mean) -> Tensor {
        requireSameShape("bradleyTerry", chosenRewards, rejectedRewards)
        var difference = chosenRewards - rejectedRewards
        if let margin { difference = difference - margin }
        return reduce(-difference.logSigmoid(), weights: weights, reduction: reduction)
    }

    /// Applies `weights` (broadcast to the shape of `losses`) and `reduction` as described
    /// on `Loss`; for losses built by hand.
    public static func reduce(_ losses: Tensor, weights: Tensor? = nil, reduction: LossReduction) -> Tensor {
        guard let weights else {
            switch reduction {
            case .mean: return losses.mean()
            case .sum: return losses.sum()
            case .none: return losses
            }
        }
        let weighted = losses * weights.broadcasted(to: losses.shape)
        switch reduction {
        case .none:
            return weighted
        case .sum:
            return weighted.sum()
        case .mean:
            let totalWeight = weights.broadcasted(to: losses.shape).sum()
            // Σw = 0 (everything masked out) gives 0, as `Tensor.crossEntropy` does.
            return totalWeight.item == 0 ? weighted.sum() : weighted.sum() / totalWeight
        }
    }

    private static func requireSameShape(_ operation: String, _ a: Tensor, _ b: Tensor) {
        if a.shape != b.shape {
            fatalError("Loss.\(operation): shapes \(a.shape) and \(b.shape) differ")
        }
    }
}
