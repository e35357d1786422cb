import Foundation
import GenRLNN
import GenRLTensor
import GenRLTestSupport
import Testing

/// LSTM and GRU: agreement with PyTorch (`Fixtures/nn/make_recurrent_fixture.py`), the
/// fused recurrences against finite differences, stepping against whole sequences, and
/// the PyTorch parameter layout.
@Suite("Recurrent layers")
struct RecurrentTests {
    static let fixture: SafeTensors.Archive = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/nn/recurrent.safetensors")
        return try! SafeTensors.read(contentsOf: url)
    }()

    // MARK: Agreement with PyTorch

    /// |genrl − torch| ≤ 1e-4·max(|torch|, 10⁻²·max|torch|) for every element.
    func expectRelativelyClose(_ value: Tensor, _ reference: Tensor, _ name: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(value.shape == reference.shape, "\(name): shape \(value.shape) vs \(reference.shape)",
                sourceLocation: sourceLocation)
        let scale = reference.scalars.map { Swift.abs($0) }.max() ?? 0
        for (i, (a, b)) in zip(value.scalars, reference.scalars).enumerated() {
            if !(Swift.abs(a - b) <= 1e-4 * Swift.max(Swift.abs(b), scale * 1e-2)) {
                Issue.record("\(name)[\(i)]: GenRL \(a) vs PyTorch \(b)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    /// The fixture's parameters for `prefix`, keyed by their PyTorch names.
    func stateDict(_ prefix: String) -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (key, tensor) in Self.fixture.tensors where key.hasPrefix("\(prefix).") {
            let name = String(key.dropFirst(prefix.count + 1))
            if name.hasPrefix("weight_") || name.hasPrefix("bias_") { state[name] = tensor }
        }
        return state
    }

    /// Output, final state and the gradients of Σ output⊙w + Σ hₙ⊙w_h (+ Σ cₙ⊙w_c) with
    /// respect to every parameter, the input and the initial state.
    @Test(arguments: [("lstm2", 2, 5, 7), ("lstm1", 1, 16, 16)])
    func lstmAgreesWithPyTorch(prefix: String, layers: Int, inputSize: Int, hidden: Int) throws {
        let f = Self.fixture
        var generator = RandomGenerator(seed: 1)
        let lstm = LSTM(inputSize: inputSize, hiddenSize: hidden, layerCount: layers, generator: &generator)
        try lstm.load(stateDict(prefix))
        let x = try f.tensor("\(prefix).x").trackingGradient()
        let h0 = try f.tensor("\(prefix).h0").trackingGradient()
        let c0 = try f.tensor("\(prefix).c0").trackingGradient()
        let (output, state) = lstm(x, state: LSTMState(hidden: h0, cell: c0))
        expectRelativelyClose(output, try f.tensor("\(prefix).output"), "output")
        expectRelativelyClose(state.hidden, try f.tensor("\(prefix).h_n"), "h_n")
        expectRelativelyClose(state.cell, try f.tensor("\(prefix).c_n"), "c_n")

        let loss = try (output * f.tensor("\(prefix).w_output")).sum() + (state.hidden * f.tensor("\(prefix).w_hidden")).sum()
            + (state.cell * f.tensor("\(prefix).w_cell")).sum()
        let parameters = lstm.namedParameters()
        let grads = gradients(of: loss, withRespectTo: parameters.map(\.tensor) + [x, h0, c0])
        for (name, gradient) in zip(parameters.map(\.name) + ["x", "h0", "c0"], grads) {
            expectRelativelyClose(gradient, try f.tensor("\(prefix).grad.\(name)"), "∂L/∂\(name)")
        }
    }

    @Test func gruAgreesWithPyTorch() throws {
        let f = Self.fixture
        var generator = RandomGenerator(seed: 1)
        let gru = GRU(inputSize: 5, hiddenSize: 7, layerCount: 2, generator: &generator)
        try gru.load(stateDict("gru2"))
        let x = try f.tensor("gru2.x").trackingGradient()
        let h0 = try f.tensor("gru2.h0").trackingGradient()
        let (output, state) = gru(x, state: GRUState(hidden: h0))
        expectRelativelyClose(output, try f.tensor("gru2.output"), "output")
        expectRelativelyClose(state.hidden, try f.tensor("gru2.h_n"), "h_n")

        let loss = try (output * f.tensor("gru2.w_output")).sum() + (state.hidden * f.tensor("gru2.w_hidden")).sum()
        let parameters = gru.namedParameters()
        let grads = gradients(of: loss, withRespectTo: parameters.map(\.tensor) + [x, h0])
        for (name, gradient) in zip(parameters.map(\.name) + ["x", "h0"], grads) {
            expectRelativelyClose(gradient, try f.tensor("gru2.grad.\(name)"), "∂L/∂\(name)")
        }
    }

    // MARK: Finite differences of the fused recurrences

    /// Which results of a recurrence the checked loss reads: gradients must arrive from
    /// the output sequence, from the final state, and from both.
    enum Reads: String, CaseIterable, CustomTestStringConvertible {
        case outputAndState, outputOnly, stateOnly
        var testDescription: String { rawValue }
    }

    @Test(arguments: Reads.allCases)
    func lstmRecurrenceMatchesFiniteDifferences(reads: Reads) {
        let (batch, length, hidden) = (2, 3, 3)
        let inputs = [randomTensor([batch, length, 4 * hidden], seed: 1), randomTensor([4 * hidden, hidden], seed: 2),
                      randomTensor([4 * hidden], seed: 3), randomTensor([batch, hidden], seed: 4),
                      randomTensor([batch, hidden], seed: 5)]
        expectGradientsMatchFiniteDifferences(inputs) { p in
            let r = Tensor.lstmRecurrence(inputGates: p[0], hiddenWeight: p[1], hiddenBias: p[2],
                                          initialHidden: p[3], initialCell: p[4])
            switch reads {
            case .outputAndState:
                return Tensor.concatenate([r.output.flattened(), r.finalHidden.flattened(), r.finalCell.flattened()], axis: 0)
            case .outputOnly: return r.output
            case .stateOnly: return Tensor.concatenate([r.finalHidden, r.finalCell], axis: 0)
            }
        }
    }

    @Test(arguments: Reads.allCases)
    func gruRecurrenceMatchesFiniteDifferences(reads: Reads) {
        let (batch, length, hidden) = (2, 3, 3)
        let inputs = [randomTensor([batch, length, 3 * hidden], seed: 11), randomTensor([3 * hidden, hidden], seed: 12),
                      randomTensor([3 * hidden], seed: 13), randomTensor([batch, hidden], seed: 14)]
        expectGradientsMatchFiniteDifferences(inputs) { p in
            let r = Tensor.gruRecurrence(inputGates: p[0], hiddenWeight: p[1], hiddenBias: p[2], initialHidden: p[3])
            switch reads {
            case .outputAndState: return Tensor.concatenate([r.output.flattened(), r.finalHidden.flattened()], axis: 0)
            case .outputOnly: return r.output
            case .stateOnly: return r.finalHidden
            }
        }
    }

    /// With W_hh = 0, b_hh = 0 and a zero initial state, one step gives c = σ(aᵢ)·tanh(a_g)
    /// and h = σ(a_o)·tanh(c): the gate functions of the fused kernels against `Foundation`
    /// in double precision, over the whole range and around the switch of tanh's formula.
    @Test func gateFunctionsAreAccurate() {
        var arguments: [Float] = stride(from: -30, through: 30, by: 0.37).map { Float($0) }
        arguments += [1e-6, -1e-6, 1e-4, -3e-3, 0.05, -0.099, 0.0999, 0.1, -0.1, 0.1001, 0.5, -0.7, 1.3]
        let hidden = arguments.count
        // aᵢ, a_f, a_g, a_o: σ and tanh of every argument, paired with shifted arguments.
        let shifted = arguments.indices.map { arguments[($0 + 7) % hidden] }
        let gates = Tensor(arguments + arguments + shifted + shifted.reversed(), shape: [1, 1, 4 * hidden])
        let r = Tensor.lstmRecurrence(inputGates: gates, hiddenWeight: .zeros([4 * hidden, hidden]),
                                      hiddenBias: .zeros([4 * hidden]), initialHidden: .zeros([1, hidden]),
                                      initialCell: .zeros([1, hidden]))
        func sigmoid(_ x: Float) -> Double { 1 / (1 + Foundation.exp(-Double(x))) }
        for j in 0..<hidden {
            let cell = sigmoid(arguments[j]) * Foundation.tanh(Double(shifted[j]))
            let output = sigmoid(shifted[hidden - 1 - j]) * Foundation.tanh(Double(Float(cell)))
            for (value, reference, name) in [(r.finalCell[0, j], cell, "c"), (r.output[0, 0, j], output, "h")] {
                #expect(Swift.abs(Double(value) - reference) <= 2e-6 * Swift.abs(reference) + 1e-30,
                        "\(name)[\(j)] = \(value), expected \(reference)")
            }
        }
    }

    // MARK: Stepping

    @Test func lstmStepsGiveTheSequenceResults() {
        var generator = RandomGenerator(seed: 3)
        let lstm = LSTM(inputSize: 6, hiddenSize: 9, layerCount: 2, generator: &generator)
        let x = randomTensor([4, 5, 6], seed: 21)
        let start = LSTMState(hidden: randomTensor([2, 4, 9], seed: 22), cell: randomTensor([2, 4, 9], seed: 23))
        let (output, final) = withNoGrad { lstm(x, state: start) }
        for recording in [false, true] {
            var state = start
            for t in 0..<5 {
                let input = x.selecting(axis: 1, index: t)
                let (y, next) = recording ? lstm.step(input, state: state) : withNoGrad { lstm.step(input, state: state) }
                expectClose(y, output.selecting(axis: 1, index: t), tolerance: 1e-6)
                state = next
            }
            expectClose(state.hidden, final.hidden, tolerance: 1e-6)
            expectClose(state.cell, final.cell, tolerance: 1e-6)
        }
    }

    @Test func gruStepsGiveTheSequenceResults() {
        var generator = RandomGenerator(seed: 4)
        let gru = GRU(inputSize: 6, hiddenSize: 9, layerCount: 3, generator: &generator)
        let x = randomTensor([4, 5, 6], seed: 31)
        let start = GRUState(hidden: randomTensor([3, 4, 9], seed: 32))
        let (output, final) = withNoGrad { gru(x, state: start) }
        for recording in [false, true] {
            var state = start
            for t in 0..<5 {
                let input = x.selecting(axis: 1, index: t)
                let (y, next) = recording ? gru.step(input, state: state) : withNoGrad { gru.step(input, state: state) }
                expectClose(y, output.selecting(axis: 1, index: t), tolerance: 1e-6)
                state = next
            }
            expectClose(state.hidden, final.hidden, tolerance: 1e-6)
        }
    }

    /// Gradients through two recorded steps (the state passed between calls) equal those
    /// through one call over both steps.
    @Test func lstmStepGradientsMatchTheSequenceGradients() {
        var generator = RandomGenerator(seed: 5)
        let lstm = LSTM(inputSize: 3, hiddenSize: 8, layerCount: 2, generator: &generator)
        let x = randomTensor([2, 2, 3], seed: 41)
        let weights = randomTensor([2, 2, 8], seed: 42), stateWeights = randomTensor([2, 2, 8], seed: 43)
        let parameters = lstm.trainableParameters().map(\.tensor)
        let (output, final) = lstm(x)
        let sequenceLoss = (output * weights).sum() + (final.cell * stateWeights).sum()
        var state = lstm.zeroState(batchSize: 2)
        var stepLoss = Tensor(scalar: 0)
        for t in 0..<2 {
            let (y, next) = lstm.step(x.selecting(axis: 1, index: t), state: state)
            stepLoss = stepLoss + (y * weights.selecting(axis: 1, index: t)).sum()
            state = next
        }
        stepLoss = stepLoss + (state.cell * stateWeights).sum()
        expectClose(stepLoss, sequenceLoss, tolerance: 1e-5)
        for (a, b) in zip(gradients(of: stepLoss, withRespectTo: parameters),
                          gradients(of: sequenceLoss, withRespectTo: parameters)) {
            expectClose(a, b, tolerance: 1e-5)
        }
    }

    // MARK: State and parameters

    @Test func zeroStateHasTheLayoutOfPyTorch() {
        var generator = RandomGenerator(seed: 6)
        let lstm = LSTM(inputSize: 4, hiddenSize: 5, layerCount: 3, generator: &generator)
        let gru = GRU(inputSize: 4, hiddenSize: 5, layerCount: 2, generator: &generator)
        let lstmState = lstm.zeroState(batchSize: 7), gruState = gru.zeroState(batchSize: 7)
        #expect(lstmState.hidden.shape == [3, 7, 5] && lstmState.cell.shape == [3, 7, 5])
        #expect(gruState.hidden.shape == [2, 7, 5])
        #expect((lstmState.hidden.scalars + lstmState.cell.scalars + gruState.hidden.scalars).allSatisfy { $0 == 0 })
        // No state means the zero state.
        let x = randomTensor([7, 3, 4], seed: 51)
        let (implicit, implicitState) = lstm(x)
        let (explicit, explicitState) = lstm(x, state: lstmState)
        #expect(implicit.scalars == explicit.scalars && implicitState.cell.scalars == explicitState.cell.scalars)
        #expect(gru(x).output.scalars == gru(x, state: gruState).output.scalars)
    }

    @Test func parameterNamesAndShapesAreThoseOfPyTorchStateDict() {
        var generator = RandomGenerator(seed: 7)
        let lstm = LSTM(inputSize: 5, hiddenSize: 7, layerCount: 2, generator: &generator)
        let gru = GRU(inputSize: 5, hiddenSize: 7, layerCount: 2, generator: &generator)
        let names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                     "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"]
        #expect(lstm.namedParameters().map(\.name) == names)
        #expect(gru.namedParameters().map(\.name) == names)
        #expect(lstm.namedParameters().map(\.tensor.shape) == [[28, 5], [28, 7], [28], [28], [28, 7], [28, 7], [28], [28]])
        #expect(gru.namedParameters().map(\.tensor.shape) == [[21, 5], [21, 7], [21], [21], [21, 7], [21, 7], [21], [21]])
        // The fixture holds PyTorch's state_dict: a strict load accepts exactly its keys.
        #expect(Set(stateDict("lstm2").keys) == Set(names))
        #expect(throws: Never.self) { try lstm.load(stateDict("lstm2")) }
        #expect(throws: Never.self) { try gru.load(stateDict("gru2")) }
        let noBias = GRU(inputSize: 5, hiddenSize: 7, bias: false, generator: &generator)
        #expect(noBias.namedParameters().map(\.name) == ["weight_ih_l0", "weight_hh_l0"])
    }

    /// A network built without biases computes what one with zero biases computes.
    @Test func networksWithoutBiasesActAsZeroBiases() throws {
        var generator = RandomGenerator(seed: 10)
        let x = randomTensor([2, 3, 4], seed: 71)
        let withBias = LSTM(inputSize: 4, hiddenSize: 5, layerCount: 2, generator: &generator)
        let withoutBias = LSTM(inputSize: 4, hiddenSize: 5, layerCount: 2, bias: false, generator: &generator)
        let gruWithBias = GRU(inputSize: 4, hiddenSize: 5, layerCount: 2, generator: &generator)
        let gruWithoutBias = GRU(inputSize: 4, hiddenSize: 5, layerCount: 2, bias: false, generator: &generator)
        for (biased, unbiased) in [(withBias, withoutBias), (gruWithBias, gruWithoutBias)] as [(Module, Module)] {
            for (name, tensor) in biased.namedParameters() where name.hasPrefix("bias") {
                tensor.assign(.zeros(tensor.shape))
            }
            try unbiased.load(biased.parameterDictionary(), strict: false)
        }
        #expect(withBias(x).output.scalars == withoutBias(x).output.scalars)
        #expect(gruWithBias(x).output.scalars == gruWithoutBias(x).output.scalars)
    }

    @Test func initialWeightsAreUniformWithinOneOverRootHidden() {
        var generator = RandomGenerator(seed: 8)
        let lstm = LSTM(inputSize: 10, hiddenSize: 16, layerCount: 2, generator: &generator)
        let values = lstm.namedParameters().flatMap(\.tensor.scalars)
        #expect(values.allSatisfy { Swift.abs($0) <= 0.25 })
        // Spread over the whole interval: the extremes come close to ±1/√16.
        #expect(values.max()! > 0.24 && values.min()! < -0.24)
        #expect(lstm.trainableParameters().count == 8)
    }

    @Test func dropoutActsBetweenLayersInTrainingOnly() {
        var generator = RandomGenerator(seed: 9)
        let x = randomTensor([3, 4, 5], seed: 61)
        let stacked = LSTM(inputSize: 5, hiddenSize: 6, layerCount: 2, dropout: 0.5, generator: &generator)
        let training = stacked(x).output
        stacked.eval()
        let evaluation = stacked(x).output
        #expect(training.scalars != evaluation.scalars)
        // Evaluation mode is deterministic, and equals the network without dropout.
        #expect(stacked(x).output.scalars == evaluation.scalars)
        let plain = LSTM(inputSize: 5, hiddenSize: 6, layerCount: 2, generator: &generator)
        plain.copyParameters(from: stacked)
        #expect(plain(x).output.scalars == evaluation.scalars)
        // A single layer has no layer after which to drop (as in PyTorch).
        let single = GRU(inputSize: 5, hiddenSize: 6, dropout: 0.5, generator: &generator)
        let singleTraining = single(x).output
        single.eval()
        #expect(single(x).output.scalars == singleTraining.scalars)
    }
}

// MARK: - Helpers

/// Entries uniform in [−1, 1) from a fixed seed.
private func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randomUniform(shape, lowerBound: -1, upperBound: 1, using: &generator)
}

/// |a − b| ≤ tolerance element-wise, naming the first difference.
private func expectClose(_ a: Tensor, _ b: Tensor, tolerance: Float, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
    for (i, (x, y)) in zip(a.scalars, b.scalars).enumerated() where !(Swift.abs(x - y) <= tolerance) {
        Issue.record("element \(i): \(x) vs \(y)", sourceLocation: sourceLocation)
        return
    }
}

