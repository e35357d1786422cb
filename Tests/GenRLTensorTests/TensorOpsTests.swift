import Foundation
import GenRLTensor
import GenRLTestSupport
import Testing

@Suite("Tensor operations compute the right values")
struct TensorOpsTests {
    @Test func broadcastingArithmetic() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]])
        let row = Tensor([10, 20, 30])
        let column = Tensor([1, 2], shape: [2, 1])
        #expect((a + row).scalars == [11, 22, 33, 14, 25, 36])
        #expect((a * column).scalars == [1, 2, 3, 8, 10, 12])
        #expect((column - row).shape == [2, 3])
        #expect((column - row).scalars == [-9, -19, -29, -8, -18, -28])
        #expect((a / 2).scalars == [0.5, 1, 1.5, 2, 2.5, 3])
        #expect((1 - a).scalars == [0, -1, -2, -3, -4, -5])
        #expect(Tensor.maximum(a, Tensor(scalar: 3.5)).scalars == [3.5, 3.5, 3.5, 4, 5, 6])
    }

    @Test func comparisonsAndSelect() {
        let a = Tensor([1, 5, 3, -2])
        #expect((a .> 2).scalars == [0, 1, 1, 0])
        #expect((a .== 3).scalars == [0, 0, 1, 0])
        let chosen = Tensor.select(a .> 0, a, Tensor(scalar: -.infinity))
        #expect(chosen.scalars == [1, 5, 3, -.infinity])
    }

    @Test func reductions() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(x.sum().item == 21)
        #expect(x.sum(axis: 0).scalars == [5, 7, 9])
        #expect(x.sum(axis: 1, keepingDimensions: true).shape == [2, 1])
        #expect(x.mean(axis: 1).scalars == [2, 5])
        #expect(x.max(axis: 1).scalars == [3, 6])
        #expect(x.min(axis: 0).scalars == [1, 2, 3])
        #expect(x.argmax(axis: 0).scalars == [1, 1, 1])
        #expect(Swift.abs(x.variance(correction: 1).item - 3.5) < 1e-6)
        #expect(Swift.abs(x.variance(correction: 0).item - 35.0 / 12.0) < 1e-6)
        let lse = x.logSumExp(axis: 1).scalars
        #expect(Swift.abs(lse[0] - Float(Foundation.log(exp(1.0) + exp(2.0) + exp(3.0)))) < 1e-6)
        #expect(Tensor([-.infinity, -.infinity]).logSumExp(axis: 0).item == -.infinity)
    }

    @Test("column sums over blocks of rows match Double sums, whatever the row count",
          arguments: [(0, 5), (1, 37), (63, 32), (64, 33), (65, 100), (200, 7), (504, 256)])
    func columnSums(rows: Int, columns: Int) {
        // Values whose sums in Float depend on the order only in the last bits.
        let values = (0..<(rows * columns)).map { Float(($0 * 7_919) % 1_009) / 64 - 7 }
        let sums = Tensor(values, shape: [rows, columns]).sum(axis: 0).scalars
        #expect(sums.count == columns)
        for j in 0..<columns {
            let expected = (0..<rows).reduce(0.0) { $0 + Double(values[$1 * columns + j]) }
            #expect(Swift.abs(Double(sums[j]) - expected) <= 1e-6 * Double(rows + 1) * 16, "column \(j)")
        }
    }

    @Test func shapesAndRearrangements() {
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        #expect(x.permuted([2, 0, 1]).shape == [4, 2, 3])
        #expect(x.permuted([2, 0, 1])[1, 1, 2] == x[1, 2, 1])
        #expect(x.transposed()[1, 3, 2] == x[1, 2, 3])
        #expect(x.sliced(axis: 2, 1..<3).scalars.prefix(4) == [1, 2, 5, 6])
        #expect(x.selecting(axis: 1, index: 2).scalars == [8, 9, 10, 11, 20, 21, 22, 23])
        let joined = Tensor.concatenate([x, x.sliced(axis: 1, 0..<1)], axis: 1)
        #expect(joined.shape == [2, 4, 4])
        #expect(joined[1, 3, 2] == x[1, 0, 2])
        #expect(Tensor.stack([x, x], axis: 3).shape == [2, 3, 4, 2])
        #expect(x.reshaped([4, -1]).shape == [4, 6])
        #expect(Tensor([1, 2], shape: [2, 1]).broadcasted(to: [2, 3]).scalars == [1, 1, 1, 2, 2, 2])
    }

    @Test func indexing() {
        let table = Tensor([[0, 1], [10, 11], [20, 21]])
        let looked = table.indexSelect(IntTensor([[2, 0], [1, 1]]))
        #expect(looked.shape == [2, 2, 2])
        #expect(looked.scalars == [20, 21, 0, 1, 10, 11, 10, 11])
        let x = Tensor([[1, 2, 3], [4, 5, 6]])
        #expect(x.gather(IntTensor([[2], [0]]), axis: 1).scalars == [3, 4])
        let scattered = Tensor.zeros([2, 3]).scatterAdding(IntTensor([[1, 1], [0, 2]]), Tensor([[1, 2], [3, 4]]), axis: 1)
        #expect(scattered.scalars == [0, 3, 0, 3, 0, 4])
    }

    @Test func matrixProducts() {
        let a = Tensor([[1, 2], [3, 4], [5, 6]])
        let b = Tensor([[1, 0, -1], [2, 1, 0]])
        #expect(Tensor.matmul(a, b).scalars == [5, 2, -1, 11, 4, -3, 17, 6, -5])
        #expect(Tensor.matmul(b, a, transposeA: true, transposeB: true).scalars == Tensor.matmul(a, b).transposed().scalars)
        let y = Tensor.linear(a, weight: Tensor([[1, 1], [0, 1]]), bias: Tensor([0.5, -1]))
        #expect(y.scalars == [3.5, 1, 7.5, 3, 11.5, 5])
    }

    @Test func softmaxAndCrossEntropyAgreeWithDoubleArithmetic() {
        let logits = uniformTensor([4, 9], -5, 5, seed: 50)
        let targets = IntTensor([3, 0, 8, 5])
        let probabilities = logits.softmax()
        let logProbabilities = logits.logSoftmax()
        var expectedLoss = 0.0
        for r in 0..<4 {
            let row = (0..<9).map { Double(logits[r, $0]) }
            let z = row.map { Foundation.exp($0) }.reduce(0, +)
            for c in 0..<9 {
                #expect(Swift.abs(Double(probabilities[r, c]) - Foundation.exp(row[c]) / z) <= 3e-7 * Foundation.exp(row[c]) / z + 1e-9)
                #expect(Swift.abs(Double(logProbabilities[r, c]) - (row[c] - Foundation.log(z))) < 2e-6)
            }
            expectedLoss += Foundation.log(z) - row[Int(targets[r])]
        }
        let loss = Tensor.crossEntropy(logits: logits, targets: targets).item
        #expect(Swift.abs(Double(loss) - expectedLoss / 4) < 2e-6)
        let entropy = logits.softmaxEntropy()
        let direct = -(probabilities * logProbabilities).sum(axis: -1)
        expectClose(entropy, direct, tolerance: 2e-6)
    }

    @Test func crossEntropyMaskAveragesOverKeptPositions() {
        let logits = uniformTensor([3, 5], seed: 51)
        let targets = IntTensor([1, 4, 2])
        let perPosition = Tensor.crossEntropy(logits: logits, targets: targets, reduction: .none).scalars
        let masked = Tensor.crossEntropy(logits: logits, targets: targets, weights: Tensor([1, 0, 1])).item
        #expect(Swift.abs(masked - (perPosition[0] + perPosition[2]) / 2) < 1e-6)
    }

    @Test func gradientRecordingScopes() {
        let w = Tensor([1, 2, 3]).trackingGradient()
        #expect((w * 2).isTracked)
        #expect(!withNoGrad { w * 2 }.isTracked)
        #expect(!(w * 2).detached().isTracked)
        let unrelated = Tensor([5]).trackingGradient()
        let grads = gradients(of: (w * w).sum(), withRespectTo: [w, unrelated])
        #expect(grads[0].scalars == [2, 4, 6])
        #expect(grads[1].scalars == [0])
    }

    @Test func dropoutKeepsTheExpectation() {
        var generator = RandomGenerator(seed: 5)
        let x = Tensor.ones([100_000])
        let dropped = x.dropout(probability: 0.25, using: &generator)
        let zeros = dropped.scalars.filter { $0 == 0 }.count
        #expect(Swift.abs(Double(zeros) / 100_000 - 0.25) < 0.01)
        #expect(Swift.abs(dropped.mean().item - 1) < 0.02)
        #expect(Set(dropped.scalars).isSubset(of: [0, 1 / 0.75]))
    }

    @Test func longRecurrentGraphsDoNotOverflowTheStack() {
        let w = Tensor([0.999]).trackingGradient()
        var h = Tensor([1])
        for _ in 0..<20_000 { h = h * w }
        let g = gradients(of: h.sum(), withRespectTo: [w])[0].item
        // d/dw w^n = n·w^(n−1)
        let expected = 20_000 * Foundation.pow(0.999, 19_999.0)
        #expect(Swift.abs(Double(g) - expected) / expected < 1e-2)
    }

    @Test func shapeErrorsNameTheOperationAndShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))
        }.map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("matmul: inner dimensions differ: [2, 3] × [4, 5]"))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }.map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("add: shapes [2, 3] and [4] cannot be broadcast together"))
        }
    }
}
