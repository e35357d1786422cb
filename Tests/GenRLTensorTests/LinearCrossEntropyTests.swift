import Foundation
import GenRLAVX512
@testable import GenRLTensor
import GenRLTestSupport
import Testing

/// The fused output layer and cross-entropy (`Tensor.linearCrossEntropy`) on both of its
/// forward kernels: BLAS with the eight-lane exponential pass, and the AVX-512 kernels
/// (run only on processors that have AVX-512).
@Suite("Fused linear cross-entropy")
struct LinearCrossEntropyTests {
    /// The kernels this machine can run: always the BLAS one, the wide one with AVX-512.
    static let kernels = [false] + (WideKernels.isEnabled ? [true] : [])

    /// Value and gradients (x, W, b) of the fused loss and of the unfused composition
    /// `crossEntropy(linear(x, W, b))`, times 3 (an upstream gradient other than 1).
    func fusedAndPlain(_ inputs: [Tensor], targets: IntTensor, weights: Tensor?, reduction: LossReduction,
                       wideKernel: Bool) -> (fused: (Tensor, [Tensor]), plain: (Tensor, [Tensor])) {
        let fused = valueAndGradients(at: inputs) {
            Tensor.linearCrossEntropy($0[0], weight: $0[1], bias: $0.count > 2 ? $0[2] : nil, targets: targets, weights: weights,
                                      reduction: reduction, wideKernel: wideKernel) * 3
        }
        let plain = valueAndGradients(at: inputs) {
            Tensor.crossEntropy(logits: Tensor.linear($0[0], weight: $0[1], bias: $0.count > 2 ? $0[2] : nil), targets: targets,
                                weights: weights, reduction: reduction) * 3
        }
        return (fused, plain)
    }

    /// Several blocks and threads, a vocabulary that is not a whole number of the wide
    /// kernel's tiles (300 = 9·32 + 12, and 300 = 37·8 + 4 for its weight product), two
    /// depths (one and two column tiles), with and without a bias, both reductions, and
    /// rows of weight zero.
    @Test(arguments: kernels)
    func bothKernelsMatchTheUnfusedComposition(wideKernel: Bool) {
        var generator = RandomGenerator(seed: 60)
        let targets = IntTensor.randomIntegers([10, 70], below: 300, using: &generator)
        let mask = Tensor((0..<700).map { $0 % 5 == 4 ? 0 : 1 }, shape: [10, 70])
        for depth in [32, 64] {
            let x = uniformTensor([10, 70, depth], seed: 61), w = uniformTensor([300, depth], -0.5, 0.5, seed: 62)
            let b = uniformTensor([300], seed: 63)
            for inputs in [[x, w, b], [x, w]] {
                for reduction in [LossReduction.mean, .sum] {
                    let (fused, plain) = fusedAndPlain(inputs, targets: targets, weights: mask, reduction: reduction,
                                                       wideKernel: wideKernel)
                    #expect(Swift.abs(fused.0.item - plain.0.item) <= 2e-6 * Swift.abs(plain.0.item),
                            "depth \(depth), bias \(inputs.count > 2), \(reduction)")
                    for (a, b) in zip(fused.1, plain.1) { expectClose(a, b, tolerance: 2e-5 * (reduction == .sum ? 50 : 1)) }
                }
            }
        }
    }

    /// Rows whose largest logit lies far above their target's (about 128 nats, beyond
    /// where exp(ℓ − ℓ_target) overflows) are shifted by their maximum instead: value and
    /// gradients stay finite and equal the unfused composition's.
    @Test(arguments: kernels)
    func rowsFarAboveTheirTargetAreShiftedAgain(wideKernel: Bool) {
        let depth = 32, classes = 40
        let x = uniformTensor([50, depth], 0.5, 1.5, seed: 64)
        // Class 5's weights are all 4: its logit is about 4·32 = 128 above the others'.
        var table = uniformTensor([classes, depth], -0.5, 0.5, seed: 65).scalars
        for d in 0..<depth { table[5 * depth + d] = 4 }
        let w = Tensor(table, shape: [classes, depth]), b = uniformTensor([classes], seed: 66)
        // Targets other than 5 on all rows but every tenth.
        let others = (0..<classes).filter { $0 != 5 }
        let targets = IntTensor((0..<50).map { $0 % 10 == 0 ? 5 : others[($0 * 7) % others.count] }, shape: [50])
        for inputs in [[x, w, b], [x, w]] {
            let (fused, plain) = fusedAndPlain(inputs, targets: targets, weights: nil, reduction: .mean, wideKernel: wideKernel)
            #expect(fused.0.item.isFinite && fused.0.item > 100)
            #expect(Swift.abs(fused.0.item - plain.0.item) <= 2e-6 * Swift.abs(plain.0.item))
            for (a, b) in zip(fused.1, plain.1) {
                #expect(a.scalars.allSatisfy { $0.isFinite })
                expectClose(a, b, tolerance: 1e-4)
            }
        }
    }

    /// Without gradients the loss is the same as with them (the backward products are
    /// skipped, the forward pass is shared).
    @Test(arguments: kernels)
    func evaluationMatchesTraining(wideKernel: Bool) {
        var generator = RandomGenerator(seed: 67)
        let targets = IntTensor.randomIntegers([90], below: 100, using: &generator)
        let x = uniformTensor([90, 32], seed: 68), w = uniformTensor([100, 32], seed: 69), b = uniformTensor([100], seed: 70)
        let evaluated = Tensor.linearCrossEntropy(x, weight: w, bias: b, targets: targets, weights: nil, reduction: .mean,
                                                  wideKernel: wideKernel)
        let trained = valueAndGradients(at: [x, w, b]) {
            Tensor.linearCrossEntropy($0[0], weight: $0[1], bias: $0[2], targets: targets, weights: nil, reduction: .mean,
                                      wideKernel: wideKernel)
        }.value
        #expect(evaluated.item == trained.item)
    }

    /// The sixteen-lane exponential of the AVX-512 kernels gives the eight-lane kernel's
    /// results bit for bit (the same operations in the same order), NaN and the
    /// overflow and underflow edges included.
    @Test(.enabled(if: WideKernels.isEnabled))
    func wideExponentialEqualsTheEightLaneKernel() {
        var values = (0..<4_001).map { -120 + Float($0) * 0.055 }
        values += [-.infinity, .infinity, .nan, 0, -0.0, 88.7, 89, -103.9, -87.3, 1e-8]
        var wide = [Float](repeating: 0, count: values.count), narrow = wide
        wideExp(values, &wide, count: values.count)
        mapVectors(values, &narrow, count: values.count) { VectorMath.exp($0) }
        for (i, (a, b)) in zip(wide, narrow).enumerated() where a.bitPattern != b.bitPattern && !(a.isNaN && b.isNaN) {
            Issue.record("exp(\(values[i])): sixteen lanes \(a), eight lanes \(b)")
            return
        }
    }

    @Test func wideKernelsFollowTheProcessorAndTheSetting() {
        #expect(!WideKernels.resolve(setting: nil, flags: ["avx2", "fma", "avx512f"]))
        #expect(!WideKernels.resolve(setting: "off", flags: WideKernels.requiredFlags))
        #if arch(x86_64)
        #expect(WideKernels.resolve(setting: nil, flags: WideKernels.requiredFlags.union(["avx2"])))
        #expect(WideKernels.resolve(setting: "auto", flags: WideKernels.requiredFlags))
        #else
        #expect(!WideKernels.resolve(setting: nil, flags: WideKernels.requiredFlags))
        #endif
    }
}
