import Foundation
import GenRLRL
import GenRLTensor
import GenRLTestSupport
import Testing

/// The KL estimators, the adaptive controller and the advantage estimators, each checked
/// against its definition computed directly in double precision.
@Suite("KL to the reference and advantages")
struct KLDivergenceTests {
    /// Σᵥ p·(log p − log q) of two logit rows, in Double.
    static func referenceKL(_ x: [Float], _ y: [Float]) -> Double {
        func logSoftmax(_ row: [Float]) -> [Double] {
            let m = Double(row.max()!)
            let lse = m + log(row.map { exp(Double($0) - m) }.reduce(0, +))
            return row.map { Double($0) - lse }
        }
        let (logP, logQ) = (logSoftmax(x), logSoftmax(y))
        return zip(logP, logQ).reduce(0) { $1.0 == -.infinity ? $0 : $0 + exp($1.0) * ($1.0 - $1.1) }
    }

    static func rows(_ t: Tensor, width: Int) -> [[Float]] {
        stride(from: 0, to: t.count, by: width).map { Array(t.scalars[$0..<($0 + width)]) }
    }

    @Test func exactKLIsTheSumOverTheVocabulary() {
        let policy = uniformTensor([2, 3, 7], -3, 3, seed: 1), reference = uniformTensor([2, 3, 7], -3, 3, seed: 2)
        let kl = KLDivergence.exact(policyLogits: policy, referenceLogits: reference)
        let loss = KLDivergence.exactLoss(policyLogits: policy, referenceLogits: reference)
        #expect(kl.shape == [2, 3] && loss.shape == [2, 3])
        let expected = zip(Self.rows(policy, width: 7), Self.rows(reference, width: 7)).map { Self.referenceKL($0, $1) }
        for (i, value) in expected.enumerated() {
            #expect(abs(Double(kl.scalars[i]) - value) <= 1e-6 + 1e-5 * value, "row \(i): \(kl.scalars[i]) vs \(value)")
            #expect(abs(Double(loss.scalars[i]) - value) <= 1e-6 + 1e-5 * value, "row \(i): \(loss.scalars[i]) vs \(value)")
        }
        // Identical distributions (logits shifted by a constant) have KL 0.
        let same = KLDivergence.exact(policyLogits: policy, referenceLogits: policy + 5)
        #expect(same.scalars.allSatisfy { abs($0) <= 1e-6 })
    }

    @Test func exactLossGradientMatchesFiniteDifferences() {
        let reference = uniformTensor([3, 6], -2, 2, seed: 4)
        expectGradientsMatchFiniteDifferences([uniformTensor([3, 6], -2, 2, seed: 3)], step: 1e-2) { x in
            KLDivergence.exactLoss(policyLogits: x[0], referenceLogits: reference)
        }
    }

    /// Tokens the policy excludes (logit −∞, as NLPO's mask leaves them) contribute 0, to
    /// the value and to the gradient, instead of 0·∞.
    @Test func excludedTokensContributeNothing() {
        let masked = uniformTensor([2, 5], -2, 2, seed: 5)
        masked.withMutableScalars { $0[1] = -.infinity; $0[7] = -.infinity; $0[8] = -.infinity }
        let reference = uniformTensor([2, 5], -2, 2, seed: 6)
        let exact = KLDivergence.exact(policyLogits: masked, referenceLogits: reference)
        let (value, gradient) = valueAndGradient(at: masked) { x in
            KLDivergence.exactLoss(policyLogits: x, referenceLogits: reference).sum()
        }
        let expected = zip(Self.rows(masked, width: 5), Self.rows(reference, width: 5)).map { Self.referenceKL($0, $1) }
        #expect(abs(Double(value.item) - expected.reduce(0, +)) <= 1e-5)
        #expect(zip(exact.scalars, expected).allSatisfy { abs(Double($0) - $1) <= 1e-5 })
        #expect(gradient.scalars.allSatisfy { $0.isFinite }, "gradient \(gradient.scalars)")
        #expect(gradient.scalars[1] == 0 && gradient.scalars[7] == 0 && gradient.scalars[8] == 0)
        // The finite entries' gradient is that of the KL over the remaining tokens.
        expectGradientsMatchFiniteDifferences([masked], step: 1e-2) { x in
            KLDivergence.exactLoss(policyLogits: x[0], referenceLogits: reference)
        }
    }

    /// k1 = log p(a) − log q(a) and k3 = q/p − 1 − log(q/p) are unbiased: their
    /// expectation under the policy, summed exactly over the vocabulary, is the KL.
    @Test func sampleEstimatorsAverageToTheExactKL() {
        let policy = uniformTensor([1, 9], -2, 2, seed: 7), reference = uniformTensor([1, 9], -2, 2, seed: 8)
        let logP = policy.logSoftmax(), logQ = reference.logSoftmax()
        let k1 = KLDivergence.perToken(.k1, policyLogProbabilities: logP, referenceLogProbabilities: logQ)
        let k3 = KLDivergence.perToken(.k3, policyLogProbabilities: logP, referenceLogProbabilities: logQ)
        let p = logP.exp().scalars.map(Double.init)
        let expectedK1 = zip(p, k1.scalars).reduce(0) { $0 + $1.0 * Double($1.1) }
        let expectedK3 = zip(p, k3.scalars).reduce(0) { $0 + $1.0 * Double($1.1) }
        let exact = Self.referenceKL(policy.scalars, reference.scalars)
        #expect(abs(expectedK1 - exact) <= 1e-5, "E[k1] \(expectedK1) vs KL \(exact)")
        #expect(abs(expectedK3 - exact) <= 1e-5, "E[k3] \(expectedK3) vs KL \(exact)")
        #expect(k3.scalars.allSatisfy { $0 >= 0 })  // k3 is never negative, k1 can be
    }

    /// Ziegler et al.'s controller: β ← β·(1 + clip(KL/target − 1, ±0.2)·n/horizon).
    @Test func adaptiveControllerFollowsZieglersRule() {
        var controller = KLController(coefficient: 0.2, mode: .adaptive(target: 6, horizon: 10_000))
        controller.update(currentKL: 9, sampleCount: 64)   // error 0.5, clipped to 0.2
        #expect(abs(controller.coefficient - 0.2 * (1 + 0.2 * 64 / 10_000)) <= 1e-12)
        let before = controller.coefficient
        controller.update(currentKL: 5.4, sampleCount: 32)  // error −0.1
        #expect(abs(controller.coefficient - before * (1 - 0.1 * 32 / 10_000)) <= 1e-12)
        var fixed = KLController(coefficient: 0.05)
        fixed.update(currentKL: 100, sampleCount: 64)
        #expect(fixed.coefficient == 0.05)
    }

    /// GAE on one masked row against the recursion worked by hand.
    @Test func generalizedAdvantagesFollowTheRecursion() {
        let rewards = Tensor([0, 1, 0, 2, 9], shape: [1, 5]), values = Tensor([0.5, 0.2, 0.4, 0.1, 7], shape: [1, 5])
        let mask = Tensor([0, 1, 1, 1, 0], shape: [1, 5])   // a prompt position, three actions, padding
        let (gamma, lambda): (Float, Float) = (0.9, 0.8)
        let (advantages, returns) = Advantages.generalizedAdvantages(rewards: rewards, values: values, mask: mask,
                                                                     gamma: gamma, lambda: lambda)
        let delta3: Float = 2 - 0.1                            // last action: V after it is 0
        let delta2: Float = 0 + gamma * 0.1 - 0.4
        let delta1: Float = 1 + gamma * 0.4 - 0.2
        let a3 = delta3, a2 = delta2 + gamma * lambda * a3, a1 = delta1 + gamma * lambda * a2
        expectClose(advantages, Tensor([0, a1, a2, a3, 0], shape: [1, 5]), tolerance: 1e-6)
        expectClose(returns, Tensor([0, a1 + 0.2, a2 + 0.4, a3 + 0.1, 0], shape: [1, 5]), tolerance: 1e-6)
    }

    @Test func baselinesOfTheMonteCarloAlgorithms() {
        let rewards: [Float] = [1, 2, 3, 10], valid: [Float] = [1, 1, 1, 0]
        #expect(Advantages.batchMeanBaseline(rewards, valid: valid) == [-1, 0, 1, 8])
        // Leave-one-out within groups {0, 1} and {2, 3}; sample 3 is invalid, so 2 is alone.
        #expect(Advantages.leaveOneOutBaseline(rewards, groups: [0, 0, 1, 1], valid: valid) == [-1, 1, 3, 7])
        let normalized = Advantages.groupNormalized([1, 3, 5, 5], groups: [0, 0, 0, 1], valid: [1, 1, 1, 1])
        // Group 0: mean 3, unbiased std 2; group 1 has one member and gets 0.
        #expect(zip(normalized, [-1, 0, 1, 0] as [Float]).allSatisfy { abs($0 - $1) <= 1e-4 })
    }
}
