import Foundation
import GenRLModels
import GenRLNN
import GenRLTensor
import Testing

// Model directories go from PyTorch to GenRL and back with the same outputs.
//
// PyTorch → GenRL: Tests/Fixtures/interop/<case>/ were written by PyTorch modules through
// `save_genrl_model` (scripts/genrl_torch.py), with PyTorch's outputs beside them
// (make_interop_fixture.py). GenRL → PyTorch: models saved by `ModelDirectory.save` are
// run by scripts/genrl_torch.py with the peer Python; skipped when there is none.
//
// Agreement criterion, for outputs y (GenRL) and r (PyTorch) of one tensor:
//   max_i |y_i − r_i| ≤ 1e-5 · max_i |r_i|
// (the largest error relative to the tensor's scale, so that near-zero entries of a
// tensor with ordinary entries do not demand impossible relative precision).

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let interopFixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures/interop")
private let tolerance = 1e-5

/// max |actual − reference| / max |reference|, in Double.
private func scaledError(_ actual: Tensor, _ reference: Tensor) -> Double {
    let scale = reference.scalars.map { Double(Swift.abs($0)) }.max() ?? 0
    let error = zip(actual.scalars, reference.scalars).map { Swift.abs(Double($0) - Double($1)) }.max() ?? 0
    return error / Swift.max(scale, .leastNormalMagnitude)
}

/// The Python that runs scripts/genrl_torch.py: `GENRL_TORCH_PYTHON` when set (used as
/// given, so a broken setting fails the tests), else the peer environment's Python when
/// it exists and has torch and safetensors installed; nil when neither.
enum PeerPython {
    static let executable: String? = find()

    private static func find() -> String? {
        if let configured = ProcessInfo.processInfo.environment["GENRL_TORCH_PYTHON"], !configured.isEmpty {
            return configured
        }
        let peer = "/root/.cache/genrl-peer/bin/python"
        guard FileManager.default.isExecutableFile(atPath: peer) else { return nil }
        // find_spec locates the packages without the seconds an import of torch takes.
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: peer)
        probe.arguments = ["-c", "import importlib.util as u, sys; sys.exit(not (u.find_spec('torch') and u.find_spec('safetensors')))"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? peer : nil
    }

    /// Runs scripts/genrl_torch.py with `arguments`, its standard error going to
    /// `errorLog`, and fails the test with that log if the script does not succeed. The
    /// wait does not hold a thread: the tests run on a small cooperative pool.
    static func runScript(_ arguments: [String], errorLog: URL) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/genrl_torch.py").path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["OMP_NUM_THREADS": "1"]) { _, new in new }
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        let log = try FileHandle(forWritingTo: errorLog)
        defer { try? log.close() }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = log
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let errors = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
        try #require(status == 0, "genrl_torch.py \(arguments.first ?? "") failed with status \(status):\n\(errors)")
    }
}

@Suite("PyTorch interoperability")
struct TorchInteropTests {
    // MARK: PyTorch → GenRL

    /// A directory written by PyTorch loads with `ModelDirectory.load` and gives PyTorch's
    /// logits and values (and has the tokenizer PyTorch's side wrote).
    @Test(arguments: ["lstm", "gru", "gpt", "bigram"])
    func modelWrittenByPyTorchGivesPyTorchOutputs(_ name: String) throws {
        let references = try SafeTensors.read(contentsOf: interopFixtures.appendingPathComponent("reference_outputs.safetensors"))
        let tokens = try references.integerTensor("tokens")
        let (model, _, tokenizer) = try ModelDirectory.load(from: interopFixtures.appendingPathComponent(name))
        model.eval()
        let output = model(tokens)

        let logits = try references.tensor("\(name).logits")
        #expect(output.logits.shape == logits.shape)
        let logitError = scaledError(output.logits, logits)
        #expect(logitError <= tolerance, "\(name): logits differ from PyTorch's by \(logitError) of their scale")
        if let values = references.tensors["\(name).values"] {
            let computed = try #require(output.values, "\(name): the model lost its value head")
            #expect(computed.shape == values.shape)
            let valueError = scaledError(computed, values)
            #expect(valueError <= tolerance, "\(name): values differ from PyTorch's by \(valueError) of their scale")
        } else {
            #expect(output.values == nil)
        }
        #expect(tokenizer.encode("abp") == [4, 5, 19])
    }

    // MARK: GenRL → PyTorch

    static let configurations: [LanguageModelConfiguration] = [
        .recurrent(RecurrentLanguageModelConfiguration(vocabularySize: 23, cell: .lstm, embeddingSize: 8, hiddenSize: 12,
                                                       layers: 2, valueHead: true)),
        .recurrent(RecurrentLanguageModelConfiguration(vocabularySize: 23, cell: .gru, embeddingSize: 8, hiddenSize: 12,
                                                       layers: 3, dropout: 0.1)),
        .gpt(GPTConfiguration(vocabularySize: 23, contextLength: 16, width: 16, layers: 2, heads: 4, mlpRatio: 3,
                              valueHead: true)),
        .bigram(vocabularySize: 23, valueHead: true),
    ]

    /// A model of `configuration` whose every parameter is moved off its initial value
    /// by N(0, 0.3²) noise, so LayerNorm gains, zero biases and the bigram's zero table
    /// all matter.
    static func perturbedModel(_ configuration: LanguageModelConfiguration) -> any LanguageModel {
        var generator = RandomGenerator(seed: 11)
        let model = configuration.makeModel(generator: &generator)
        for (_, parameter) in model.namedParameters() {
            parameter.assign(parameter.detached()
                + Tensor.randomNormal(parameter.shape, standardDeviation: 0.3, using: &generator))
        }
        model.eval()
        return model
    }

    /// A model saved by GenRL, run by genrl_torch.py in PyTorch on the same tokens, gives
    /// GenRL's logits and values; saved back by `save_genrl_model`, it loads in GenRL with
    /// the same configuration and bit-identical parameters.
    @Test(.enabled(if: PeerPython.executable != nil,
                   "needs a Python with torch and safetensors (GENRL_TORCH_PYTHON or /root/.cache/genrl-peer)"),
          arguments: configurations)
    func modelWrittenByGenRLGivesGenRLOutputsInPyTorch(_ configuration: LanguageModelConfiguration) async throws {
        let model = Self.perturbedModel(configuration)
        let tokenizer = try CharacterTokenizer(scalars: Array("abcdefghijklmnopqrs".unicodeScalars))
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-interop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let saved = workspace.appendingPathComponent("saved")
        try ModelDirectory.save(model: model, configuration: configuration, tokenizer: tokenizer, to: saved)

        var generator = RandomGenerator(seed: 12)
        let tokens = IntTensor.randomIntegers([3, 9], below: 23, using: &generator)
        let rows = (0..<3).map { row in tokens.scalars[(row * 9)..<(row * 9 + 9)].map(String.init).joined(separator: ",") }
        let outputsURL = workspace.appendingPathComponent("torch_outputs.safetensors")
        let resaved = workspace.appendingPathComponent("resaved")
        try await PeerPython.runScript(["run", saved.path, "--tokens", "[[\(rows.joined(separator: "],["))]]",
                                        "--output", outputsURL.path, "--resave", resaved.path],
                                       errorLog: workspace.appendingPathComponent("stderr.txt"))

        let torch = try SafeTensors.read(contentsOf: outputsURL)
        let expected = model(tokens)
        let logits = try torch.tensor("logits")
        #expect(logits.shape == expected.logits.shape)
        let logitError = scaledError(expected.logits, logits)
        #expect(logitError <= tolerance, "logits differ from PyTorch's by \(logitError) of their scale")
        if let values = expected.values {
            let torchValues = try torch.tensor("values")
            #expect(torchValues.shape == values.shape)
            let valueError = scaledError(values, torchValues)
            #expect(valueError <= tolerance, "values differ from PyTorch's by \(valueError) of their scale")
        } else {
            #expect(torch.tensors["values"] == nil)
        }

        let (reloaded, reloadedConfiguration, reloadedTokenizer) = try ModelDirectory.load(from: resaved)
        #expect(reloadedConfiguration == configuration)
        #expect(reloadedTokenizer.encode("sab") == tokenizer.encode("sab"))
        let original = model.parameterDictionary()
        let roundTripped = reloaded.parameterDictionary()
        #expect(Set(roundTripped.keys) == Set(original.keys))
        for (name, tensor) in original {
            #expect(roundTripped[name]?.scalars == tensor.scalars, "\(name) changed on the way through PyTorch")
        }
    }
}
