import Foundation
import GenRLNN
import GenRLTensor
import Testing

@Suite("text convolution, highway and SeqGAN's CNN discriminator")
struct ConvolutionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/nn")

    /// The reference model's parameter names in state_dict order.
    static let referenceNames = [
        "embedding.weight",
        "convs.0.weight", "convs.0.bias", "convs.1.weight", "convs.1.bias",
        "convs.2.weight", "convs.2.bias", "convs.3.weight", "convs.3.bias",
        "highway.h.weight", "highway.h.bias", "highway.t.weight", "highway.t.bias",
        "out.weight", "out.bias",
    ]

    @Test func logitsAndGradientsMatchPyTorch() throws {
        let archive = try SafeTensors.read(contentsOf: Self.fixtures.appendingPathComponent("convolution.safetensors"))
        var generator = RandomGenerator(seed: 5)
        let configuration = CNNDiscriminatorConfiguration(
            vocabularySize: 20, sequenceLength: 7, embeddingSize: 6, filterWidths: [1, 2, 3, 5], filterCounts: [3, 4, 2, 3])
        let model = try CNNDiscriminator(configuration, generator: &generator)
        model.eval()
        #expect(model.namedParameters().map(\.name) == Self.referenceNames)

        let parameters = archive.tensors.filter { Self.referenceNames.contains($0.key) }
        #expect(parameters.count == Self.referenceNames.count)
        try model.load(parameters)
        let tokens = try archive.integerTensor("tokens")
        let weights = try archive.tensor("logit_weights")

        let (_, grads) = valueAndGradients(of: model) { ($0.logits(tokens) * weights).sum() }
        let logits = withNoGrad { model.logits(tokens) }
        expectAgreement(logits, try archive.tensor("logits"), "logits")
        for name in Self.referenceNames {
            let gradient = try #require(grads[name], "no gradient for \(name)")
            expectAgreement(gradient, try archive.tensor("grad." + name), "gradient of \(name)")
        }

        let probability = withNoGrad { model.realProbability(tokens) }
        let expected = try archive.tensor("logits").softmax(axis: 1).selecting(axis: 1, index: 1)
        expectAgreement(probability, expected, "probability of real")
    }

    @Test func fusedConvolutionGradientsMatchFiniteDifferences() throws {
        let (convolution, x) = try Self.untiedConvolution()
        var weightGenerator = RandomGenerator(seed: 11)
        let weights = Tensor.randomUniform([x.shape[0], convolution.outputSize], lowerBound: 0.5, upperBound: 1.5,
                                           using: &weightGenerator)
        let tracked = x.trackingGradient()
        let parameters = convolution.namedParameters()
        let loss = (convolution(tracked) * weights).sum()
        let analytic = gradients(of: loss, withRespectTo: [tracked] + parameters.map(\.tensor))

        let step: Float = 5e-3
        let targets = [("x", x)] + parameters.map { ($0.name, $0.tensor) }
        for (index, (name, tensor)) in targets.enumerated() {
            for element in 0..<tensor.count {
                func evaluate(_ delta: Float) -> Double {
                    tensor.withMutableScalars { $0[element] += delta }
                    defer { tensor.withMutableScalars { $0[element] -= delta } }
                    return Double(withNoGrad { (convolution(x) * weights).sum() }.item)
                }
                let numeric = Float((evaluate(step) - evaluate(-step)) / Double(2 * step))
                let value = analytic[index].scalars[element]
                #expect(abs(value - numeric) <= 2e-3 + 1e-2 * abs(numeric),
                        "\(name)[\(element)]: analytic \(value), finite difference \(numeric)")
            }
        }
    }

    @Test func fusedConvolutionValuesMatchDirectSums() throws {
        // 9 and 17 filters: whole 8-lane groups of the kernel and a remainder.
        var generator = RandomGenerator(seed: 12)
        let convolution = TextConvolution(embeddingSize: 5, widths: [1, 3, 7], filterCounts: [9, 17, 3], generator: &generator)
        let x = Tensor.randomNormal([3, 9, 5], using: &generator)
        let pooled = withNoGrad { convolution(x) }
        let reference = Self.directPooling(convolution, x)
        #expect(pooled.shape == [x.shape[0], convolution.outputSize])
        for (i, (value, maximum)) in zip(pooled.scalars, reference).enumerated() {
            #expect(abs(value - Swift.max(maximum, 0)) <= 1e-5, "feature \(i): \(value) vs relu(\(maximum))")
        }
    }

    @Test func largeBatchesSplitIntoBlocksAgreeWithOneSequenceAtATime() throws {
        // 300 sequences of 20 × 64 floats: the width-10 bank's window matrix (11 × 640 floats
        // per sequence) takes three blocks of 2²⁰ floats; one sequence alone is one block.
        var generator = RandomGenerator(seed: 21)
        let convolution = TextConvolution(embeddingSize: 64, widths: [1, 10, 20], filterCounts: [3, 9, 2], generator: &generator)
        let x = Tensor.randomNormal([300, 20, 64], using: &generator)
        let weights = Tensor.randomUniform([300, convolution.outputSize], lowerBound: 0.5, upperBound: 1.5, using: &generator)
        let (_, inputGradient) = valueAndGradient(at: x) { (convolution($0) * weights).sum() }
        let features = withNoGrad { convolution(x) }
        let maxima = convolution.prefixMaxima(x)
        let shared = convolution.pooledFeatures(x, sharingPrefixesWith: maxima, prefixLength: 13, sources: Array(0..<300))
        expectAgreement(shared, features, "features with a shared prefix of 13")
        for b in stride(from: 0, to: 300, by: 37) {
            let single = x.sliced(axis: 0, b..<(b + 1))
            let rowWeights = weights.sliced(axis: 0, b..<(b + 1))
            let (_, singleGradient) = valueAndGradient(at: single) { (convolution($0) * rowWeights).sum() }
            expectAgreement(features.sliced(axis: 0, b..<(b + 1)), withNoGrad { convolution(single) }, "features of sequence \(b)")
            expectAgreement(inputGradient.sliced(axis: 0, b..<(b + 1)), singleGradient, "input gradient of sequence \(b)")
        }
    }

    @Test func widthsLongerThanTheSequenceAreSkipped() throws {
        var generator = RandomGenerator(seed: 3)
        let convolution = TextConvolution(embeddingSize: 4, widths: [1, 3, 6, 2], filterCounts: [2, 3, 4, 5],
                                          maximumLength: 5, generator: &generator)
        #expect(convolution.widths == [1, 3, 2])
        #expect(convolution.outputSize == 10)
        #expect(convolution.namedParameters().map(\.name) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"])
        #expect(convolution.banks[1].weight.shape == [3, 1, 3, 4])
        let x = Tensor.randomNormal([2, 5, 4], using: &generator)
        #expect(convolution(x).shape == [2, 10])

        let configuration = CNNDiscriminatorConfiguration(
            vocabularySize: 9, sequenceLength: 5, embeddingSize: 4, filterWidths: [1, 3, 6, 2], filterCounts: [2, 3, 4, 5])
        #expect(configuration.featureCount == 10)
        let model = try CNNDiscriminator(configuration, generator: &generator)
        #expect(model.highway.size == 10)
        #expect(model.namedParameters().filter { $0.name.hasPrefix("convs.") }.map(\.name)
                == ["convs.0.weight", "convs.0.bias", "convs.1.weight", "convs.1.bias", "convs.2.weight", "convs.2.bias"])
        #expect(model.logits(IntTensor([[1, 2, 3, 4, 5], [0, 8, 7, 6, 5]])).shape == [2, 2])

        var tooShort = configuration
        tooShort.sequenceLength = 0
        #expect(throws: CNNDiscriminatorConfigurationError.notPositive(field: "sequenceLength", value: 0)) {
            try tooShort.validate()
        }
        tooShort.sequenceLength = 1
        tooShort.filterWidths = [2, 3, 6, 4]
        #expect(throws: CNNDiscriminatorConfigurationError.noFilterFits(sequenceLength: 1, smallestWidth: 2)) {
            try tooShort.validate()
        }
    }

    @Test func highwayMatchesHandComputation() throws {
        var generator = RandomGenerator(seed: 4)
        let highway = Highway(3, generator: &generator)
        #expect(highway.namedParameters().map(\.name) == ["h.weight", "h.bias", "t.weight", "t.bias"])
        let hWeight: [[Float]] = [[0.5, -1, 0.25], [1.5, 0.5, -0.5], [-0.75, 0.2, 1]]
        let hBias: [Float] = [0.1, -0.2, 0.3]
        let tWeight: [[Float]] = [[-0.3, 0.6, 0.9], [0.4, -0.8, 0.1], [1.2, 0.3, -0.4]]
        let tBias: [Float] = [-0.5, 0.25, 0]
        try highway.load(["h.weight": Tensor(hWeight), "h.bias": Tensor(hBias),
                          "t.weight": Tensor(tWeight), "t.bias": Tensor(tBias)])
        let rows: [[Float]] = [[1, -2, 0.5], [-0.3, 0.8, 2]]
        let y = highway(Tensor(rows))
        for (r, x) in rows.enumerated() {
            for i in 0..<3 {
                let h = zip(hWeight[i], x).reduce(hBias[i]) { $0 + $1.0 * $1.1 }
                let a = zip(tWeight[i], x).reduce(tBias[i]) { $0 + $1.0 * $1.1 }
                let t = 1 / (1 + Foundation.exp(-a))
                let expected = t * Swift.max(h, 0) + (1 - t) * x[i]
                #expect(abs(y[r, i] - expected) <= 1e-6, "row \(r) feature \(i): \(y[r, i]) vs \(expected)")
            }
        }
    }

    @Test func prefixSharingGivesTheSameProbabilities() throws {
        var generator = RandomGenerator(seed: 8)
        let configuration = CNNDiscriminatorConfiguration(
            vocabularySize: 15, sequenceLength: 8, embeddingSize: 5, filterWidths: [1, 2, 3, 5, 8, 9],
            filterCounts: [3, 9, 4, 2, 10, 2])
        let model = try CNNDiscriminator(configuration, generator: &generator)
        model.eval()
        let sequences = IntTensor.randomIntegers([3, 8], below: 15, using: &generator)
        let cache = model.prefixCache(for: sequences)
        for feature in 0..<configuration.featureCount {
            #expect(cache.maxima.maximum(sequence: 1, prefixLength: 0, feature: feature) == -.infinity)
            let maxima = (0...8).map { cache.maxima.maximum(sequence: 1, prefixLength: $0, feature: feature) }
            #expect(zip(maxima, maxima.dropFirst()).allSatisfy { $0 <= $1 }, "maxima of feature \(feature) shrink: \(maxima)")
        }
        expectAgreement(model.realProbability(of: cache), withNoGrad { model.realProbability(sequences) }, "cached sequences")

        for prefixLength in 0...8 {
            // Two completions per sequence, batch after batch, plus one explicit layout.
            let suffixes = IntTensor.randomIntegers([6, 8], below: 15, using: &generator)
            var ids = suffixes.scalars
            for r in 0..<6 {
                for t in 0..<prefixLength { ids[r * 8 + t] = sequences[r % 3, t] }
            }
            let completions = IntTensor(ids, shape: [6, 8])
            let direct = withNoGrad { model.realProbability(completions) }
            let shared = model.realProbability(ofCompletions: completions, prefixLength: prefixLength, cache: cache)
            expectAgreement(shared, direct, "prefix \(prefixLength)")

            let reversed = IntTensor((0..<6).reversed().flatMap { completions.row($0) }, shape: [6, 8])
            let sources = (0..<6).reversed().map { $0 % 3 }
            let sharedReversed = model.realProbability(ofCompletions: reversed, prefixLength: prefixLength, cache: cache,
                                                       sources: sources)
            expectAgreement(sharedReversed, Tensor(Array(direct.scalars.reversed())), "prefix \(prefixLength), explicit sources")
        }
    }

    @Test func configurationDecodesWithSeqGANDefaults() throws {
        let json = Data(#"{"vocabularySize": 5000, "sequenceLength": 20}"#.utf8)
        let configuration = try JSONDecoder().decode(CNNDiscriminatorConfiguration.self, from: json)
        #expect(configuration.embeddingSize == 64)
        #expect(configuration.filterWidths == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20])
        #expect(configuration.filterCounts == [100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160])
        #expect(configuration.dropoutProbability == 0.25)
        #expect(configuration.featureCount == 1720)
        let roundTrip = try JSONDecoder().decode(CNNDiscriminatorConfiguration.self,
                                                 from: JSONEncoder().encode(configuration))
        #expect(roundTrip == configuration)

        var unpaired = configuration
        unpaired.filterCounts.removeLast()
        #expect(throws: CNNDiscriminatorConfigurationError.filterListsDiffer(widths: 12, counts: 11)) {
            try unpaired.validate()
        }
    }

    // MARK: Helpers

    /// A small convolution (one bank of 9 filters, to cover the kernel's 8-lane groups)
    /// and input whose maxima are untied by at least 0.03 and whose pooled values are at
    /// least 0.03 away from ReLU's kink, so that finite differences with step 0.005 see
    /// one smooth piece (weights are below 1 in magnitude).
    private static func untiedConvolution() throws -> (TextConvolution, Tensor) {
        for seed in UInt64(1)...500 {
            var generator = RandomGenerator(seed: seed)
            let convolution = TextConvolution(embeddingSize: 3, widths: [1, 2, 4], filterCounts: [2, 9, 2],
                                              generator: &generator)
            let x = Tensor.randomUniform([2, 6, 3], lowerBound: -1, upperBound: 1, using: &generator)
            if margins(convolution, x) >= 0.03 { return (convolution, x) }
        }
        throw ConvolutionTestError.noUntiedInput
    }

    /// max(conv + bias) per sequence and feature, by direct sums (before ReLU).
    private static func directPooling(_ convolution: TextConvolution, _ x: Tensor) -> [Float] {
        windowResponses(convolution, x).map { $0.max()! }
    }

    /// The smallest gap between the best and second-best window and between the best
    /// window and zero, over all sequences and features.
    private static func margins(_ convolution: TextConvolution, _ x: Tensor) -> Float {
        windowResponses(convolution, x).map { responses in
            let sorted = responses.sorted(by: >)
            return Swift.min(sorted.count > 1 ? sorted[0] - sorted[1] : .infinity, abs(sorted[0]))
        }.min()!
    }

    /// For each sequence and feature (row-major [B, F]), the responses of all windows
    /// including the bias.
    private static func windowResponses(_ convolution: TextConvolution, _ x: Tensor) -> [[Float]] {
        let (batch, length, size) = (x.shape[0], x.shape[1], x.shape[2])
        var result: [[Float]] = []
        for b in 0..<batch {
            for bank in convolution.banks {
                for f in 0..<bank.count {
                    result.append((0...(length - bank.width)).map { t in
                        var sum = bank.bias[f]
                        for j in 0..<bank.width {
                            for e in 0..<size { sum += bank.weight[f, 0, j, e] * x[b, t + j, e] }
                        }
                        return sum
                    })
                }
            }
        }
        return result
    }
}

private enum ConvolutionTestError: Error { case noUntiedInput }

/// |value − reference| ≤ 10⁻⁴·max(|reference|, 10⁻²·max|reference|) element-wise.
private func expectAgreement(_ value: Tensor, _ reference: Tensor, _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(value.shape == reference.shape, "\(what): shape \(value.shape) vs \(reference.shape)", sourceLocation: sourceLocation)
    guard value.shape == reference.shape else { return }
    let scale = reference.scalars.map { abs($0) }.max() ?? 0
    for (i, (a, b)) in zip(value.scalars, reference.scalars).enumerated() {
        let tolerance = 1e-4 * Swift.max(abs(b), 1e-2 * scale)
        if !(abs(a - b) <= tolerance) {
            Issue.record("\(what) element \(i): \(a) vs reference \(b)", sourceLocation: sourceLocation)
            return
        }
    }
}
