import GenRLTensor

extension Tensor {
    /// One GRU layer run over a whole sequence as a single recorded operation, with
    /// PyTorch's gate order (reset, update, new) and its placement of the reset gate:
    ///
    ///     [hᵣ, h_z, h_n] = hₜ₋₁·W_hhᵀ + b_hh          [Pᵣ, P_z, P_n] = Pₜ = xₜ·W_ihᵀ + b_ih (given)
    ///     r = σ(Pᵣ + hᵣ)   z = σ(P_z + h_z)   n = tanh(P_n + r ⊙ h_n)
    ///     hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁
    ///
    /// `inputGates` is the input projection of all steps, [B, T, 3H]; `hiddenWeight` is
    /// W_hh [3H, H], `hiddenBias` b_hh [3H] and `initialHidden` h₀ [B, H]. Each step costs
    /// one matrix product [B, H]×[H, 3H] and one SIMD pass over the gates.
    ///
    /// Backward is backpropagation through time over the saved r, z, n and h_n: with
    /// ĝh = ∂L/∂hₜ (from the output and from step t + 1),
    ///
    ///     ĝz = ĝh ⊙ (hₜ₋₁ − n),  ĝn = ĝh ⊙ (1 − z) ⊙ (1 − n²),  ĝr = ĝn ⊙ h_n ⊙ r(1 − r),
    ///     ĝz ← ĝz ⊙ z(1 − z),   ∂L/∂Pₜ = (ĝr, ĝz, ĝn),  ∂L/∂(hₜ₋₁W_hhᵀ + b_hh) = (ĝr, ĝz, ĝn ⊙ r),
    ///     ∂L/∂hₜ₋₁ = ĝh ⊙ z + (ĝr, ĝz, ĝn ⊙ r)·W_hh,
    ///
    /// and, once for all steps, ∂L/∂W_hh = Σₜ (ĝr, ĝz, ĝn ⊙ r)ᵀ·hₜ₋₁ and ∂L/∂b_hh the sum of
    /// the same rows.
    ///
    /// - Returns: the hidden states of all steps [B, T, H] and the final one [B, H].
    public static func gruRecurrence(inputGates: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor,
                                     initialHidden: Tensor) -> (output: Tensor, finalHidden: Tensor) {
        let name = "gruRecurrence"
        guard inputGates.rank == 3, hiddenWeight.rank == 2 else {
            recurrentShapeFailure(name, "input gates \(inputGates.shape) must be [B, T, 3H] and the hidden weight \(hiddenWeight.shape) [3H, H]")
        }
        let (batch, length, hidden) = (inputGates.shape[0], inputGates.shape[1], hiddenWeight.shape[1])
        let width = 3 * hidden
        if inputGates.shape[2] != width || hiddenWeight.shape[0] != width || hiddenBias.shape != [width]
            || initialHidden.shape != [batch, hidden] || length < 1 {
            recurrentShapeFailure(name, "input gates \(inputGates.shape), hidden weight \(hiddenWeight.shape), hidden bias \(hiddenBias.shape), h₀ \(initialHidden.shape) do not fit [B, T ≥ 1, 3H], [3H, H], [3H], [B, H]")
        }
        let inputs = [inputGates, hiddenWeight, hiddenBias, initialHidden]
        let saving = RecurrentRecording.willRecord(inputs)

        let output = TensorStorage(uninitializedCount: batch * length * hidden)
        let final = TensorStorage(uninitializedCount: batch * hidden)
        // Per (b, t) a row of 4H: the hidden products hᵣ, h_z, h_n land in the first 3H and
        // are replaced by r, z, n; the last H keeps h_n (with its bias) for backward.
        // Without recording, one step's rows suffice.
        let savedWidth = 4 * hidden
        let gates = TensorStorage(uninitializedCount: batch * (saving ? length : 1) * savedWidth)
        let gateStride = saving ? length * savedWidth : savedWidth

        let p = UnsafePointer(inputGates.storage.pointer), bias = UnsafePointer(hiddenBias.storage.pointer)
        let h0 = UnsafePointer(initialHidden.storage.pointer)
        let y = output.pointer
        for t in 0..<length {
            let stepGates = gates.pointer + (saving ? t * savedWidth : 0)
            let previous = t == 0 ? h0 : UnsafePointer(y + (t - 1) * hidden)
            let previousStride = t == 0 ? hidden : length * hidden
            MatrixMultiply.gemm(transposeA: false, transposeB: true, m: batch, n: width, k: hidden, alpha: 1,
                                a: previous, lda: previousStride, b: hiddenWeight.storage.pointer, ldb: hidden,
                                beta: 0, c: stepGates, ldc: gateStride)
            RecurrentBuffers.forEachBatchRow(batch, width: savedWidth) { rows in
                for b in rows {
                    gruCellForward(gates: stepGates + b * gateStride, inputGates: p + (b * length + t) * width,
                                   bias: bias, previousHidden: previous + b * previousStride,
                                   hiddenOut: y + (b * length + t) * hidden, hidden: hidden)
                }
            }
        }
        RecurrentBuffers.copyRows(y + (length - 1) * hidden, sourceStride: length * hidden, to: final.pointer,
                                  destinationStride: hidden, rows: batch, width: hidden)

        let (sequence, state) = RecurrentRecording.record(
            name, inputs: inputs, output: ([batch, length, hidden], output), finalState: ([batch, hidden], final)
        ) { finalGradient, outputGradient, needed in
            gruBackward(GRUSaved(batch: batch, length: length, hidden: hidden, gates: gates, output: output,
                                 hiddenWeight: hiddenWeight, initialHidden: initialHidden),
                        finalGradient: finalGradient, outputGradient: outputGradient, needed: needed)
        }
        return (sequence, state)
    }
}

/// One step of the cell for one batch row: turns the hidden products (hᵣ, h_z, h_n) in
/// `a` into r, z, n, keeps h_n + b_hn in the fourth block, and writes hₜ. Each pass is a
/// short loop, which the compiler keeps in full-width vector registers.
@inline(__always)
private func gruCellForward(gates a: UnsafeMutablePointer<Float>, inputGates pre: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>, previousHidden: UnsafePointer<Float>,
                            hiddenOut: UnsafeMutablePointer<Float>, hidden: Int) {
    GateActivations.addInputs(a, pre, bias, count: 2 * hidden)
    GateActivations.applySigmoid(a, count: 2 * hidden)  // r, z
    let (r, z, n, hiddenNew) = (UnsafePointer(a), UnsafePointer(a + hidden), a + 2 * hidden, a + 3 * hidden)
    let (preNew, biasNew) = (pre + 2 * hidden, bias + 2 * hidden)
    Lanes.forEachBlock(hidden) { j, lanes in
        let product = Lanes.load(n + j, lanes) + Lanes.load(biasNew + j, lanes)
        Lanes.store(product, hiddenNew + j, lanes)
        Lanes.store(Lanes.load(preNew + j, lanes) + Lanes.load(r + j, lanes) * product, n + j, lanes)
    }
    GateActivations.applyTanh(n, to: n, count: hidden)
    Lanes.forEachBlock(hidden) { j, lanes in
        let newGate = Lanes.load(n + j, lanes)
        Lanes.store(newGate + Lanes.load(z + j, lanes) * (Lanes.load(previousHidden + j, lanes) - newGate),
                    hiddenOut + j, lanes)
    }
}

/// What the GRU forward pass keeps for backpropagation through time.
private struct GRUSaved {
    let batch: Int, length: Int, hidden: Int
    /// r, z, n and h_n + b_hn per (b, t): [B, T, 4H].
    let gates: TensorStorage
    /// Hidden states hₜ: [B, T, H].
    let output: TensorStorage
    let hiddenWeight: Tensor, initialHidden: Tensor
}

/// Gradients for (input gates, W_hh, b_hh, h₀) given the gradient of the final hidden
/// state [B, H] and of the output sequence (nil: zero).
private func gruBackward(_ saved: GRUSaved, finalGradient: Tensor, outputGradient: Tensor?,
                         needed: [Bool]) -> [Tensor?] {
    let (batch, length, hidden) = (saved.batch, saved.length, saved.hidden)
    let width = 3 * hidden, savedWidth = 4 * hidden
    // ∂L/∂Pₜ and ∂L/∂(hₜ₋₁W_hhᵀ + b_hh) differ only in the n block.
    let inputGateGradient = TensorStorage(uninitializedCount: batch * length * width)
    let hiddenGateGradient = TensorStorage(uninitializedCount: batch * length * width)
    // Running ∂L/∂hₜ, starting from the final state's gradient.
    let hiddenGradient = TensorStorage(uninitializedCount: batch * hidden)
    hiddenGradient.pointer.update(from: finalGradient.storage.pointer, count: batch * hidden)

    let gy = outputGradient.map { UnsafePointer($0.storage.pointer) }
    let h0 = UnsafePointer(saved.initialHidden.storage.pointer), y = UnsafePointer(saved.output.pointer)
    for t in stride(from: length - 1, through: 0, by: -1) {
        RecurrentBuffers.forEachBatchRow(batch, width: savedWidth) { rows in
            for b in rows {
                let row = b * length + t
                gruCellBackward(gates: saved.gates.pointer + row * savedWidth,
                                previousHidden: t == 0 ? h0 + b * hidden : y + (row - 1) * hidden,
                                outputGradient: gy.map { $0 + row * hidden },
                                hiddenGradient: hiddenGradient.pointer + b * hidden,
                                inputGateGradient: inputGateGradient.pointer + row * width,
                                hiddenGateGradient: hiddenGateGradient.pointer + row * width, hidden: hidden)
            }
        }
        // ∂L/∂hₜ₋₁ = ĝh ⊙ z (already in place) + ĝhhₜ·W_hh.
        if t > 0 || needed[3] {
            MatrixMultiply.gemm(transposeA: false, transposeB: false, m: batch, n: hidden, k: width, alpha: 1,
                                a: hiddenGateGradient.pointer + t * width, lda: length * width,
                                b: saved.hiddenWeight.storage.pointer, ldb: hidden,
                                beta: 1, c: hiddenGradient.pointer, ldc: hidden)
        }
    }

    var result: [Tensor?] = [nil, nil, nil, nil]
    if needed[0] { result[0] = Tensor(shape: [batch, length, width], storage: inputGateGradient) }
    if needed[1] {
        let previous = RecurrentBuffers.previousHiddenStates(output: saved.output, initial: saved.initialHidden,
                                                             batch: batch, length: length, hidden: hidden)
        let weightGradient = TensorStorage(uninitializedCount: width * hidden)
        MatrixMultiply.gemm(transposeA: true, transposeB: false, m: width, n: hidden, k: batch * length, alpha: 1,
                            a: hiddenGateGradient.pointer, lda: width, b: previous.pointer, ldb: hidden,
                            beta: 0, c: weightGradient.pointer, ldc: hidden)
        result[1] = Tensor(shape: [width, hidden], storage: weightGradient)
    }
    if needed[2] {
        let biasGradient = TensorStorage(uninitializedCount: width)
        RecurrentBuffers.sumRows(hiddenGateGradient.pointer, rows: batch * length, width: width, into: biasGradient.pointer)
        result[2] = Tensor(shape: [width], storage: biasGradient)
    }
    if needed[3] { result[3] = Tensor(shape: [batch, hidden], storage: hiddenGradient) }
    return result
}

/// One step of backpropagation through the cell for one batch row: reads the running
/// ∂L/∂hₜ (plus the output's gradient), writes both gate gradients and replaces the
/// running gradient with its direct part ĝh ⊙ z (the product with W_hh is added after).
@inline(__always)
private func gruCellBackward(gates a: UnsafePointer<Float>, previousHidden: UnsafePointer<Float>,
                             outputGradient: UnsafePointer<Float>?, hiddenGradient: UnsafeMutablePointer<Float>,
                             inputGateGradient gp: UnsafeMutablePointer<Float>,
                             hiddenGateGradient ghh: UnsafeMutablePointer<Float>, hidden: Int) {
    Lanes.forEachBlock(hidden) { j, lanes in
        var gh = Lanes.load(hiddenGradient + j, lanes)
        if let outputGradient { gh += Lanes.load(outputGradient + j, lanes) }
        let r = Lanes.load(a + j, lanes), z = Lanes.load(a + hidden + j, lanes)
        let n = Lanes.load(a + 2 * hidden + j, lanes), hiddenNew = Lanes.load(a + 3 * hidden + j, lanes)
        let gz = gh * (Lanes.load(previousHidden + j, lanes) - n) * z * (1 - z)
        let gn = gh * (1 - z) * (1 - n * n)
        let gr = gn * hiddenNew * r * (1 - r)
        Lanes.store(gr, gp + j, lanes)
        Lanes.store(gz, gp + hidden + j, lanes)
        Lanes.store(gn, gp + 2 * hidden + j, lanes)
        Lanes.store(gr, ghh + j, lanes)
        Lanes.store(gz, ghh + hidden + j, lanes)
        Lanes.store(gn * r, ghh + 2 * hidden + j, lanes)
        Lanes.store(gh * z, hiddenGradient + j, lanes)
    }
}
