import Foundation
import GenRLNN
import GenRLTensor
import GenRLTestSupport
import Testing

// References: per-element values from PyTorch (Tests/Fixtures/nn/optimizer.safetensors,
// written by make_optimizer_fixture.py) and formulas evaluated here in Double.

private func lossFixture() throws -> SafeTensors.Archive {
    try SafeTensors.read(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/nn/optimizer.safetensors"))
}

/// |actual − expected| ≤ absolute + relative·|expected| element-wise.
private func expectLossValues(_ actual: Tensor, _ expected: [Double], absolute: Double = 1e-6, relative: Double = 1e-5,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual.scalars, expected).enumerated() {
        #expect(Swift.abs(Double(a) - e) <= absolute + relative * Swift.abs(e), "element \(i): \(a) vs \(e)",
                sourceLocation: sourceLocation)
    }
}


private func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

@Suite("Losses")
struct LossTests {
    @Test func binaryCrossEntropyMatchesPyTorchAtExtremeLogits() throws {
        let fixture = try lossFixture()
        let logits = try fixture.tensor("loss.bce.logits"), targets = try fixture.tensor("loss.bce.targets")
        let expected = try fixture.tensor("loss.bce.values").scalars.map(Double.init)
        let losses = Loss.binaryCrossEntropy(logits: logits, targets: targets, reduction: .none)
        expectLossValues(losses, expected)
        // The formula in Double: −y·log σ(x) − (1 − y)·log(1 − σ(x)), via log1p for range.
        let byHand = zip(logits.scalars, targets.scalars).map { x, y -> Double in
            let (x, y) = (Double(x), Double(y))
            return y * Foundation.log1p(Foundation.exp(-x)) + (1 - y) * Foundation.log1p(Foundation.exp(x))
        }
        expectLossValues(losses, byHand)
        #expect(losses.scalars.allSatisfy { $0.isFinite })
        let mean = Loss.binaryCrossEntropy(logits: logits, targets: targets)
        #expect(Swift.abs(Double(mean.item) - expected.reduce(0, +) / Double(expected.count)) <= 1e-5 * 20)
    }

    @Test func binaryCrossEntropyGradientIsSigmoidMinusTargetEvenAtExtremes() throws {
        let fixture = try lossFixture()
        let logits = try fixture.tensor("loss.bce.logits"), targets = try fixture.tensor("loss.bce.targets")
        let (_, gradient) = valueAndGradient(at: logits) { Loss.binaryCrossEntropy(logits: $0, targets: targets, reduction: .sum) }
        let expected = zip(logits.scalars, targets.scalars).map { sigmoid(Double($0)) - Double($1) }
        expectLossValues(gradient, expected, absolute: 1e-6, relative: 1e-5)
    }

    @Test func weightedMeanDividesByTheTotalWeight() {
        let logits = Tensor([[0.5, -1.0, 2.0], [3.0, 0.0, -0.7]])
        let targets = Tensor([[1.0, 0.0, 1.0], [0.0, 0.5, 1.0]])
        let weights = Tensor([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0]])
        let perElement = Loss.binaryCrossEntropy(logits: logits, targets: targets, reduction: .none).scalars
        let weighted = zip(perElement, weights.scalars).map { Double($0) * Double($1) }
        let total = weights.scalars.reduce(0) { $0 + Double($1) }
        let mean = Loss.binaryCrossEntropy(logits: logits, targets: targets, weights: weights)
        let sum = Loss.binaryCrossEntropy(logits: logits, targets: targets, weights: weights, reduction: .sum)
        let none = Loss.binaryCrossEntropy(logits: logits, targets: targets, weights: weights, reduction: .none)
        #expect(Swift.abs(Double(mean.item) - weighted.reduce(0, +) / total) <= 1e-6)
        #expect(Swift.abs(Double(sum.item) - weighted.reduce(0, +)) <= 1e-5)
        expectLossValues(none, weighted)
        // A row weight broadcasts over the row; all-zero weights give 0, not NaN.
        let rowWeights = Tensor([[1.0], [0.0]])
        let rowMean = Loss.binaryCrossEntropy(logits: logits, targets: targets, weights: rowWeights)
        #expect(Swift.abs(Double(rowMean.item) - perElement[0..<3].reduce(0) { $0 + Double($1) } / 3) <= 1e-6)
        #expect(Loss.binaryCrossEntropy(logits: logits, targets: targets, weights: .zeros([2, 3])).item == 0)
    }

    @Test func bradleyTerryMatchesPyTorch() throws {
        let fixture = try lossFixture()
        let chosen = try fixture.tensor("loss.bt.chosen"), rejected = try fixture.tensor("loss.bt.rejected")
        let margin = try fixture.tensor("loss.bt.margin")
        let losses = Loss.bradleyTerry(chosenRewards: chosen, rejectedRewards: rejected, margin: margin, reduction: .none)
        expectLossValues(losses, try fixture.tensor("loss.bt.values").scalars.map(Double.init))
        // Without a margin: log(1 + e^−(c − r)) in Double.
        let plain = Loss.bradleyTerry(chosenRewards: chosen, rejectedRewards: rejected, reduction: .none)
        expectLossValues(plain, zip(chosen.scalars, rejected.scalars).map { c, r in
            let d = Double(c) - Double(r)
            return Swift.max(-d, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(d)))
        })
        // ∂ℓ/∂r_chosen = −σ(−d) = −∂ℓ/∂r_rejected.
        let (_, gradients) = valueAndGradients(at: [chosen, rejected]) {
            Loss.bradleyTerry(chosenRewards: $0[0], rejectedRewards: $0[1], margin: margin, reduction: .sum)
        }
        let expected = (0..<chosen.count).map { -sigmoid(-(Double(chosen.scalars[$0]) - Double(rejected.scalars[$0]) - Double(margin.scalars[$0]))) }
        expectLossValues(gradients[0], expected)
        expectLossValues(gradients[1], expected.map { -$0 })
    }

    @Test func meanSquaredErrorMatchesPyTorch() throws {
        let fixture = try lossFixture()
        let predictions = try fixture.tensor("loss.mse.predictions"), targets = try fixture.tensor("loss.mse.targets")
        let loss = Loss.meanSquaredError(predictions: predictions, targets: targets)
        expectLossValues(loss, [Double(try fixture.tensor("loss.mse.mean").scalars[0])])
    }

    @Test func crossEntropyIsLogSumExpMinusTheTargetLogit() {
        let logits = Tensor([[2.0, -1.0, 0.5], [0.0, 100.0, -100.0]])
        let targets = IntTensor([2, 0], shape: [2])
        let byHand = [[2.0, -1.0, 0.5], [0.0, 100.0, -100.0]].enumerated().map { row, values -> Double in
            let top = values.max()!
            let logSumExp = top + Foundation.log(values.reduce(0) { $0 + Foundation.exp($1 - top) })
            return logSumExp - values[Int(targets.scalars[row])]
        }
        expectLossValues(Loss.crossEntropy(logits: logits, targets: targets, reduction: .none), byHand)
        expectLossValues(Loss.crossEntropy(logits: logits, targets: targets), [byHand.reduce(0, +) / 2])
    }

    @Test func gradientsMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 11)
        let logits = Tensor.randomUniform([3, 4], lowerBound: -3, upperBound: 3, using: &generator)
        let targets = Tensor.randomUniform([3, 4], using: &generator)
        let weights = Tensor.randomUniform([3, 1], lowerBound: 0.2, upperBound: 2, using: &generator)
        expectGradientsMatchFiniteDifferences([logits, targets]) {
            Loss.binaryCrossEntropy(logits: $0[0], targets: $0[1], weights: weights)
        }
        expectGradientsMatchFiniteDifferences([logits, targets]) {
            Loss.meanSquaredError(predictions: $0[0], targets: $0[1], weights: weights, reduction: .sum)
        }
        let chosen = Tensor.randomUniform([5], lowerBound: -2, upperBound: 2, using: &generator)
        let rejected = Tensor.randomUniform([5], lowerBound: -2, upperBound: 2, using: &generator)
        expectGradientsMatchFiniteDifferences([chosen, rejected, Tensor([0.3, 0.1, 0.0, 1.0, 0.5])]) {
            Loss.bradleyTerry(chosenRewards: $0[0], rejectedRewards: $0[1], margin: $0[2])
        }
        let classes = IntTensor([1, 3, 0], shape: [3])
        expectGradientsMatchFiniteDifferences([logits]) {
            Loss.crossEntropy(logits: $0[0], targets: classes, weights: Tensor([1.0, 0.0, 2.0]))
        }
        // The weighted mean is differentiable in the weights too (Σwℓ / Σw).
        expectGradientsMatchFiniteDifferences([weights]) {
            Loss.meanSquaredError(predictions: logits, targets: targets, weights: $0[0])
        }
    }
}
