import Foundation
import GenRLTensor

/// How the per-token KL divergence KL(π_θ ‖ π_ref) at each generated position is computed.
///
/// With p = π_θ(·|s) and q = π_ref(·|s) at a state s, and a the sampled token:
/// - `exact`: Σᵥ p(v)(log p(v) − log q(v)) over the whole vocabulary — the true KL of the
///   two next-token distributions, never negative, no sampling noise. GenRL's default:
///   the vocabularies here are small enough to afford it.
/// - `k1`: log p(a) − log q(a), the unbiased single-sample estimate (can be negative).
/// - `k3`: r − 1 − log r with r = q(a)/p(a) (Schulman 2020, "Approximating KL
///   divergence"), unbiased and non-negative; GRPO's choice.
public enum KLEstimator: String, Codable, Sendable, CaseIterable {
    case exact, k1, k3
}

/// The KL divergence between the policy's and the reference's next-token distributions.
public enum KLDivergence {
    /// The exact KL(softmax(policy) ‖ softmax(reference)) for every row of two logit
    /// tensors of equal shape [..., V]; result [...]. Computed per row as
    /// Σ pᵥ((xᵥ − lse x) − (yᵥ − lse y)), with pᵥ = exp(xᵥ − lse x); not recorded for
    /// gradients (rollouts call it under `withNoGrad`; the loss-term form is `exactLoss`).
    public static func exact(policyLogits: Tensor, referenceLogits: Tensor) -> Tensor {
        precondition(policyLogits.shape == referenceLogits.shape,
                     "KLDivergence.exact: logits shapes \(policyLogits.shape) and \(referenceLogits.shape) differ")
        let width = policyLogits.shape.last ?? 1
        let rows = policyLogits.count / Swift.max(width, 1)
        let out = TensorStorage(uninitializedCount: rows)
        let px = policyLogits.storage.pointer, py = referenceLogits.storage.pointer
        Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(width, 1))) { range in
            for r in range {
                let x = px + r * width, y = py + r * width
                let lseX = RowKernels.logSumExp(x, count: width), lseY = RowKernels.logSumExp(y, count: width)
                var total: Double = 0
                for v in 0..<width {
                    let logP = x[v] - lseX
                    if logP == -.infinity { continue }
                    total += Double(Foundation.exp(logP)) * Double(logP - (y[v] - lseY))
                }
                out.pointer[r] = Swift.max(Float(total), 0)  // rounding can leave −1e-9
            }
        }
        return Tensor(shape: Array(policyLogits.shape.dropLast()), storage: out)
    }

    /// The exact KL as a differentiable function of the policy's logits (the reference is
    /// a constant): Σ softmax(x)·(logSoftmax(x) − logSoftmax(y)) over the last axis.
    public static func exactLoss(policyLogits: Tensor, referenceLogits: Tensor) -> Tensor {
        let logP = policyLogits.logSoftmax()
        let logQ = referenceLogits.detached().logSoftmax()
        // Tokens the policy excludes (logit −∞, as NLPO's mask or top-k leave them) add
        // 0·log 0 = 0; log p is replaced by 0 there so that neither the value nor the
        // gradient meets 0·∞.
        let possible = logP .> -Float.infinity
        let zeros = Tensor.zeros(like: logP)
        let finiteLogP = Tensor.select(possible, logP, zeros), finiteLogQ = Tensor.select(possible, logQ, zeros)
        return (logP.exp() * (finiteLogP - finiteLogQ)).sum(axis: -1)
    }

    /// The per-token estimate of `estimator` from the log-probabilities of the taken
    /// tokens (k1, k3), or from full logits (exact). Differentiable in the policy inputs.
    public static func perToken(_ estimator: KLEstimator, policyLogProbabilities: Tensor, referenceLogProbabilities: Tensor,
                                policyLogits: Tensor? = nil, referenceLogits: Tensor? = nil) -> Tensor {
        switch estimator {
        case .k1:
            return policyLogProbabilities - referenceLogProbabilities.detached()
        case .k3:
            let logRatio = referenceLogProbabilities.detached() - policyLogProbabilities
            return logRatio.exp() - 1 - logRatio
        case .exact:
            guard let policyLogits, let referenceLogits else {
                preconditionFailure("KLDivergence.perToken(.exact) needs the full logits")
            }
            return GradientMode.isRecording && policyLogits.isTracked
                ? exactLoss(policyLogits: policyLogits, referenceLogits: referenceLogits)
                : exact(policyLogits: policyLogits, referenceLogits: referenceLogits)
        }
    }
}
