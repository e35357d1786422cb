import Foundation
import GenRLFeedback
import GenRLTensor
import Testing

/// Central finite differences of a scalar function against its reverse-mode gradient.
func expectGradientMatchesFiniteDifferences(at x: Tensor, step: Float = 1e-2, tolerance: Float = 2e-3,
                                            sourceLocation: SourceLocation = #_sourceLocation, _ f: @escaping (Tensor) -> Tensor) {
    let (_, analytic) = valueAndGradient(at: x, of: f)
    for element in 0..<x.count {
        func evaluate(_ delta: Float) -> Double {
            let perturbed = x.copy()
            perturbed.withMutableScalars { $0[element] += delta }
            return Double(withNoGrad { f(perturbed) }.item)
        }
        let numeric = Float((evaluate(step) - evaluate(-step)) / Double(2 * step))
        let value = analytic.scalars[element]
        #expect(abs(value - numeric) <= tolerance + 1e-2 * abs(numeric),
                "element \(element): analytic \(value) vs finite difference \(numeric)", sourceLocation: sourceLocation)
    }
}

@Suite("Preference losses")
struct PreferenceLossTests {
    @Test func bradleyTerryWithSoftTargetsHasGradientSigmoidMinusTarget() {
        let first = Tensor([0.3, -1.2, 2.0, 0.0]), second = Tensor([-0.4, 0.5, 1.0, 0.0])
        let targets: [Float] = [1, 0, 0.7, 0.5]
        let weights: [Float] = [1, 2, 0.5, 1]
        // Finite differences in both inputs, weighted mean reduction.
        expectGradientMatchesFiniteDifferences(at: first) { x in
            PreferenceLoss.bradleyTerry(first: x, second: second, targetProbabilities: Tensor(targets), weights: Tensor(weights))
        }
        expectGradientMatchesFiniteDifferences(at: second) { x in
            PreferenceLoss.bradleyTerry(first: first, second: x, targetProbabilities: Tensor(targets), weights: Tensor(weights))
        }
        // The closed form: ∂ℓᵢ/∂dᵢ = σ(dᵢ) − pᵢ, value softplus(−d) + (1 − p)d.
        let (value, gradient) = valueAndGradient(at: first) { x in
            PreferenceLoss.bradleyTerry(first: x, second: second, targetProbabilities: Tensor(targets), reduction: .sum)
        }
        var expectedValue: Float = 0
        for i in 0..<4 {
            let d = first.scalars[i] - second.scalars[i]
            expectedValue += log(1 + exp(-d)) + (1 - targets[i]) * d
            #expect(abs(gradient.scalars[i] - (1 / (1 + exp(-d)) - targets[i])) < 1e-5)
        }
        #expect(abs(value.item - expectedValue) < 1e-5)
    }

    @Test func plackettLuceGradientMatchesFiniteDifferencesWithTies() {
        let rewards = Tensor([0.5, -0.3, 1.2, 0.1, -1.0])
        expectGradientMatchesFiniteDifferences(at: rewards) { r in
            PreferenceLoss.plackettLuce(rewards: r, tiers: [[2], [0, 3], [1], [4]])
        }
        expectGradientMatchesFiniteDifferences(at: rewards) { r in
            PreferenceLoss.plackettLuce(rewards: r, tiers: [[1], [0, 2, 3, 4]])
        }
        expectGradientMatchesFiniteDifferences(at: rewards) { r in
            PreferenceLoss.loss(rewards: r, label: .choice(3))
        }
    }

    @Test func plackettLuceIsAProbabilityOverAllRankings() {
        // exp(−ℓ) is the probability of a ranking; summed over all 3! rankings it is 1.
        let r: [Float] = [0.7, -0.2, 1.5]
        let rewards = Tensor(r)
        let permutations = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        var total: Double = 0
        for order in permutations {
            let loss = PreferenceLoss.plackettLuce(rewards: rewards, tiers: order.map { [$0] }).item
            total += exp(-Double(loss))
        }
        #expect(abs(total - 1) < 1e-5)
        // By hand for the order (2, 0, 1): e^{r2}/Σ · e^{r0}/(e^{r0} + e^{r1}).
        let e = r.map { exp(Double($0)) }
        let byHand = e[2] / (e[0] + e[1] + e[2]) * e[0] / (e[0] + e[1])
        let loss = PreferenceLoss.plackettLuce(rewards: rewards, tiers: [[2], [0], [1]]).item
        #expect(abs(exp(-Double(loss)) - byHand) < 1e-5)
        // A choice is the first stage only: −log softmax(r)[chosen].
        let choice = PreferenceLoss.loss(rewards: rewards, label: .choice(1)).item
        #expect(abs(Double(choice) + log(e[1] / (e[0] + e[1] + e[2]))) < 1e-5)
    }

    @Test func onPairsPlackettLuceEqualsBradleyTerry() {
        let rewards = Tensor([0.9, -0.4])
        let pl = PreferenceLoss.plackettLuce(rewards: rewards, tiers: [[0], [1]]).item
        let bt = PreferenceLoss.loss(rewards: rewards, label: .choice(0)).item
        #expect(abs(pl - bt) < 1e-6 && abs(bt - log(1 + exp(-1.3))) < 1e-5)
        // A tie of two is minimised at equal rewards.
        let tie: (Float) -> Float = { d in PreferenceLoss.plackettLuce(rewards: Tensor([d, 0]), tiers: [[0, 1]]).item }
        #expect(tie(0) < tie(0.5) && tie(0) < tie(-0.5) && abs(tie(0) - 2 * log(2)) < 1e-5)
    }
}

@Suite("Calibration")
struct CalibrationTests {
    @Test func accuracyBrierAndECEByHand() {
        // Two bins over confidence [0.5, 1]: [0.5, 0.75) and [0.75, 1].
        let p = [0.9, 0.8, 0.6, 0.3, 0.5, 0.7]
        let y = [1.0, 0.0, 1.0, 0.0, 1.0, 0.5]
        let c = PreferenceCalibration(probabilities: p, outcomes: y, bins: 2)
        #expect(c.pairs == 6 && c.decidedPairs == 5)
        // Correct: 1, 0, 1, 1 (0.3 vs 0), ½ (p = ½).
        #expect(abs(c.accuracy - 3.5 / 5) < 1e-12)
        let brier = (0.01 + 0.64 + 0.16 + 0.09 + 0.25 + 0.04) / 6
        #expect(abs(c.brierScore - brier) < 1e-12)
        // Bin 1 (0.9, 0.8): accuracy ½, confidence 0.85. Bin 0 (0.6, 0.7 = conf of 0.3, 0.5): accuracy 2.5/3, confidence 0.6.
        let ece = 2.0 / 5 * abs(0.5 - 0.85) + 3.0 / 5 * abs(2.5 / 3 - 0.6)
        #expect(abs(c.expectedCalibrationError - ece) < 1e-12)
        let logLoss = -(log(0.9) + log(0.2) + log(0.6) + log(0.7) + log(0.5) + 0.5 * log(0.7) + 0.5 * log(0.3)) / 6
        #expect(abs(c.logLoss - logLoss) < 1e-9)
    }
}
