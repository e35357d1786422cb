import GenRLNN
import GenRLTensor
import Testing

/// A small model exercising every way a module can hold parameters and children.
final class TinyModel: Module {
    let embedding: Embedding
    let blocks: [MLP]
    let norm: LayerNorm
    let head: Linear?
    let scale: Tensor
    let dropout = Dropout(probability: 0.5)

    init(generator: inout RandomGenerator) {
        embedding = Embedding(10, 4, generator: &generator)
        blocks = (0..<2).map { _ in MLP(4, hidden: 8, 4, generator: &generator) }
        norm = LayerNorm(4)
        head = Linear(4, 3, bias: false, generator: &generator)
        scale = Tensor.ones([3]).asParameter()
    }

    func callAsFunction(_ ids: IntTensor) -> Tensor {
        var h = embedding(ids)
        for block in blocks { h = h + block(dropout(h)) }
        return head!(norm(h)) * scale
    }
}

@Suite("Modules")
struct ModuleTests {
    @Test func parametersAreNamedByTheirPath() {
        var generator = RandomGenerator(seed: 1)
        let model = TinyModel(generator: &generator)
        #expect(model.namedParameters().map(\.name) == [
            "scale", "embedding.weight",
            "blocks.0.input.weight", "blocks.0.input.bias", "blocks.0.output.weight", "blocks.0.output.bias",
            "blocks.1.input.weight", "blocks.1.input.bias", "blocks.1.output.weight", "blocks.1.output.bias",
            "norm.weight", "norm.bias", "head.weight",
        ])
        #expect(model.parameterCount == 3 + 40 + 2 * (32 + 8 + 32 + 4) + 8 + 12)
        #expect(model.namedModules().map(\.name).contains("blocks.1.output"))
    }

    @Test func freezingAndModes() {
        var generator = RandomGenerator(seed: 2)
        let model = TinyModel(generator: &generator)
        model.freeze(["blocks.0", "embedding"])
        #expect(!model.trainableParameters().map(\.name).contains("blocks.0.input.weight"))
        #expect(model.trainableParameters().map(\.name).contains("blocks.1.input.weight"))
        let ids = IntTensor([[1, 2, 3]])
        let (_, grads) = valueAndGradients(of: model) { $0(ids).sum() }
        #expect(grads["embedding.weight"] == nil)
        #expect(grads["blocks.1.input.weight"] != nil)
        model.unfreeze()
        #expect(model.trainableParameters().count == model.namedParameters().count)
        model.eval()
        #expect(model.namedModules().allSatisfy { !$0.module.isTraining })
        // In evaluation mode dropout is the identity: two calls agree.
        #expect(model(ids).scalars == model(ids).scalars)
    }

    @Test func parametersTheLossDoesNotUseGetNoGradient() {
        var generator = RandomGenerator(seed: 6)
        let model = TinyModel(generator: &generator)
        let (_, grads) = valueAndGradients(of: model) { $0.embedding(IntTensor([[1, 2]])).sum() }
        #expect(grads.entries.map(\.name) == ["embedding.weight"])
    }

    @Test func stateLoadingChecksNamesAndShapes() throws {
        var g1 = RandomGenerator(seed: 3), g2 = RandomGenerator(seed: 4)
        let a = TinyModel(generator: &g1), b = TinyModel(generator: &g2)
        b.copyParameters(from: a)
        #expect(a.embedding.weight.scalars == b.embedding.weight.scalars)
        var state = a.parameterDictionary()
        state["extra"] = Tensor.zeros([1])
        #expect(throws: ModuleStateError.unexpectedParameters(["extra"])) { try b.load(state) }
        state["extra"] = nil
        state["norm.bias"] = Tensor.zeros([5])
        #expect(throws: ModuleStateError.shapeMismatch(name: "norm.bias", expected: [4], found: [5])) { try b.load(state) }
        state["norm.bias"] = nil
        #expect(throws: ModuleStateError.missingParameters(["norm.bias"])) { try b.load(state) }
        try b.load(state, strict: false)
    }

    @Test func randomStatesRoundTrip() {
        var generator = RandomGenerator(seed: 5)
        let model = TinyModel(generator: &generator)
        model.seedRandomState(42)
        let saved = model.randomStates()
        let ids = IntTensor([[1, 2, 3, 4]])
        let first = model(ids).scalars
        model.restoreRandomStates(saved)
        #expect(model(ids).scalars == first)
    }
}
