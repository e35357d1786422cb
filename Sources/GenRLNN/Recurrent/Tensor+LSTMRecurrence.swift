import GenRLTensor

extension Tensor {
    /// One LSTM layer run over a whole sequence as a single recorded operation, with
    /// PyTorch's gate order (input, forget, cell, output):
    ///
    ///     [aᵢ, a_f, a_g, a_o] = Pₜ + hₜ₋₁·W_hhᵀ + b_hh      (Pₜ = xₜ·W_ihᵀ + b_ih, given)
    ///     i = σ(aᵢ)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)
    ///     cₜ = f ⊙ cₜ₋₁ + i ⊙ g        hₜ = o ⊙ tanh(cₜ)
    ///
    /// `inputGates` is the input projection of all steps, [B, T, 4H] (one matrix product
    /// done by the caller); `hiddenWeight` is W_hh [4H, H], `hiddenBias` b_hh [4H], and
    /// `initialHidden`/`initialCell` are h₀, c₀ [B, H]. Each step costs one matrix product
    /// [B, H]×[H, 4H] and one SIMD pass over the gates.
    ///
    /// Backward is backpropagation through time over the saved gate activations and cell
    /// states: with ĝh = ∂L/∂hₜ (from the output and from step t + 1) and ĝc likewise,
    ///
    ///     ĝo = ĝh ⊙ tanh cₜ,  ĝc += ĝh ⊙ o ⊙ (1 − tanh² cₜ),
    ///     ĝi = ĝc ⊙ g,  ĝf = ĝc ⊙ cₜ₋₁,  ĝg = ĝc ⊙ i,  ∂L/∂cₜ₋₁ = ĝc ⊙ f,
    ///     ĝa = (ĝi·i(1−i), ĝf·f(1−f), ĝg·(1−g²), ĝo·o(1−o)),  ∂L/∂hₜ₋₁ = ĝaₜ·W_hh,
    ///
    /// and, once for all steps, ∂L/∂W_hh = Σₜ ĝaₜᵀ·hₜ₋₁ (one product over B·T rows),
    /// ∂L/∂b_hh = Σ ĝa, ∂L/∂P = ĝa. Gradients reach every input, from the output
    /// sequence and from the final state alike.
    ///
    /// - Returns: the hidden states of all steps [B, T, H], and the final hₜ and cₜ [B, H].
    public static func lstmRecurrence(inputGates: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor,
                                      initialHidden: Tensor, initialCell: Tensor)
        -> (output: Tensor, finalHidden: Tensor, finalCell: Tensor) {
        let name = "lstmRecurrence"
        guard inputGates.rank == 3, hiddenWeight.rank == 2 else {
            recurrentShapeFailure(name, "input gates \(inputGates.shape) must be [B, T, 4H] and the hidden weight \(hiddenWeight.shape) [4H, H]")
        }
        let (batch, length, hidden) = (inputGates.shape[0], inputGates.shape[1], hiddenWeight.shape[1])
        let width = 4 * hidden
        if inputGates.shape[2] != width || hiddenWeight.shape[0] != width || hiddenBias.shape != [width]
            || initialHidden.shape != [batch, hidden] || initialCell.shape != [batch, hidden] || length < 1 {
            recurrentShapeFailure(name, "input gates \(inputGates.shape), hidden weight \(hiddenWeight.shape), hidden bias \(hiddenBias.shape), h₀ \(initialHidden.shape), c₀ \(initialCell.shape) do not fit [B, T ≥ 1, 4H], [4H, H], [4H], [B, H], [B, H]")
        }
        let inputs = [inputGates, hiddenWeight, hiddenBias, initialHidden, initialCell]
        let saving = RecurrentRecording.willRecord(inputs)

        // Outputs: every hₜ, and the final (h, c) packed as [2, B, H].
        let output = TensorStorage(uninitializedCount: batch * length * hidden)
        let final = TensorStorage(uninitializedCount: 2 * batch * hidden)
        // Saved for backward: gate activations [B, T, 4H], cells and their tanh [B, T, H].
        // Without recording, one step's gates and the running cell (kept in the final
        // slot) suffice.
        let gates = TensorStorage(uninitializedCount: batch * (saving ? length : 1) * width)
        let cells = saving ? TensorStorage(uninitializedCount: batch * length * hidden) : final
        let cellTanh = saving ? TensorStorage(uninitializedCount: batch * length * hidden) : nil
        let runningCell = final.pointer + batch * hidden
        if !saving { runningCell.update(from: initialCell.storage.pointer, count: batch * hidden) }

        let gateStride = saving ? length * width : width
        let p = inputGates.storage.pointer, bias = hiddenBias.storage.pointer
        let h0 = UnsafePointer(initialHidden.storage.pointer), c0 = UnsafePointer(initialCell.storage.pointer)
        let y = output.pointer
        for t in 0..<length {
            let stepGates = gates.pointer + (saving ? t * width : 0)
            // hₜ₋₁·W_hhᵀ for the whole batch.
            let previous = t == 0 ? h0 : UnsafePointer(y + (t - 1) * hidden)
            let previousStride = t == 0 ? hidden : length * hidden
            MatrixMultiply.gemm(transposeA: false, transposeB: true, m: batch, n: width, k: hidden, alpha: 1,
                                a: previous, lda: previousStride, b: hiddenWeight.storage.pointer, ldb: hidden,
                                beta: 0, c: stepGates, ldc: gateStride)
            RecurrentBuffers.forEachBatchRow(batch, width: width) { rows in
                for b in rows {
                    let a = stepGates + b * gateStride
                    let pre = p + (b * length + t) * width
                    let cellIn: UnsafePointer<Float>, cellOut: UnsafeMutablePointer<Float>
                    if saving {
                        cellIn = t == 0 ? c0 + b * hidden : UnsafePointer(cells.pointer + (b * length + t - 1) * hidden)
                        cellOut = cells.pointer + (b * length + t) * hidden
                    } else {
                        cellIn = UnsafePointer(runningCell + b * hidden)
                        cellOut = runningCell + b * hidden
                    }
                    lstmCellForward(gates: a, inputGates: pre, bias: bias, cellIn: cellIn, cellOut: cellOut,
                                    cellTanhOut: cellTanh.map { $0.pointer + (b * length + t) * hidden },
                                    hiddenOut: y + (b * length + t) * hidden, hidden: hidden)
                }
            }
        }
        RecurrentBuffers.copyRows(y + (length - 1) * hidden, sourceStride: length * hidden, to: final.pointer,
                                  destinationStride: hidden, rows: batch, width: hidden)
        if saving {
            RecurrentBuffers.copyRows(cells.pointer + (length - 1) * hidden, sourceStride: length * hidden,
                                      to: runningCell, destinationStride: hidden, rows: batch, width: hidden)
        }

        let (sequence, state) = RecurrentRecording.record(
            name, inputs: inputs, output: ([batch, length, hidden], output), finalState: ([2, batch, hidden], final)
        ) { finalGradient, outputGradient, needed in
            lstmBackward(
                LSTMSaved(batch: batch, length: length, hidden: hidden, gates: gates, cells: cells,
                          cellTanh: cellTanh!, output: output,
                          hiddenWeight: hiddenWeight, initialHidden: initialHidden, initialCell: initialCell),
                finalGradient: finalGradient, outputGradient: outputGradient, needed: needed)
        }
        return (sequence, state.selecting(axis: 0, index: 0), state.selecting(axis: 0, index: 1))
    }
}

/// One step of the cell for one batch row: activates the gates in place (aᵢ, a_f, a_g, a_o
/// → i, f, g, o) and writes cₜ, hₜ and, when asked, tanh cₜ. `cellIn` may equal `cellOut`.
/// Each pass is a short loop, which the compiler keeps in full-width vector registers.
@inline(__always)
private func lstmCellForward(gates a: UnsafeMutablePointer<Float>, inputGates pre: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>, cellIn: UnsafePointer<Float>,
                             cellOut: UnsafeMutablePointer<Float>, cellTanhOut: UnsafeMutablePointer<Float>?,
                             hiddenOut: UnsafeMutablePointer<Float>, hidden: Int) {
    GateActivations.addInputs(a, pre, bias, count: 4 * hidden)
    GateActivations.applySigmoid(a, count: 2 * hidden)  // i, f
    GateActivations.applyTanh(a + 2 * hidden, to: a + 2 * hidden, count: hidden)  // g
    GateActivations.applySigmoid(a + 3 * hidden, count: hidden)  // o
    let (i, f, g, o) = (UnsafePointer(a), UnsafePointer(a + hidden), UnsafePointer(a + 2 * hidden),
                        UnsafePointer(a + 3 * hidden))
    Lanes.forEachBlock(hidden) { j, lanes in
        let c = Lanes.load(f + j, lanes) * Lanes.load(cellIn + j, lanes) + Lanes.load(i + j, lanes) * Lanes.load(g + j, lanes)
        Lanes.store(c, cellOut + j, lanes)
    }
    let tanhCell = cellTanhOut ?? hiddenOut
    GateActivations.applyTanh(cellOut, to: tanhCell, count: hidden)
    Lanes.forEachBlock(hidden) { j, lanes in
        Lanes.store(Lanes.load(o + j, lanes) * Lanes.load(tanhCell + j, lanes), hiddenOut + j, lanes)
    }
}

/// What the LSTM forward pass keeps for backpropagation through time.
private struct LSTMSaved {
    let batch: Int, length: Int, hidden: Int
    /// Gate activations i, f, g, o: [B, T, 4H].
    let gates: TensorStorage
    /// Cell states cₜ: [B, T, H].
    let cells: TensorStorage
    /// tanh cₜ: [B, T, H].
    let cellTanh: TensorStorage
    /// Hidden states hₜ: [B, T, H].
    let output: TensorStorage
    let hiddenWeight: Tensor, initialHidden: Tensor, initialCell: Tensor
}

/// Gradients for (input gates, W_hh, b_hh, h₀, c₀) given the gradient of the packed final
/// state [2, B, H] and of the output sequence (nil: zero).
private func lstmBackward(_ saved: LSTMSaved, finalGradient: Tensor, outputGradient: Tensor?,
                          needed: [Bool]) -> [Tensor?] {
    let (batch, length, hidden) = (saved.batch, saved.length, saved.hidden)
    let width = 4 * hidden
    let gateGradient = TensorStorage(uninitializedCount: batch * length * width)
    // Running ∂L/∂hₜ and ∂L/∂cₜ, [B, H] each, starting from the final state's gradient.
    let hiddenGradient = TensorStorage(uninitializedCount: batch * hidden)
    let cellGradient = TensorStorage(uninitializedCount: batch * hidden)
    hiddenGradient.pointer.update(from: finalGradient.storage.pointer, count: batch * hidden)
    cellGradient.pointer.update(from: finalGradient.storage.pointer + batch * hidden, count: batch * hidden)

    let gy = outputGradient?.storage.pointer
    let c0 = UnsafePointer(saved.initialCell.storage.pointer)
    let w = saved.hiddenWeight.storage.pointer
    for t in stride(from: length - 1, through: 0, by: -1) {
        RecurrentBuffers.forEachBatchRow(batch, width: width) { rows in
            for b in rows {
                let row = b * length + t
                let previousCell = t == 0 ? c0 + b * hidden : UnsafePointer(saved.cells.pointer + (row - 1) * hidden)
                lstmCellBackward(gates: saved.gates.pointer + row * width, cellTanh: saved.cellTanh.pointer + row * hidden,
                                 previousCell: previousCell, outputGradient: gy.map { $0 + row * hidden },
                                 hiddenGradient: hiddenGradient.pointer + b * hidden,
                                 cellGradient: cellGradient.pointer + b * hidden,
                                 gateGradient: gateGradient.pointer + row * width, hidden: hidden)
            }
        }
        // ∂L/∂hₜ₋₁ = ĝaₜ·W_hh (not needed after the first step unless h₀'s gradient is).
        if t > 0 || needed[3] {
            MatrixMultiply.gemm(transposeA: false, transposeB: false, m: batch, n: hidden, k: width, alpha: 1,
                                a: gateGradient.pointer + t * width, lda: length * width, b: w, ldb: hidden,
                                beta: 0, c: hiddenGradient.pointer, ldc: hidden)
        }
    }

    var result: [Tensor?] = [nil, nil, nil, nil, nil]
    if needed[0] { result[0] = Tensor(shape: [batch, length, width], storage: gateGradient) }
    if needed[1] {
        let previous = RecurrentBuffers.previousHiddenStates(output: saved.output, initial: saved.initialHidden,
                                                             batch: batch, length: length, hidden: hidden)
        let weightGradient = TensorStorage(uninitializedCount: width * hidden)
        MatrixMultiply.gemm(transposeA: true, transposeB: false, m: width, n: hidden, k: batch * length, alpha: 1,
                            a: gateGradient.pointer, lda: width, b: previous.pointer, ldb: hidden,
                            beta: 0, c: weightGradient.pointer, ldc: hidden)
        result[1] = Tensor(shape: [width, hidden], storage: weightGradient)
    }
    if needed[2] {
        let biasGradient = TensorStorage(uninitializedCount: width)
        RecurrentBuffers.sumRows(gateGradient.pointer, rows: batch * length, width: width, into: biasGradient.pointer)
        result[2] = Tensor(shape: [width], storage: biasGradient)
    }
    if needed[3] { result[3] = Tensor(shape: [batch, hidden], storage: hiddenGradient) }
    if needed[4] { result[4] = Tensor(shape: [batch, hidden], storage: cellGradient) }
    return result
}

/// One step of backpropagation through the cell for one batch row: reads the running
/// ∂L/∂hₜ (plus the output's gradient) and ∂L/∂cₜ, writes the gate pre-activation
/// gradients ĝaₜ and replaces the running cell gradient with ∂L/∂cₜ₋₁.
@inline(__always)
private func lstmCellBackward(gates a: UnsafePointer<Float>, cellTanh: UnsafePointer<Float>,
                              previousCell: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>?,
                              hiddenGradient: UnsafePointer<Float>, cellGradient: UnsafeMutablePointer<Float>,
                              gateGradient ga: UnsafeMutablePointer<Float>, hidden: Int) {
    Lanes.forEachBlock(hidden) { j, lanes in
        var gh = Lanes.load(hiddenGradient + j, lanes)
        if let outputGradient { gh += Lanes.load(outputGradient + j, lanes) }
        let i = Lanes.load(a + j, lanes), f = Lanes.load(a + hidden + j, lanes)
        let g = Lanes.load(a + 2 * hidden + j, lanes), o = Lanes.load(a + 3 * hidden + j, lanes)
        let tanhCell = Lanes.load(cellTanh + j, lanes)
        let gc = Lanes.load(cellGradient + j, lanes) + gh * o * (1 - tanhCell * tanhCell)
        Lanes.store(gc * g * i * (1 - i), ga + j, lanes)
        Lanes.store(gc * Lanes.load(previousCell + j, lanes) * f * (1 - f), ga + hidden + j, lanes)
        Lanes.store(gc * i * (1 - g * g), ga + 2 * hidden + j, lanes)
        Lanes.store(gh * tanhCell * o * (1 - o), ga + 3 * hidden + j, lanes)
        Lanes.store(gc * f, cellGradient + j, lanes)
    }
}
