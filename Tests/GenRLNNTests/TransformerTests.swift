import Foundation
import GenRLNN
import GenRLTensor
import GenRLTestSupport
import Testing

@Suite("Transformer block and attention")
struct TransformerTests {
    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/nn/transformer.safetensors")

    // MARK: Against PyTorch

    @Test(arguments: ["plain", "masked"])
    func blockMatchesPyTorchOutputsAndGradients(_ fixtureCase: String) throws {
        let archive = try SafeTensors.read(contentsOf: Self.fixtureURL)
        var generator = RandomGenerator(seed: 1)
        let block = GPTBlock(TransformerBlockConfiguration(width: 16, heads: 4), generator: &generator)
        let parameterNames = block.namedParameters().map(\.name)
        try block.load(Dictionary(uniqueKeysWithValues: try parameterNames.map { ($0, try archive.tensor($0)) }))
        let input = try archive.tensor("input").trackingGradient()
        let weights = try archive.tensor("weights")
        let mask = fixtureCase == "masked" ? try archive.tensor("mask") : nil

        let output = block(input, keyPaddingMask: mask)
        let loss = (output * weights).sum()
        let targets = block.namedParameters().map(\.tensor) + [input]
        let computed = gradients(of: loss, withRespectTo: targets)

        expectAgree(output, try archive.tensor("\(fixtureCase).output"), "output")
        for (name, gradient) in zip(parameterNames + ["input"], computed) {
            expectAgree(gradient, try archive.tensor("\(fixtureCase).grad.\(name)"), "gradient of \(name)")
        }
    }

    @Test func parametersCarryTheDocumentedNames() {
        var generator = RandomGenerator(seed: 1)
        let block = GPTBlock(TransformerBlockConfiguration(width: 8, heads: 2, mlpRatio: 3), generator: &generator)
        let shapes = block.namedParameters().map { "\($0.name) \($0.tensor.shape)" }
        #expect(shapes == [
            "ln1.weight [8]", "ln1.bias [8]",
            "attention.qkv.weight [24, 8]", "attention.qkv.bias [24]",
            "attention.projection.weight [8, 8]", "attention.projection.bias [8]",
            "ln2.weight [8]", "ln2.bias [8]",
            "mlp.input.weight [24, 8]", "mlp.input.bias [24]", "mlp.output.weight [8, 24]", "mlp.output.bias [8]",
        ])
    }

    // MARK: KV cache

    /// Feeds a prompt of 3 positions, then the rest one at a time (or two at a time),
    /// through a stack of two blocks with caches, and compares with the full pass.
    @Test(arguments: [(1, false), (1, true), (2, true)])
    func cachedDecodingMatchesFullRecomputation(step: Int, padded: Bool) {
        let (batch, length, width) = (2, 7, 16)
        var generator = RandomGenerator(seed: 5)
        let configuration = TransformerBlockConfiguration(width: width, heads: 4, contextLength: 16)
        let blocks = (0..<2).map { _ in GPTBlock(configuration, generator: &generator) }
        let x = Tensor.randomNormal([batch, length, width], using: &generator)
        // Sequence 1 is left-padded by two positions.
        let mask: Tensor? = padded ? Tensor([[0, 0, 0, 0, 0, 0, 0], [-.infinity, -.infinity, 0, 0, 0, 0, 0]]) : nil

        let full = withNoGrad { blocks.reduce(x) { h, block in block(h, keyPaddingMask: mask) } }

        var caches = blocks.map { $0.makeCache(batchSize: batch, capacity: length) }
        var pieces: [Tensor] = []
        var start = 0
        while start < length {
            let end = start == 0 ? 3 : Swift.min(length, start + step)
            let piece = withNoGrad {
                var h = x.sliced(axis: 1, start..<end)
                for (l, block) in blocks.enumerated() {
                    // The prompt brings its mask; later positions are real tokens.
                    h = block(h, cache: &caches[l], keyPaddingMask: start == 0 ? mask?.sliced(axis: 1, 0..<end) : nil)
                }
                return h
            }
            pieces.append(piece)
            start = end
        }
        #expect(caches.allSatisfy { $0.length == length })
        expectAgree(Tensor.concatenate(pieces, axis: 1), full, "cached outputs", relativeTolerance: 1e-5)
    }

    @Test func maskForAllPositionsGivesTheSameAsMaskForNewOnes() {
        var generator = RandomGenerator(seed: 8)
        let qkv = Tensor.randomNormal([2, 4, 24], using: &generator)
        let mask = Tensor([[0, 0, 0, 0], [-.infinity, 0, 0, 0]])
        let full = Tensor.causalAttention(packedQKV: qkv, heads: 2, keyPaddingMask: mask)
        var cache = KVCache(batchSize: 2, heads: 2, headDimension: 4, capacity: 4)
        _ = Tensor.causalAttention(packedQKV: qkv.sliced(axis: 1, 0..<2), heads: 2, cache: &cache,
                                   keyPaddingMask: mask.sliced(axis: 1, 0..<2))
        let rest = Tensor.causalAttention(packedQKV: qkv.sliced(axis: 1, 2..<4), heads: 2, cache: &cache, keyPaddingMask: mask)
        expectAgree(rest, full.sliced(axis: 1, 2..<4), "attention with the whole mask", relativeTolerance: 1e-6)
        #expect(cache.keyPaddingMask.scalars == mask.scalars)
    }

    @Test func cacheCopiesAreIndependentAndHoldTheKeysAndValues() {
        var generator = RandomGenerator(seed: 3)
        let (batch, heads, dh) = (2, 2, 3)
        let qkv = Tensor.randomNormal([batch, 2, 3 * heads * dh], using: &generator)
        var cache = KVCache(batchSize: batch, heads: heads, headDimension: dh, capacity: 3)
        _ = Tensor.causalAttention(packedQKV: qkv, heads: heads, cache: &cache)
        let branch = cache
        _ = Tensor.causalAttention(packedQKV: qkv.sliced(axis: 1, 0..<1), heads: heads, cache: &cache)
        #expect(cache.length == 3 && branch.length == 2 && cache.remainingCapacity == 0)
        // Keys are the second d-block of the packed rows, as [B, H, S, d_h].
        let expectedKeys = qkv.split(sizes: [6, 6, 6], axis: 2)[1].reshaped([batch, 2, heads, dh]).permuted([0, 2, 1, 3])
        #expect(branch.keys.scalars == expectedKeys.scalars)
        #expect(cache.keys.sliced(axis: 2, 0..<2).scalars == expectedKeys.scalars)
        let expectedValues = qkv.split(sizes: [6, 6, 6], axis: 2)[2].reshaped([batch, 2, heads, dh]).permuted([0, 2, 1, 3])
        #expect(branch.values.scalars == expectedValues.scalars)
        cache.removeAll()
        #expect(cache.length == 0 && branch.length == 2)
    }

    // MARK: Attention core

    /// Against a composition of primitive operations (permute, matmul, softmax), for one
    /// block of queries and for two (the products are computed in blocks of 32).
    @Test(arguments: [5, 45])
    func fusedAttentionMatchesComposedOperations(length: Int) {
        var generator = RandomGenerator(seed: 11)
        let (batch, heads, dh) = (2, 3, 4)
        let qkv = Tensor.randomNormal([batch, length, 3 * heads * dh], using: &generator)
        let fused = Tensor.causalAttention(packedQKV: qkv, heads: heads)
        let parts = qkv.split(sizes: [heads * dh, heads * dh, heads * dh], axis: 2)
            .map { $0.reshaped([batch, length, heads, dh]).permuted([0, 2, 1, 3]) }
        let future = Tensor((0..<length).flatMap { i in (0..<length).map { j in j > i ? Float(-1e9) : 0 } },
                            shape: [length, length])
        let scores = Tensor.matmul(parts[0], parts[1], transposeB: true) / Float(dh).squareRoot() + future
        let composed = Tensor.matmul(scores.softmax(), parts[2]).permuted([0, 2, 1, 3]).reshaped([batch, length, heads * dh])
        expectAgree(fused, composed, "fused attention", relativeTolerance: 1e-5)
    }

    @Test func attentionGradientsMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 2)
        let qkv = Tensor.randomNormal([2, 5, 3 * 2 * 3], using: &generator)
        let mask = Tensor([[0, 0, 0, 0, 0], [-.infinity, 0, 0, 0, 0]])
        expectGradientsMatchFiniteDifferences([qkv]) { Tensor.causalAttention(packedQKV: $0[0], heads: 2) }
        expectGradientsMatchFiniteDifferences([qkv]) { Tensor.causalAttention(packedQKV: $0[0], heads: 2, keyPaddingMask: mask) }
        expectGradientsMatchFiniteDifferences([qkv]) { xs in
            var dropoutGenerator = RandomGenerator(seed: 9)  // the same masks at every evaluation
            return Tensor.causalAttention(packedQKV: xs[0], heads: 2, keyPaddingMask: mask, dropoutProbability: 0.3,
                                          generator: &dropoutGenerator)
        }
    }

    @Test func cachedAttentionGradientsMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 4)
        let earlier = Tensor.randomNormal([2, 3, 12], using: &generator)
        let new = Tensor.randomNormal([2, 2, 12], using: &generator)
        var prefilled = KVCache(batchSize: 2, heads: 2, headDimension: 2, capacity: 5)
        _ = Tensor.causalAttention(packedQKV: earlier, heads: 2, cache: &prefilled,
                                   keyPaddingMask: Tensor([[0, 0, 0], [-.infinity, 0, 0]]))
        expectGradientsMatchFiniteDifferences([new]) { xs in
            var cache = prefilled  // every evaluation starts from the same cached positions
            return Tensor.causalAttention(packedQKV: xs[0], heads: 2, cache: &cache)
        }
    }

    /// More queries than one block of the causal products (32), with and without cached
    /// keys before them: the blocks leave out only keys that no query of theirs sees.
    @Test func attentionOverSeveralQueryBlocksMatchesFiniteDifferences() {
        var generator = RandomGenerator(seed: 14)
        let qkv = Tensor.randomNormal([1, 37, 3 * 2], using: &generator)
        expectGradientsMatchFiniteDifferences([qkv]) { Tensor.causalAttention(packedQKV: $0[0], heads: 1) }

        let earlier = Tensor.randomNormal([1, 3, 6], using: &generator)
        var prefilled = KVCache(batchSize: 1, heads: 1, headDimension: 2, capacity: 3 + 35)
        _ = Tensor.causalAttention(packedQKV: earlier, heads: 1, cache: &prefilled)
        let new = Tensor.randomNormal([1, 35, 6], using: &generator)
        expectGradientsMatchFiniteDifferences([new]) { xs in
            var cache = prefilled
            return Tensor.causalAttention(packedQKV: xs[0], heads: 1, cache: &cache)
        }
        // The cached pass gives the whole sequence's outputs at the new positions.
        var cache = prefilled
        let pieces = Tensor.causalAttention(packedQKV: new, heads: 1, cache: &cache)
        let whole = Tensor.causalAttention(packedQKV: Tensor.concatenate([earlier, new], axis: 1), heads: 1)
        expectAgree(pieces, whole.sliced(axis: 1, 3..<38), "cached attention over two blocks", relativeTolerance: 1e-5)
    }

    @Test func queriesThatSeeOnlyPaddingGiveZeros() {
        var generator = RandomGenerator(seed: 6)
        let qkv = Tensor.randomNormal([1, 3, 6], using: &generator)
        let out = Tensor.causalAttention(packedQKV: qkv, heads: 1, keyPaddingMask: Tensor([[-.infinity, -.infinity, 0]]))
        #expect(out.sliced(axis: 1, 0..<2).scalars.allSatisfy { $0 == 0 })
        // The last query sees one real key: its value.
        #expect(out.sliced(axis: 1, 2..<3).scalars == qkv.sliced(axis: 1, 2..<3).sliced(axis: 2, 4..<6).scalars)
    }

    // MARK: Dropout and configuration

    @Test func dropoutActsOnlyInTrainingMode() {
        var generator = RandomGenerator(seed: 12)
        let block = GPTBlock(TransformerBlockConfiguration(width: 8, heads: 2, dropout: 0.2), generator: &generator)
        let x = Tensor.randomNormal([2, 4, 8], using: &generator)
        let training = withNoGrad { block(x) }
        block.eval()
        let evaluation = withNoGrad { block(x) }
        #expect(training.scalars != evaluation.scalars)
        #expect(withNoGrad { block(x) }.scalars == evaluation.scalars)
    }

    @Test func configurationDecodesWithDefaultsAndValidates() throws {
        let json = Data(#"{"width": 256, "heads": 4, "contextLength": 64}"#.utf8)
        let decoded = try JSONDecoder().decode(TransformerBlockConfiguration.self, from: json)
        #expect(decoded == TransformerBlockConfiguration(width: 256, heads: 4, mlpRatio: 4, dropout: 0, contextLength: 64))
        #expect(decoded.headDimension == 64 && decoded.mlpWidth == 1024)
        let roundTrip = try JSONDecoder().decode(TransformerBlockConfiguration.self, from: JSONEncoder().encode(decoded))
        #expect(roundTrip == decoded)
        #expect(throws: TransformerConfigurationError.widthNotDivisibleByHeads(width: 10, heads: 4)) {
            try TransformerBlockConfiguration(width: 10, heads: 4).validate()
        }
        #expect(throws: TransformerConfigurationError.dropoutOutOfRange(1)) {
            try TransformerBlockConfiguration(width: 8, heads: 2, dropout: 1).validate()
        }
        #expect(throws: TransformerConfigurationError.notPositive(field: "contextLength", value: 0)) {
            try TransformerBlockConfiguration(width: 8, heads: 2, contextLength: 0).validate()
        }
    }
}

// MARK: - Helpers

/// |computed − reference| ≤ relativeTolerance · max(|reference|, 10⁻²·max|reference|) for
/// every element.
private func expectAgree(_ computed: Tensor, _ reference: Tensor, _ what: String, relativeTolerance: Float = 1e-4,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(computed.shape == reference.shape, "\(what): shape \(computed.shape) vs \(reference.shape)",
            sourceLocation: sourceLocation)
    guard computed.shape == reference.shape else { return }
    let floor = 1e-2 * (reference.scalars.map { Swift.abs($0) }.max() ?? 0)
    for (i, (c, r)) in zip(computed.scalars, reference.scalars).enumerated()
    where !(Swift.abs(c - r) <= relativeTolerance * Swift.max(Swift.abs(r), floor)) {
        Issue.record("\(what), element \(i): \(c) vs reference \(r)", sourceLocation: sourceLocation)
        return
    }
}

