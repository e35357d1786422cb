import Foundation
import GenRLNN
import GenRLTensor

/// The per-row arithmetic of `LSTMSampler`, on eight lanes at a time, written to be
/// inlined into the row loops (the vector functions of `VectorMath` are called, not
/// inlined, across the module boundary, which costs a call per eight lanes).
enum SamplerKernels {
    /// Rows whose logits are computed together (their hidden states are broadcast
    /// against each loaded block of W_outᵀ).
    static let rowBlock = 4
    /// Logits computed per inner iteration; the vocabulary is padded to a multiple.
    static let vocabularyBlock = 16

    // MARK: - Gates and cell

    /// gates[j] += Σₖ input[k]·Wᵀ[k, j] for j < width, with Wᵀ stored [inputSize, width].
    @inline(__always)
    static func accumulate(_ gates: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                           transposedWeight: UnsafePointer<Float>, inputSize: Int, width: Int) {
        for k in 0..<inputSize {
            let x = FloatVector(repeating: input[k])
            let row = transposedWeight + k * width
            var j = 0
            while j + 8 <= width {
                store(load(gates + j).addingProduct(x, load(row + j)), gates + j)
                j += 8
            }
            while j < width { gates[j] += input[k] * row[j]; j += 1 }
        }
    }

    @inline(__always)
    static func accumulate(_ gates: UnsafeMutablePointer<Float>, input: UnsafeMutablePointer<Float>,
                           transposedWeight: UnsafeMutablePointer<Float>, inputSize: Int, width: Int) {
        accumulate(gates, input: UnsafePointer(input), transposedWeight: UnsafePointer(transposedWeight),
                   inputSize: inputSize, width: width)
    }

    /// The LSTM cell on pre-activations a = (a_i, a_f, a_g, a_o), each `size` long:
    /// c ← σ(a_f)·c + σ(a_i)·tanh(a_g), h ← σ(a_o)·tanh(c).
    @inline(__always)
    static func cellUpdate(gates a: UnsafeMutablePointer<Float>, cell: UnsafeMutablePointer<Float>,
                           hidden: UnsafeMutablePointer<Float>, size: Int) {
        var j = 0
        while j + 8 <= size {
            let i = sigmoid(load(a + j)), f = sigmoid(load(a + size + j))
            let g = tanh(load(a + 2 * size + j)), o = sigmoid(load(a + 3 * size + j))
            let c = f * load(cell + j) + i * g
            store(c, cell + j)
            store(o * tanh(c), hidden + j)
            j += 8
        }
        while j < size {  // hidden sizes that are not a multiple of 8
            let i = 1 / (1 + Foundation.exp(-a[j])), f = 1 / (1 + Foundation.exp(-a[size + j]))
            let g = Foundation.tanh(a[2 * size + j]), o = 1 / (1 + Foundation.exp(-a[3 * size + j]))
            cell[j] = f * cell[j] + i * g
            hidden[j] = o * Foundation.tanh(cell[j])
            j += 1
        }
    }

    // MARK: - Logits

    /// logits[r, v] = b[v] + Σₖ h[row, k]·W_outᵀ[k, v] for the rows of `rows` (at most
    /// `rowBlock`), written to consecutive rows of `output` [rows.count, V'], with the
    /// largest logit of each row in `maxima`.
    @inline(__always)
    static func logits(rows: Range<Int>, hidden: UnsafeMutablePointer<Float>, hiddenSize: Int, weights: Weights,
                       into output: UnsafeMutablePointer<Float>, maxima: UnsafeMutablePointer<Float>) {
        let padded = weights.paddedVocabulary
        if rows.count == 4 {
            var m0 = FloatVector(repeating: -.infinity), m1 = m0, m2 = m0, m3 = m0
            let h0 = hidden + rows.lowerBound * hiddenSize, h1 = h0 + hiddenSize, h2 = h1 + hiddenSize, h3 = h2 + hiddenSize
            var v = 0
            while v < padded {
                let b0 = load(weights.outputBias + v), b1 = load(weights.outputBias + v + 8)
                var a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1
                var w = UnsafePointer(weights.outputWeight + v)
                for k in 0..<hiddenSize {
                    let w0 = load(w), w1 = load(w + 8)
                    let x0 = FloatVector(repeating: h0[k]), x1 = FloatVector(repeating: h1[k])
                    let x2 = FloatVector(repeating: h2[k]), x3 = FloatVector(repeating: h3[k])
                    a00 = a00.addingProduct(x0, w0); a01 = a01.addingProduct(x0, w1)
                    a10 = a10.addingProduct(x1, w0); a11 = a11.addingProduct(x1, w1)
                    a20 = a20.addingProduct(x2, w0); a21 = a21.addingProduct(x2, w1)
                    a30 = a30.addingProduct(x3, w0); a31 = a31.addingProduct(x3, w1)
                    w += padded
                }
                store(a00, output + v); store(a01, output + v + 8)
                store(a10, output + padded + v); store(a11, output + padded + v + 8)
                store(a20, output + 2 * padded + v); store(a21, output + 2 * padded + v + 8)
                store(a30, output + 3 * padded + v); store(a31, output + 3 * padded + v + 8)
                m0 = larger(m0, larger(a00, a01)); m1 = larger(m1, larger(a10, a11))
                m2 = larger(m2, larger(a20, a21)); m3 = larger(m3, larger(a30, a31))
                v += 16
            }
            maxima[0] = horizontalMaximum(m0); maxima[1] = horizontalMaximum(m1)
            maxima[2] = horizontalMaximum(m2); maxima[3] = horizontalMaximum(m3)
            return
        }
        for (local, row) in rows.enumerated() {
            let h = hidden + row * hiddenSize, out = output + local * padded
            var m = FloatVector(repeating: -.infinity)
            var v = 0
            while v < padded {
                var a0 = load(weights.outputBias + v), a1 = load(weights.outputBias + v + 8)
                var w = UnsafePointer(weights.outputWeight + v)
                for k in 0..<hiddenSize {
                    let x = FloatVector(repeating: h[k])
                    a0 = a0.addingProduct(x, load(w)); a1 = a1.addingProduct(x, load(w + 8))
                    w += padded
                }
                store(a0, out + v); store(a1, out + v + 8)
                m = larger(m, larger(a0, a1))
                v += 16
            }
            maxima[local] = horizontalMaximum(m)
        }
    }

    // MARK: - Sampling and scoring

    /// Replaces each logit zᵢ of a row (count a multiple of 8) by exp(zᵢ − m), m = max z,
    /// and returns their sum.
    @inline(__always)
    static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int, maximum m: Float) -> Float {
        let shift = FloatVector(repeating: m)
        var total = FloatVector()
        var j = 0
        while j < count {
            let w = exp(load(row + j) - shift)
            store(w, row + j)
            total += w
            j += 8
        }
        return total.sum()
    }

    /// log Σᵢ exp(zᵢ) of a row (count a multiple of 8) whose largest entry is m.
    @inline(__always)
    static func logSumExp(_ row: UnsafeMutablePointer<Float>, count: Int, maximum m: Float) -> Float {
        let shift = FloatVector(repeating: m)
        var total = FloatVector()
        var j = 0
        while j < count {
            total += exp(load(row + j) - shift)
            j += 8
        }
        return m + Foundation.log(total.sum())
    }

    /// The first index whose running sum of `weights` exceeds `threshold` (the last
    /// positive weight if rounding leaves the threshold beyond the sum): blocks of eight
    /// are skipped by their sums, the chosen block is walked entry by entry.
    @inline(__always)
    static func walk(_ weights: UnsafeMutablePointer<Float>, count: Int, threshold: Float) -> Int {
        var running: Float = 0
        var j = 0
        while j + 8 <= count {
            let blockSum = load(weights + j).sum()
            if running + blockSum > threshold { break }
            running += blockSum
            j += 8
        }
        while j < count {
            running += weights[j]
            if running > threshold && weights[j] > 0 { return j }
            j += 1
        }
        var last = count - 1
        while last > 0 && !(weights[last] > 0) { last -= 1 }
        return last
    }

    /// The larger of a and b in each lane.
    @inline(__always)
    static func larger(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
        a.replacing(with: b, where: a .< b)
    }

    /// The largest of eight lanes.
    @inline(__always)
    static func horizontalMaximum(_ v: FloatVector) -> Float {
        var best = v[0]
        for lane in 1..<8 where v[lane] > best { best = v[lane] }
        return best
    }

    // MARK: - Vector functions

    /// eˣ, σ(x) and tanh x on eight lanes: the recurrent layers' own functions
    /// (`GateActivations`; eˣ clamped to [−87, 88], so −∞ gives about 10⁻³⁸, never NaN).
    @inline(__always)
    static func exp(_ x: FloatVector) -> FloatVector { GateActivations.exp(x) }

    @inline(__always)
    static func sigmoid(_ x: FloatVector) -> FloatVector { GateActivations.sigmoid(x) }

    @inline(__always)
    static func tanh(_ x: FloatVector) -> FloatVector { GateActivations.tanh(x) }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> FloatVector {
        UnsafeRawPointer(pointer).loadUnaligned(as: FloatVector.self)
    }

    @inline(__always)
    static func load(_ pointer: UnsafeMutablePointer<Float>) -> FloatVector { load(UnsafePointer(pointer)) }

    @inline(__always)
    static func store(_ v: FloatVector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: v, as: FloatVector.self)
    }
}
