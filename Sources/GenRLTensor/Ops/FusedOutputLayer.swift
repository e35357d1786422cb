import Foundation
import GenRLAVX512

/// One call of `Tensor.linearCrossEntropy`, taken a block of rows at a time: what every
/// block reads, and the three steps of a block.
///
/// For row r with target t, weight w and logits ℓ = W·x_r + b:
///
///     shift = ℓ_t,  e = exp(ℓ − shift),  loss += w·(shift + ln Σe − ℓ_t)
///     dlogits = s·e − c·onehot(t),  s = w/(normaliser·Σe),  c = w/normaliser
///
/// and the gradients are dx = s·(e·W) − c·W_t and [dW | db] += eᵀ·[s·x | s] − c·onehotᵀ·[x | 1]:
/// the softmax's normaliser and the one-hot term are applied to the products' small
/// operands and results, so that e is read only by the two products.
///
/// Two sets of kernels compute e and the products:
/// - BLAS: the logits from `sgemm` into a row-major block, one eight-lane pass for e,
///   Σe and the row's maximum, and `sgemm` for both products;
/// - wide (AVX-512, `WideKernels`): `exponentiatedLogits` computes e, Σe, the maximum and
///   dx's product e·W with the logits kept in registers and L1, and
///   `addTransposedProduct` the weight's product; e is laid out in tiles of 32 classes.
struct FusedOutputLayer {
    let x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?
    let targets: UnsafePointer<Int32>, rowWeights: UnsafePointer<Float>?
    let classes: Int, depth: Int
    /// Σw for `.mean`, 1 for `.sum` (1 also when every weight is zero).
    let normalizer: Float
    /// The weight's gradient is [dW | db]: `columns` = depth, + 1 with a bias, stored with
    /// rows `stride` floats apart (whole 64-byte lines for the wide kernels).
    let columns: Int, stride: Int
    /// Wᵀ and the bias as the wide kernels read them, or nil to use BLAS.
    let panels: WidePanels?

    /// Rows per block: about 2 MB of logits, which stay in L2/L3 between the forward pass
    /// and the two backward products, while the weight's product still gets ~100 rows of
    /// depth (with 512 KB blocks its k of ~24 rows made it the slowest BLAS product).
    static func blockRows(classes: Int) -> Int { Swift.max(8, Swift.min(256, (524_288 / Swift.max(classes, 1)) & ~7)) }

    /// How far above the shift (the target's logit) a row's maximum logit may lie before
    /// the row is shifted by its maximum instead: e ≤ e⁶⁰ ≈ 1.1·10²⁶ keeps Σe and the
    /// backward products' sums far below Float's 3.4·10³⁸ for any vocabulary.
    static let shiftLimit: Float = 60

    /// Wᵀ in the panels of 32 classes `exponentiatedLogits` reads, and the bias padded
    /// with zeros to whole panels; built once per call.
    final class WidePanels {
        let transposedWeight: UnsafeMutablePointer<Float>
        let paddedBias: UnsafeMutablePointer<Float>?

        init(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, classes: Int, depth: Int) {
            let padded = paddedClassCount(classes)
            transposedWeight = .allocate(capacity: depth * padded)
            transposedWeight.initialize(repeating: 0, count: depth * padded)
            for v in 0..<classes {
                let panel = transposedWeight + v / 32 * 32 * depth + v % 32
                for d in 0..<depth { panel[32 * d] = weight[v * depth + d] }
            }
            paddedBias = bias.map { bias in
                let padding = UnsafeMutablePointer<Float>.allocate(capacity: padded)
                padding.initialize(repeating: 0, count: padded)
                padding.update(from: bias, count: classes)
                return padding
            }
        }

        deinit { transposedWeight.deallocate(); paddedBias?.deallocate() }
    }

    /// One worker's buffers for its blocks.
    final class Scratch {
        /// The block's logits, then its exponentials: row-major [rows × classes] with BLAS,
        /// in tiles of 32 classes from the wide kernel, followed by one row-major row for a
        /// row shifted again.
        let exponentials: UnsafeMutablePointer<Float>
        let reshiftedRow: UnsafeMutablePointer<Float>
        /// Per row: the shift, Σe, the largest logit, s and c.
        let shifts, totals, maxima, softmaxScales, oneHotScales: UnsafeMutablePointer<Float>
        /// [s·x | s] per row, `stride` floats apart.
        let scaledInputs: UnsafeMutablePointer<Float>
        private let rowFigures: UnsafeMutablePointer<Float>

        init(_ layer: FusedOutputLayer, blockRows rows: Int) {
            let count = layer.panels == nil ? rows * layer.classes : exponentialsCount(rows: rows, classes: layer.classes)
            exponentials = .allocate(capacity: count + layer.classes)
            // The wide kernels read the tiles' padding rows; BLAS overwrites every entry
            // it reads back.
            if layer.panels != nil { exponentials.initialize(repeating: 0, count: count + layer.classes) }
            reshiftedRow = exponentials + count
            rowFigures = .allocate(capacity: 5 * rows)
            (shifts, totals, maxima) = (rowFigures, rowFigures + rows, rowFigures + 2 * rows)
            (softmaxScales, oneHotScales) = (rowFigures + 3 * rows, rowFigures + 4 * rows)
            scaledInputs = .allocate(capacity: rows * layer.stride)
        }

        deinit { exponentials.deallocate(); rowFigures.deallocate(); scaledInputs.deallocate() }
    }

    /// Step 1: e, Σe and the largest logit for rows start..<start + count, each shifted by
    /// its target's logit; with the wide kernel and `dx`, also e·W into dx.
    func exponentiate(start: Int, count: Int, scratch: Scratch, dx: UnsafeMutablePointer<Float>?) {
        let xBlock = x + start * depth
        guard let panels else {
            MatrixMultiply.gemm(transposeA: false, transposeB: true, m: count, n: classes, k: depth, alpha: 1,
                                a: xBlock, lda: depth, b: weight, ldb: depth, beta: 0, c: scratch.exponentials, ldc: classes)
            for r in 0..<count {
                let row = scratch.exponentials + r * classes, target = Int(targets[start + r])
                scratch.shifts[r] = row[target] + (bias?[target] ?? 0)
                (scratch.totals[r], scratch.maxima[r]) = exponentiateShiftedTrackingMaximum(row, bias: bias, count: classes,
                                                                                            shift: scratch.shifts[r])
            }
            return
        }
        // The target's logit in the kernel's order (the bias, then one multiply-add per
        // d), so that e = exp(0) = 1 at the target.
        for r in 0..<count {
            let target = Int(targets[start + r]), xRow = xBlock + r * depth
            var logit = bias?[target] ?? 0
            for d in 0..<depth { logit = logit.addingProduct(xRow[d], weight[target * depth + d]) }
            scratch.shifts[r] = logit
        }
        exponentiatedLogits(x: xBlock, rows: count, depth: depth, transposedWeight: panels.transposedWeight,
                            bias: panels.paddedBias.map { UnsafePointer($0) }, weight: weight, classes: classes,
                            shifts: scratch.shifts, output: scratch.exponentials, sums: scratch.totals, maxima: scratch.maxima,
                            products: dx)
    }

    /// Step 2: each row's loss, s and c; a row whose maximum lies more than `shiftLimit`
    /// above its shift is computed again and shifted by its maximum (its e, and with the
    /// wide kernel its e·W in dx, replaced). Returns Σ w·loss over the rows.
    func finishRows(start: Int, count: Int, scratch: Scratch, dx: UnsafeMutablePointer<Float>?) -> Float {
        var loss: Float = 0
        for r in 0..<count {
            let w = rowWeights?[start + r] ?? 1
            let targetLogit = scratch.shifts[r]
            var (total, shift) = (scratch.totals[r], targetLogit)
            if !(scratch.maxima[r] - targetLogit <= Self.shiftLimit) {
                let row = panels == nil ? scratch.exponentials + r * classes : scratch.reshiftedRow
                MatrixMultiply.gemm(transposeA: false, transposeB: true, m: 1, n: classes, k: depth, alpha: 1,
                                    a: x + (start + r) * depth, lda: depth, b: weight, ldb: depth, beta: 0, c: row, ldc: classes)
                let maximum = bias.map { addAndMaxVectors(row, $0, count: classes) } ?? maxVectors(row, count: classes)
                (total, shift) = (exponentiateShifted(row, count: classes, shift: maximum), maximum)
                if panels != nil {
                    for v in 0..<classes { scratch.exponentials[exponentialIndex(row: r, class: v, rows: count)] = row[v] }
                    if let dx {
                        MatrixMultiply.gemm(transposeA: false, transposeB: false, m: 1, n: depth, k: classes, alpha: 1,
                                            a: row, lda: classes, b: weight, ldb: depth, beta: 0, c: dx + r * depth, ldc: depth)
                    }
                }
            }
            if w != 0 { loss += w * (shift + Foundation.log(total) - targetLogit) }
            scratch.softmaxScales[r] = w / (normalizer * total)
            scratch.oneHotScales[r] = w / normalizer
        }
        return loss
    }

    /// Step 3: dx for the rows (e·W from step 1 with the wide kernel, from BLAS here
    /// otherwise) and their share of [dW | db], added to `partial`.
    func backward(start: Int, count: Int, scratch: Scratch, dx: UnsafeMutablePointer<Float>,
                  partial: UnsafeMutablePointer<Float>) {
        let xBlock = x + start * depth, e = scratch.exponentials
        if panels == nil {
            MatrixMultiply.gemm(transposeA: false, transposeB: false, m: count, n: depth, k: classes, alpha: 1,
                                a: e, lda: classes, b: weight, ldb: depth, beta: 0, c: dx, ldc: depth)
        }
        for r in 0..<count {
            let (s, c, target) = (scratch.softmaxScales[r], scratch.oneHotScales[r], Int(targets[start + r]))
            let xRow = xBlock + r * depth, dxRow = dx + r * depth, scaledRow = scratch.scaledInputs + r * stride
            for d in 0..<depth {
                dxRow[d] = s * dxRow[d] - c * weight[target * depth + d]
                scaledRow[d] = s * xRow[d]
            }
            if columns > depth { scaledRow[depth] = s }
        }
        if panels == nil {
            MatrixMultiply.gemm(transposeA: true, transposeB: false, m: classes, n: columns, k: count, alpha: 1,
                                a: e, lda: classes, b: scratch.scaledInputs, ldb: stride, beta: 1, c: partial, ldc: stride)
        } else {
            addTransposedProduct(exponentials: e, rows: count, classes: classes, inputs: scratch.scaledInputs,
                                 columns: depth, stride: stride, extraColumn: columns > depth, into: partial)
        }
        for r in 0..<count {
            let (c, xRow) = (scratch.oneHotScales[r], xBlock + r * depth)
            let entry = partial + Int(targets[start + r]) * stride
            for d in 0..<depth { entry[d] -= c * xRow[d] }
            if columns > depth { entry[depth] -= c }
        }
    }
}
