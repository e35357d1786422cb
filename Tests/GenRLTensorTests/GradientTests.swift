import GenRLTensor
import GenRLTestSupport
import Testing

/// A finite-difference check for every differentiable operation, including broadcast
/// operands and tensors used more than once.
@Suite("Gradients match finite differences")
struct GradientTests {
    // MARK: Arithmetic and broadcasting

    @Test func addSubtractWithBroadcasting() {
        let a = uniformTensor([2, 3, 4], seed: 1), b = uniformTensor([4], seed: 2), c = uniformTensor([3, 1], seed: 3)
        expectGradientsMatchFiniteDifferences([a, b, c]) { x in x[0] + x[1] - x[2] }
        expectGradientsMatchFiniteDifferences([a, c]) { x in x[1] - x[0] }
    }

    @Test func multiplyDivideWithBroadcasting() {
        let a = uniformTensor([2, 3, 4], seed: 4), b = awayFromZero([1, 3, 1], 0.5, 1.5, seed: 5)
        expectGradientsMatchFiniteDifferences([a, b]) { x in x[0] * x[1] }
        expectGradientsMatchFiniteDifferences([a, b], step: 1e-3) { x in x[0] / x[1] }
        expectGradientsMatchFiniteDifferences([b], step: 1e-3) { x in 2 / x[0] }
    }

    @Test func scalarOperands() {
        let a = uniformTensor([3, 2], seed: 6)
        expectGradientsMatchFiniteDifferences([a]) { x in (x[0] * 3 + 1) / 2 - 0.5 }
        expectGradientsMatchFiniteDifferences([a]) { x in 1 - (-x[0]) * 2 }
    }

    @Test func repeatedUseSumsGradients() {
        let a = uniformTensor([4, 3], seed: 7)
        expectGradientsMatchFiniteDifferences([a]) { x in x[0] * x[0] + x[0] }
        expectGradientsMatchFiniteDifferences([a]) { x in
            let y = x[0].tanh()
            return y * x[0] + y.sum(axis: 0, keepingDimensions: true)
        }
        // Exact check: d/dx Σ(x·x + 3x) = 2x + 3.
        let (_, gradient) = valueAndGradient(at: a) { x in (x * x + x * 3).sum() }
        expectClose(gradient, a * 2 + 3, tolerance: 1e-6)
    }

    @Test func maximumMinimumSelect() {
        let a = uniformTensor([3, 4], seed: 8), b = uniformTensor([3, 4], seed: 9) + 0.05
        expectGradientsMatchFiniteDifferences([a, b], step: 1e-3) { x in Tensor.maximum(x[0], x[1]) }
        expectGradientsMatchFiniteDifferences([a, b], step: 1e-3) { x in Tensor.minimum(x[0], x[1]) }
        let condition = a .> b
        expectGradientsMatchFiniteDifferences([a, b]) { x in Tensor.select(condition, x[0] * 2, x[1].exp()) }
    }

    // MARK: Element-wise functions

    @Test func smoothUnaryFunctions() {
        let x = uniformTensor([3, 5], -2, 2, seed: 10)
        expectGradientsMatchFiniteDifferences([x]) { $0[0].exp() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].tanh() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].sigmoid() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].logSigmoid() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].gelu() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].softplus() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].squared() }
    }

    @Test func functionsOnPositiveInputs() {
        let x = uniformTensor([4, 3], 0.5, 2, seed: 11)
        expectGradientsMatchFiniteDifferences([x], step: 1e-3) { $0[0].log() }
        expectGradientsMatchFiniteDifferences([x], step: 1e-3) { $0[0].sqrt() }
        expectGradientsMatchFiniteDifferences([x], step: 1e-3) { $0[0].pow(1.7) }
        expectGradientsMatchFiniteDifferences([x], step: 1e-3) { $0[0].pow(-0.5) }
    }

    @Test func piecewiseFunctionsAwayFromKinks() {
        let x = awayFromZero([4, 4], seed: 12)
        expectGradientsMatchFiniteDifferences([x]) { $0[0].relu() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].abs() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].clamped(min: -0.1, max: 0.1) }
    }

    // MARK: Reductions

    @Test func sumMeanVariance() {
        let x = uniformTensor([2, 3, 4], seed: 13)
        expectGradientsMatchFiniteDifferences([x]) { $0[0].sum(alongAxes: [0, 2]) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].sum(axis: 1, keepingDimensions: true) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].mean(axis: -1) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].mean() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].variance(alongAxes: [2], correction: 0) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].variance(alongAxes: [0, 1], keepingDimensions: true) }
    }

    @Test func maxMinLogSumExp() {
        let x = uniformTensor([3, 5], -3, 3, seed: 14)
        expectGradientsMatchFiniteDifferences([x], step: 1e-3) { $0[0].max(axis: 1) }
        expectGradientsMatchFiniteDifferences([x], step: 1e-3) { $0[0].min(axis: 0, keepingDimensions: true) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].logSumExp(axis: -1) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].logSumExp(axis: 0, keepingDimensions: true) }
    }

    // MARK: Rearrangements

    @Test func reshapePermuteTranspose() {
        let x = uniformTensor([2, 3, 4], seed: 15)
        expectGradientsMatchFiniteDifferences([x]) { $0[0].reshaped([6, 4]).tanh() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].permuted([2, 0, 1]) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].transposed() }
        expectGradientsMatchFiniteDifferences([uniformTensor([3, 1], seed: 41)]) { $0[0].broadcasted(to: [2, 3, 4]) }
    }

    @Test func sliceSelectSplit() {
        let x = uniformTensor([3, 5, 2], seed: 16)
        expectGradientsMatchFiniteDifferences([x]) { $0[0].sliced(axis: 1, 1..<4) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].selecting(axis: 0, index: -1) }
        expectGradientsMatchFiniteDifferences([x]) { x in
            let parts = x[0].split(sizes: [2, 3], axis: 1)
            return parts[0].sum(axis: 1) * parts[1].mean(axis: 1)
        }
    }

    @Test func concatenateAndStack() {
        let a = uniformTensor([2, 3], seed: 17), b = uniformTensor([2, 1], seed: 18)
        expectGradientsMatchFiniteDifferences([a, b]) { x in Tensor.concatenate([x[0], x[1], x[0]], axis: 1) }
        expectGradientsMatchFiniteDifferences([a]) { x in Tensor.stack([x[0], x[0].exp()], axis: 1) }
    }

    // MARK: Indexing

    @Test func indexSelectGatherScatter() {
        let table = uniformTensor([5, 3], seed: 19)
        let ids = IntTensor([[1, 4, 1], [0, 2, 4]])
        expectGradientsMatchFiniteDifferences([table]) { $0[0].indexSelect(ids, axis: 0) }
        let x = uniformTensor([2, 4], seed: 20)
        let picks = IntTensor([[3, 0, 3], [1, 1, 2]])
        expectGradientsMatchFiniteDifferences([x]) { $0[0].gather(picks, axis: 1) }
        let values = uniformTensor([2, 3], seed: 21)
        expectGradientsMatchFiniteDifferences([x, values]) { $0[0].scatterAdding(picks, $0[1], axis: 1) }
    }

    // MARK: Matrix products

    @Test func matmulAllTransposes() {
        let a = uniformTensor([3, 4], seed: 22), b = uniformTensor([4, 5], seed: 23)
        expectGradientsMatchFiniteDifferences([a, b]) { Tensor.matmul($0[0], $0[1]) }
        let at = uniformTensor([4, 3], seed: 24), bt = uniformTensor([5, 4], seed: 25)
        expectGradientsMatchFiniteDifferences([at, b]) { Tensor.matmul($0[0], $0[1], transposeA: true) }
        expectGradientsMatchFiniteDifferences([a, bt]) { Tensor.matmul($0[0], $0[1], transposeB: true) }
        expectGradientsMatchFiniteDifferences([at, bt]) { Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: true) }
    }

    @Test func batchedMatmulWithBroadcastBatch() {
        let a = uniformTensor([2, 1, 3, 4], seed: 26), b = uniformTensor([3, 4, 2], seed: 27)
        expectGradientsMatchFiniteDifferences([a, b]) { Tensor.matmul($0[0], $0[1]) }
        let rows = uniformTensor([2, 3, 4], seed: 28), w = uniformTensor([4, 5], seed: 29)
        expectGradientsMatchFiniteDifferences([rows, w]) { Tensor.matmul($0[0], $0[1]) }
        let q = uniformTensor([2, 3, 4], seed: 30), k = uniformTensor([2, 5, 4], seed: 31)
        expectGradientsMatchFiniteDifferences([q, k]) { Tensor.matmul($0[0], $0[1], transposeB: true) }
    }

    @Test func linearWithAndWithoutBias() {
        let x = uniformTensor([2, 3, 4], seed: 32), w = uniformTensor([5, 4], seed: 33), b = uniformTensor([5], seed: 34)
        expectGradientsMatchFiniteDifferences([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        expectGradientsMatchFiniteDifferences([x, w]) { Tensor.linear($0[0], weight: $0[1]) }
    }

    @Test func linearAddingAResidual() {
        let x = uniformTensor([2, 3, 4], seed: 35), w = uniformTensor([5, 4], seed: 36), b = uniformTensor([5], seed: 37)
        let r = uniformTensor([2, 3, 5], seed: 38)
        expectGradientsMatchFiniteDifferences([x, w, b, r]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2], adding: $0[3]) }
        expectGradientsMatchFiniteDifferences([x, w, r]) { Tensor.linear($0[0], weight: $0[1], adding: $0[2]) }
        expectClose(Tensor.linear(x, weight: w, bias: b, adding: r), r + Tensor.linear(x, weight: w, bias: b), tolerance: 1e-6)
        // 40 rows: the few-row kernel on processors with AVX-512, which adds the residual as it stores.
        let rows = uniformTensor([40, 16], seed: 39), wide = uniformTensor([130, 16], seed: 40)
        let residual = uniformTensor([40, 130], seed: 41), bias = uniformTensor([130], seed: 42)
        expectClose(Tensor.linear(rows, weight: wide, bias: bias, adding: residual),
                    residual + Tensor.linear(rows, weight: wide, bias: bias), tolerance: 1e-5)
    }

    // MARK: Softmax family and losses

    @Test func softmaxLogSoftmaxEntropy() {
        let x = uniformTensor([3, 6], -2, 2, seed: 35)
        expectGradientsMatchFiniteDifferences([x]) { $0[0].softmax() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].logSoftmax() }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].softmax(axis: 0) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].logSoftmax(axis: 0) }
        expectGradientsMatchFiniteDifferences([x]) { $0[0].softmaxEntropy() }
    }

    @Test func crossEntropyReductionsAndWeights() {
        let logits = uniformTensor([2, 3, 7], -2, 2, seed: 36)
        let targets = IntTensor([[0, 6, 3], [2, 2, 5]])
        let mask = Tensor([[1, 1, 0], [1, 0, 1]])
        let weights = Tensor([[0.5, 2, 1], [1, 0.25, 3]])
        expectGradientsMatchFiniteDifferences([logits]) { Tensor.crossEntropy(logits: $0[0], targets: targets) }
        expectGradientsMatchFiniteDifferences([logits]) { Tensor.crossEntropy(logits: $0[0], targets: targets, weights: mask) }
        expectGradientsMatchFiniteDifferences([logits]) { Tensor.crossEntropy(logits: $0[0], targets: targets, weights: weights, reduction: .sum) }
        expectGradientsMatchFiniteDifferences([logits]) { Tensor.crossEntropy(logits: $0[0], targets: targets, reduction: .none) }
        expectGradientsMatchFiniteDifferences([logits]) { Tensor.selectedLogProbabilities(logits: $0[0], targets: targets) }
    }

    /// 6 features run the kernels' one-at-a-time tails only; 45 = 32 + 8 + 5 runs their
    /// four-vector, one-vector and scalar loops.
    @Test(arguments: [6, 45])
    func fusedLayerNorm(features n: Int) {
        let x = uniformTensor([2, 3, n], -2, 2, seed: 42), w = uniformTensor([n], 0.5, 1.5, seed: 43), b = uniformTensor([n], seed: 44)
        expectGradientsMatchFiniteDifferences([x, w, b]) { Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2]) }
        // The fused kernel equals the composite definition.
        let composite = (x - x.mean(axis: -1, keepingDimensions: true))
            / (x.variance(alongAxes: [-1], keepingDimensions: true, correction: 0) + 1e-5).sqrt() * w + b
        expectClose(Tensor.layerNorm(x, weight: w, bias: b), composite, tolerance: 2e-6)
    }

    /// 150 rows are three of the blocks the backward pass sums dγ and dβ over.
    @Test func fusedLayerNormGradientsMatchTheCompositeOverSeveralRowBlocks() {
        let x = uniformTensor([150, 20], -2, 2, seed: 45), w = uniformTensor([20], 0.5, 1.5, seed: 46)
        let b = uniformTensor([20], seed: 47), seed = uniformTensor([150, 20], seed: 48)
        func composite(_ p: [Tensor]) -> Tensor {
            (p[0] - p[0].mean(axis: -1, keepingDimensions: true))
                / (p[0].variance(alongAxes: [-1], keepingDimensions: true, correction: 0) + 1e-5).sqrt() * p[1] + p[2]
        }
        let inputs = [x, w, b].map { $0.trackingGradient() }
        let fused = GradientMode.$isRecording.withValue(true) { Tensor.layerNorm(inputs[0], weight: inputs[1], bias: inputs[2]) }
        let reference = GradientMode.$isRecording.withValue(true) { composite(inputs) }
        let fusedGradients = gradients(of: fused, withRespectTo: inputs, seed: seed)
        let referenceGradients = gradients(of: reference, withRespectTo: inputs, seed: seed)
        for (got, expected) in zip(fusedGradients, referenceGradients) { expectClose(got, expected, tolerance: 2e-4) }
    }

    @Test func fusedLinearCrossEntropy() {
        let x = uniformTensor([3, 5, 4], seed: 45), w = uniformTensor([37, 4], seed: 46), b = uniformTensor([37], seed: 47)
        var generator = RandomGenerator(seed: 48)
        let targets = IntTensor.randomIntegers([3, 5], below: 37, using: &generator)
        let mask = Tensor((0..<15).map { $0 % 4 == 3 ? 0 : 1 }, shape: [3, 5])
        expectGradientsMatchFiniteDifferences([x, w, b]) {
            Tensor.linearCrossEntropy($0[0], weight: $0[1], bias: $0[2], targets: targets, weights: mask)
        }
        // Equal, value and gradients, to the unfused composition, for both reductions and
        // with enough rows for several blocks and threads.
        let rows = uniformTensor([700, 6], seed: 49), table = uniformTensor([300, 6], seed: 50), shift = uniformTensor([300], seed: 51)
        let many = IntTensor.randomIntegers([700], below: 300, using: &generator)
        for reduction in [LossReduction.mean, .sum] {
            let (fused, fusedGradients) = valueAndGradients(at: [rows, table, shift]) {
                Tensor.linearCrossEntropy($0[0], weight: $0[1], bias: $0[2], targets: many, reduction: reduction) * 3
            }
            let (plain, plainGradients) = valueAndGradients(at: [rows, table, shift]) {
                Tensor.crossEntropy(logits: Tensor.linear($0[0], weight: $0[1], bias: $0[2]), targets: many, reduction: reduction) * 3
            }
            #expect(Swift.abs(fused.item - plain.item) <= 1e-5 * Swift.abs(plain.item))
            for (a, b) in zip(fusedGradients, plainGradients) { expectClose(a, b, tolerance: 2e-5 * (reduction == .sum ? 50 : 1)) }
        }
    }

    @Test func dropoutWithAFixedMask() {
        let x = uniformTensor([4, 6], seed: 37)
        expectGradientsMatchFiniteDifferences([x]) { inputs in
            var generator = RandomGenerator(seed: 99)  // the same mask at every evaluation
            return inputs[0].dropout(probability: 0.3, using: &generator)
        }
    }

    @Test func composedNetwork() {
        let x = uniformTensor([3, 4], seed: 38), w = uniformTensor([5, 4], seed: 39), b = uniformTensor([5], seed: 40)
        expectGradientsMatchFiniteDifferences([x, w, b]) { p in
            let h = Tensor.linear(p[0], weight: p[1], bias: p[2]).gelu()
            let normalized = (h - h.mean(axis: -1, keepingDimensions: true))
                / (h.variance(alongAxes: [-1], keepingDimensions: true, correction: 0) + 1e-5).sqrt()
            return normalized.logSoftmax().sum(axis: 0)
        }
    }
}
