import Foundation
import GenRLNN
import GenRLTensor
import Testing

// Reference: Tests/Fixtures/nn/optimizer.safetensors, written by make_optimizer_fixture.py
// with torch.optim. Agreement criterion for trajectories: |genrl − torch| ≤ 1e-5 + 1e-5·|torch|
// for every parameter element after every step.

/// The fixture's tiny MLP: first = Linear(5, 7), tanh, second = Linear(7, 3, no bias).
private final class FixtureNetwork: Module, @unchecked Sendable {
    let first: Linear
    let second: Linear

    init(_ fixture: SafeTensors.Archive) throws {
        var generator = RandomGenerator(seed: 0)
        first = Linear(5, 7, generator: &generator)
        second = Linear(7, 3, bias: false, generator: &generator)
        super.init()
        try load(Dictionary(uniqueKeysWithValues: try parameterNames.map { ($0, try fixture.tensor("init.\($0)")) }))
    }

    var parameterNames: [String] { namedParameters().map(\.name) }

    func callAsFunction(_ x: Tensor) -> Tensor { second(first(x).tanh()) }
}

/// One parameter vector of `count` standard-normal values.
private final class LargeParameterModule: Module, @unchecked Sendable {
    let values: Tensor

    init(count: Int) {
        var generator = RandomGenerator(seed: 5)
        values = Tensor.randomNormal([count], using: &generator).asParameter()
    }
}

private enum OptimizerFixture {
    static let steps = 20
    static let runs = ["sgd", "sgd_nesterov", "sgd_dampening", "adam", "adamw"]

    static func load() throws -> SafeTensors.Archive {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/nn/optimizer.safetensors")
        return try SafeTensors.read(contentsOf: url)
    }

    /// The optimizer of each run, with the settings of the script.
    static func optimizer(_ run: String) -> any Optimizer {
        switch run {
        case "sgd": SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        case "sgd_nesterov": SGD(learningRate: 0.05, momentum: 0.9, nesterov: true)
        case "sgd_dampening": SGD(learningRate: 0.1, momentum: 0.8, dampening: 0.3)
        case "adam": Adam(learningRate: 0.01, weightDecay: 0.1)
        case "adamw": AdamW(learningRate: 0.02, weightDecay: 0.1)
        default: fatalError("unknown run \(run)")
        }
    }

    /// The schedule of a run (the script's LambdaLR), nil for a constant rate.
    static func schedule(_ run: String) -> (any LearningRateSchedule)? {
        run == "adamw" ? CosineWarmupDecaySchedule(peak: 0.02, warmupSteps: 3, totalSteps: steps) : nil
    }

    static let skippedSteps: Set<Int> = [4, 11]

    /// Row `index` of a tensor stacked over steps.
    static func row(_ stacked: Tensor, _ index: Int) -> Tensor {
        let shape = Array(stacked.shape.dropFirst())
        let width = shape.reduce(1, *)
        return Tensor(Array(stacked.scalars[(index * width)..<((index + 1) * width)]), shape: shape)
    }

    /// The gradients PyTorch used at `step` (without the parameters it gave none).
    static func gradients(_ fixture: SafeTensors.Archive, run: String, step: Int, names: [String]) throws -> ParameterGradients {
        var entries: [(name: String, gradient: Tensor)] = []
        for name in names where try fixture.tensor("\(run).has_grad.\(name)").scalars[step] == 1 {
            entries.append((name, row(try fixture.tensor("\(run).grads.\(name)"), step)))
        }
        return ParameterGradients(entries)
    }
}

/// |actual − expected| ≤ absolute + relative·|expected| element-wise.
private func expectAgreement(_ actual: Tensor, _ expected: Tensor, absolute: Float = 1e-5, relative: Float = 1e-5,
                             _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(context): shapes", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual.scalars, expected.scalars).enumerated() where !(Swift.abs(a - e) <= absolute + relative * Swift.abs(e)) {
        Issue.record("\(context) element \(i): GenRL \(a) vs PyTorch \(e)", sourceLocation: sourceLocation)
        return
    }
}

/// Cross-entropy of the fixture network on the fixture batch and its gradients; the
/// bias gets no gradient at the skipped steps, as in the script.
private func fixtureGradients(_ model: FixtureNetwork, _ fixture: SafeTensors.Archive, step: Int) throws -> ParameterGradients {
    let inputs = try fixture.tensor("inputs")
    let targets = IntTensor(try fixture.tensor("targets").scalars.map { Int32($0) }, shape: [6])
    let (_, gradients) = valueAndGradients(of: model) { Loss.crossEntropy(logits: $0(inputs), targets: targets) }
    let skipped = OptimizerFixture.skippedSteps.contains(step)
    return ParameterGradients(gradients.entries.filter { !(skipped && $0.name == "first.bias") })
}

@Suite("Optimizers")
struct OptimizerTests {
    /// The update rules alone: PyTorch's per-step gradients (computed at PyTorch's own
    /// current parameters) are replayed, so any difference is the optimizer's.
    @Test(arguments: OptimizerFixture.runs)
    func replayedGradientsFollowPyTorch(run: String) throws {
        let fixture = try OptimizerFixture.load()
        let model = try FixtureNetwork(fixture)
        let optimizer = OptimizerFixture.optimizer(run)
        let rates = try fixture.tensor("\(run).lr").scalars
        for step in 0..<OptimizerFixture.steps {
            if let schedule = OptimizerFixture.schedule(run) {
                optimizer.learningRate = schedule.learningRate(atStep: optimizer.stepCount)
            }
            #expect(Swift.abs(optimizer.learningRate - rates[step]) <= 1e-7, "\(run) step \(step) learning rate")
            optimizer.update(model, gradients: try OptimizerFixture.gradients(fixture, run: run, step: step, names: model.parameterNames))
            for name in model.parameterNames {
                expectAgreement(model.parameterDictionary()[name]!, OptimizerFixture.row(try fixture.tensor("\(run).params.\(name)"), step),
                                "\(run) step \(step) \(name)")
            }
        }
        #expect(optimizer.stepCount == OptimizerFixture.steps)
    }

    /// The whole loop in GenRL: gradients recomputed from GenRL's current parameters by
    /// GenRL's forward and backward passes, so forward/backward differences accumulate
    /// too; the same 1e-5 criterion holds over the 20 steps.
    @Test(arguments: OptimizerFixture.runs)
    func trainingLoopFollowsPyTorch(run: String) throws {
        let fixture = try OptimizerFixture.load()
        let model = try FixtureNetwork(fixture)
        let optimizer = OptimizerFixture.optimizer(run)
        for step in 0..<OptimizerFixture.steps {
            if let schedule = OptimizerFixture.schedule(run) {
                optimizer.learningRate = schedule.learningRate(atStep: optimizer.stepCount)
            }
            optimizer.update(model, gradients: try fixtureGradients(model, fixture, step: step))
            for name in model.parameterNames {
                expectAgreement(model.parameterDictionary()[name]!, OptimizerFixture.row(try fixture.tensor("\(run).params.\(name)"), step),
                                "\(run) step \(step) \(name)")
            }
        }
    }

    /// Saving after 8 steps (through a safetensors file), restoring into a new optimizer
    /// and a new model, and continuing gives the same bits as never stopping.
    @Test(arguments: OptimizerFixture.runs)
    func restoredStateContinuesBitIdentically(run: String) throws {
        let fixture = try OptimizerFixture.load()
        func train(_ model: FixtureNetwork, _ optimizer: any Optimizer, steps: Range<Int>) throws {
            for step in steps {
                if let schedule = OptimizerFixture.schedule(run) {
                    optimizer.learningRate = schedule.learningRate(atStep: optimizer.stepCount)
                }
                optimizer.update(model, gradients: try fixtureGradients(model, fixture, step: step))
            }
        }
        let uninterrupted = try FixtureNetwork(fixture)
        let uninterruptedOptimizer = OptimizerFixture.optimizer(run)
        try train(uninterrupted, uninterruptedOptimizer, steps: 0..<OptimizerFixture.steps)

        let first = try FixtureNetwork(fixture)
        let firstOptimizer = OptimizerFixture.optimizer(run)
        try train(first, firstOptimizer, steps: 0..<8)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-optimizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stateFile = directory.appendingPathComponent("optimizer.safetensors")
        try firstOptimizer.state().write(to: stateFile)
        let savedParameters = first.parameterDictionary().mapValues { $0.copy() }

        let resumed = try FixtureNetwork(fixture)
        try resumed.load(savedParameters)
        let resumedOptimizer = OptimizerFixture.optimizer(run)
        resumedOptimizer.learningRate = 123  // restore must bring back the saved rate
        try resumedOptimizer.restore(try OptimizerState.read(contentsOf: stateFile))
        #expect(resumedOptimizer.stepCount == 8)
        #expect(resumedOptimizer.learningRate == firstOptimizer.learningRate)
        try train(resumed, resumedOptimizer, steps: 8..<OptimizerFixture.steps)

        for name in uninterrupted.parameterNames {
            #expect(resumed.parameterDictionary()[name]!.scalars == uninterrupted.parameterDictionary()[name]!.scalars, "\(run) \(name)")
        }
        let expectedState = uninterruptedOptimizer.state(), resumedState = resumedOptimizer.state()
        #expect(resumedState.scalars == expectedState.scalars)
        #expect(Set(resumedState.tensors.keys) == Set(expectedState.tensors.keys))
        for (key, tensor) in expectedState.tensors {
            #expect(resumedState.tensors[key]?.scalars == tensor.scalars, "\(run) state \(key)")
        }
    }

    /// A parameter larger than one thread's share and not a multiple of the vector width,
    /// against the update rules evaluated element by element in Double:
    /// |genrl − reference| ≤ 1e-6 + 1e-5·|reference|.
    @Test(arguments: ["sgd", "adam", "adamw"])
    func largeParametersMatchAnElementwiseReference(kind: String) {
        let count = 100_003
        let model = LargeParameterModule(count: count)
        let (rate, decay, mu): (Double, Double, Double) = (0.01, 0.1, 0.9)
        let (beta1, beta2, epsilon) = (0.9, 0.999, 1e-8)
        let optimizer: any Optimizer = switch kind {
        case "sgd": SGD(learningRate: Float(rate), momentum: Float(mu), nesterov: true, weightDecay: Float(decay))
        case "adam": Adam(learningRate: Float(rate), weightDecay: Float(decay))
        default: AdamW(learningRate: Float(rate), weightDecay: Float(decay))
        }
        var theta = model.values.scalars.map(Double.init)
        var first = [Double](repeating: 0, count: count), second = first
        var generator = RandomGenerator(seed: 99)
        for step in 1...3 {
            let gradient = Tensor.randomNormal([count], using: &generator)
            optimizer.update(model, gradients: ParameterGradients([("values", gradient)]))
            let gradientValues = gradient.scalars
            for i in 0..<count {
                var g = Double(gradientValues[i])
                switch kind {
                case "sgd":
                    g += decay * theta[i]
                    first[i] = step == 1 ? g : mu * first[i] + g
                    theta[i] -= rate * (g + mu * first[i])
                default:
                    if kind == "adam" { g += decay * theta[i] } else { theta[i] *= 1 - rate * decay }
                    first[i] = beta1 * first[i] + (1 - beta1) * g
                    second[i] = beta2 * second[i] + (1 - beta2) * g * g
                    let correction1 = 1 - Foundation.pow(beta1, Double(step)), correction2 = 1 - Foundation.pow(beta2, Double(step))
                    theta[i] -= rate / correction1 * first[i] / (second[i].squareRoot() / correction2.squareRoot() + epsilon)
                }
            }
        }
        let actual = model.values.scalars
        let worst = (0..<count).first { Swift.abs(Double(actual[$0]) - theta[$0]) > 1e-6 + 1e-5 * Swift.abs(theta[$0]) }
        #expect(worst == nil, "\(kind) element \(worst ?? 0): \(actual[worst ?? 0]) vs \(theta[worst ?? 0])")
    }

    @Test func parameterWithoutGradientIsLeftAloneWithItsState() throws {
        let fixture = try OptimizerFixture.load()
        let model = try FixtureNetwork(fixture)
        let optimizer = Adam(learningRate: 0.01, weightDecay: 0.1)
        let tensorsBefore = model.parameterDictionary()
        optimizer.update(model, gradients: try fixtureGradients(model, fixture, step: 0))
        let biasBefore = model.first.bias!.scalars, weightBefore = model.first.weight.scalars
        let stateBefore = optimizer.state()
        // Step 4 of the fixture gives no gradient to first.bias.
        optimizer.update(model, gradients: try fixtureGradients(model, fixture, step: 4))
        let stateAfter = optimizer.state()
        #expect(model.first.bias!.scalars == biasBefore)
        #expect(model.first.weight.scalars != weightBefore)
        #expect(stateAfter.scalars["first.bias.step"] == 1)
        #expect(stateAfter.scalars["first.weight.step"] == 2)
        #expect(stateAfter.scalars["step"] == 2)
        #expect(stateAfter.tensors["first.bias.exp_avg"]!.scalars == stateBefore.tensors["first.bias.exp_avg"]!.scalars)
        #expect(stateAfter.tensors["first.bias.exp_avg_sq"]!.scalars == stateBefore.tensors["first.bias.exp_avg_sq"]!.scalars)
        // Updated in place: the model still holds the same tensor objects.
        for (name, tensor) in model.parameterDictionary() { #expect(tensor === tensorsBefore[name]!, "\(name)") }
    }

    @Test func stateIsACopy() throws {
        let fixture = try OptimizerFixture.load()
        let model = try FixtureNetwork(fixture)
        let optimizer = SGD(learningRate: 0.1, momentum: 0.9)
        optimizer.update(model, gradients: try fixtureGradients(model, fixture, step: 0))
        let saved = optimizer.state()
        let buffer = saved.tensors["second.weight.momentum_buffer"]!.scalars
        optimizer.update(model, gradients: try fixtureGradients(model, fixture, step: 1))
        #expect(saved.tensors["second.weight.momentum_buffer"]!.scalars == buffer)
        #expect(optimizer.state().tensors["second.weight.momentum_buffer"]!.scalars != buffer)
    }

    @Test func restoreRejectsForeignOrBrokenStates() throws {
        let fixture = try OptimizerFixture.load()
        let model = try FixtureNetwork(fixture)
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        sgd.update(model, gradients: try fixtureGradients(model, fixture, step: 0))
        let adam = Adam()
        adam.update(model, gradients: try fixtureGradients(model, fixture, step: 0))
        let adamState = adam.state()

        let fresh = Adam(learningRate: 0.5)
        #expect(throws: OptimizerStateError.unexpectedEntry("first.bias.momentum_buffer")) { try fresh.restore(sgd.state()) }
        var missing = adamState
        missing.tensors["first.bias.exp_avg_sq"] = nil
        #expect(throws: OptimizerStateError.missingEntry("first.bias.exp_avg_sq")) { try fresh.restore(missing) }
        var noStep = adamState
        noStep.scalars["first.weight.step"] = nil
        #expect(throws: OptimizerStateError.missingEntry("first.weight.step")) { try fresh.restore(noStep) }
        var fractional = adamState
        fractional.scalars["step"] = 1.5
        #expect(throws: OptimizerStateError.invalidScalar(name: "step", value: "1.5")) { try fresh.restore(fractional) }
        var misshapen = adamState
        misshapen.tensors["first.bias.exp_avg"] = Tensor.zeros([3])
        #expect(throws: OptimizerStateError.shapeMismatch(name: "first.bias", shapes: [[3], [7]])) { try fresh.restore(misshapen) }
        #expect(throws: OptimizerStateError.unexpectedEntry("first.bias.momentum_buffer")) {
            try SGD(learningRate: 0.1).restore(sgd.state())
        }
        #expect(throws: OptimizerStateError.invalidScalar(name: "step", value: "many")) {
            try OptimizerState(tensors: [:], metadata: ["optimizer.step": "many"])
        }
        // A failed restore changes nothing.
        #expect(fresh.stepCount == 0 && fresh.learningRate == 0.5 && fresh.state().tensors.isEmpty)
        try fresh.restore(adamState)
        #expect(fresh.stepCount == 1 && fresh.learningRate == adam.learningRate)
    }

    @Test func stateMetadataRoundTripsExactly() throws {
        let state = OptimizerState(scalars: ["step": 12345, "learning_rate": Double(Float(3e-4)), "w.step": 7])
        let reread = try OptimizerState(tensors: [:], metadata: state.metadata.merging(["format": "pt"]) { a, _ in a })
        #expect(reread.scalars == state.scalars)
        #expect(state.metadata["optimizer.step"] != nil)
    }

    /// `ParameterGradients.clippedByGlobalNorm` against `torch.nn.utils.clip_grad_norm_`.
    @Test(arguments: ["clipped", "unclipped"])
    func gradientClippingMatchesPyTorch(kind: String) throws {
        let fixture = try OptimizerFixture.load()
        let names = ["first.weight", "first.bias", "second.weight"]
        let gradients = ParameterGradients(try names.map { ($0, try fixture.tensor("clip.\(kind).before.\($0)")) })
        let maxNorm = try fixture.tensor("clip.\(kind).max_norm").scalars[0]
        let (clipped, norm) = gradients.clippedByGlobalNorm(maxNorm)
        let expectedNorm = try fixture.tensor("clip.\(kind).norm").scalars[0]
        #expect(Swift.abs(norm - expectedNorm) <= 1e-6 * expectedNorm)
        for name in names {
            expectAgreement(clipped[name]!, try fixture.tensor("clip.\(kind).after.\(name)"), absolute: 1e-7, relative: 1e-6, "clip \(name)")
        }
    }

    /// Applying clipping's factor while reading the gradients gives the parameters that
    /// updating with a scaled copy gives, to the bit, for every rule over three steps.
    @Test(arguments: OptimizerFixture.runs)
    func updatingWithAScaleIsUpdatingWithScaledGradients(run: String) throws {
        let fixture = try OptimizerFixture.load()
        let (fused, copied) = (try FixtureNetwork(fixture), try FixtureNetwork(fixture))
        let (fusedRule, copiedRule) = (OptimizerFixture.optimizer(run), OptimizerFixture.optimizer(run))
        for (step, scale) in [Float(0.37), 1, 0.81].enumerated() {
            let gradients = try OptimizerFixture.gradients(fixture, run: run, step: step, names: fused.parameterNames)
            fusedRule.update(fused, gradients: gradients, scale: scale)
            copiedRule.update(copied, gradients: gradients.scaled(by: scale))
        }
        for name in fused.parameterNames {
            #expect(fused.parameterDictionary()[name]!.scalars == copied.parameterDictionary()[name]!.scalars, "\(run) \(name)")
        }
        #expect(fused.parameterDictionary()["first.weight"]!.scalars != (try FixtureNetwork(fixture)).parameterDictionary()["first.weight"]!.scalars)
    }

    /// Enough gradients (sizes off the 1024-element blocks) that their blocks are summed in
    /// parallel: every element counted once, as a plain Double sum counts it.
    @Test func globalNormCountsEveryElementOnce() {
        var generator = RandomGenerator(seed: 9)
        let gradients = ParameterGradients((0..<40).map { i in
            ("g\(i)", Tensor.randomNormal([1 + 997 * i], using: &generator))
        })
        let reference = gradients.entries.reduce(0.0) { total, entry in
            entry.gradient.scalars.reduce(total) { $0 + Double($1) * Double($1) }
        }.squareRoot()
        #expect(gradients.entries.reduce(0) { $0 + $1.gradient.count } > 64 * 1024 * 4)
        #expect(Swift.abs(Double(gradients.globalNorm) - reference) <= 1e-6 * reference)
    }
}

@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
    /// Steps 0..49 against PyTorch's schedulers (see the script for their setup):
    /// |genrl − torch| ≤ 1e-7 + 1e-6·|torch|.
    @Test func schedulesMatchPyTorch() throws {
        let fixture = try OptimizerFixture.load()
        let cases: [(String, any LearningRateSchedule)] = [
            ("linear", LinearWarmupDecaySchedule(peak: 0.5, warmupSteps: 10, totalSteps: 49, minimum: 0.05)),
            ("cosine", CosineWarmupDecaySchedule(peak: 0.5, warmupSteps: 8, totalSteps: 49)),
            ("cosine_floor", CosineWarmupDecaySchedule(peak: 0.5, warmupSteps: 0, totalSteps: 49, minimum: 0.02)),
            ("step", StepDecaySchedule(initial: 0.5, gamma: 0.5, interval: 7)),
        ]
        for (name, schedule) in cases {
            let expected = try fixture.tensor("schedule.\(name)").scalars
            #expect(expected.count == 50)
            for (step, value) in expected.enumerated() {
                let actual = schedule.learningRate(atStep: step)
                #expect(Swift.abs(actual - value) <= 1e-7 + 1e-6 * Swift.abs(value), "\(name) step \(step): \(actual) vs \(value)")
            }
        }
    }

    @Test func decaysStayAtTheirMinimumAfterTheEnd() {
        let linear = LinearWarmupDecaySchedule(peak: 1, warmupSteps: 2, totalSteps: 10, minimum: 0.1)
        let cosine = CosineWarmupDecaySchedule(peak: 1, warmupSteps: 2, totalSteps: 10, minimum: 0.1)
        for step in [10, 11, 25, 1000] {
            #expect(Swift.abs(linear.learningRate(atStep: step) - 0.1) <= 1e-7)
            #expect(Swift.abs(cosine.learningRate(atStep: step) - 0.1) <= 1e-7)
        }
        #expect(linear.learningRate(atStep: 1) == 0.5 && cosine.learningRate(atStep: 1) == 0.5)
        #expect(linear.learningRate(atStep: 2) == 1 && cosine.learningRate(atStep: 2) == 1)
        #expect(ConstantSchedule(0.3).learningRate(atStep: 99) == 0.3)
    }

    @Test func configurationsDecodeWithDefaultsAndRoundTrip() throws {
        let decoder = JSONDecoder()
        let json = """
        [{"kind": "constant"},
         {"kind": "linear", "warmup_steps": 5, "total_steps": 50},
         {"kind": "cosine", "warmup_steps": 5, "total_steps": 50, "minimum": 0.001},
         {"kind": "step", "interval": 10}]
        """
        let configurations = try decoder.decode([LearningRateScheduleConfiguration].self, from: Data(json.utf8))
        #expect(configurations == [
            .constant,
            .linear(warmupSteps: 5, totalSteps: 50, minimum: 0),
            .cosine(warmupSteps: 5, totalSteps: 50, cycles: 0.5, minimum: 0.001),
            .step(interval: 10, gamma: 0.1),
        ])
        let reencoded = try decoder.decode([LearningRateScheduleConfiguration].self, from: JSONEncoder().encode(configurations))
        #expect(reencoded == configurations)
        let cosine = configurations[2].schedule(peakLearningRate: 0.01)
        #expect(cosine.learningRate(atStep: 5) == 0.01)
        #expect(cosine.learningRate(atStep: 50) == 0.001)
        #expect(configurations[3].schedule(peakLearningRate: 0.01).learningRate(atStep: 10) == Float(0.01 * 0.1))
    }

    @Test(arguments: [
        (#"{"kind": "linear", "warmup_steps": 10, "total_steps": 5}"#, "total_steps"),
        (#"{"kind": "cosine", "warmup_steps": -1, "total_steps": 5}"#, "warmup_steps"),
        (#"{"kind": "cosine", "warmup_steps": 1, "total_steps": 5, "cycles": 0}"#, "cycles"),
        (#"{"kind": "step", "interval": 0}"#, "interval"),
        (#"{"kind": "exponential"}"#, "kind"),
    ])
    func invalidConfigurationsNameTheField(json: String, field: String) {
        do {
            _ = try JSONDecoder().decode(LearningRateScheduleConfiguration.self, from: Data(json.utf8))
            Issue.record("\(json) decoded")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.codingPath.map(\.stringValue) == [field], "\(context)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
