import Foundation
import GenRLNN
import GenRLTensor

/// The architecture and sizes of a language model, as written to `config.json`:
/// `{"architecture": "recurrent", "vocabularySize": 68, "cell": "lstm", ...}`.
public enum LanguageModelConfiguration: Codable, Sendable, Equatable {
    case recurrent(RecurrentLanguageModelConfiguration)
    case gpt(GPTConfiguration)
    case bigram(vocabularySize: Int, valueHead: Bool)

    private enum Keys: String, CodingKey { case architecture, vocabularySize, valueHead }

    /// Decodes `config.json`, choosing the case by its `architecture` key.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        switch try container.decode(String.self, forKey: .architecture) {
        case "recurrent": self = .recurrent(try RecurrentLanguageModelConfiguration(from: decoder))
        case "gpt": self = .gpt(try GPTConfiguration(from: decoder))
        case "bigram":
            self = .bigram(vocabularySize: try container.decode(Int.self, forKey: .vocabularySize),
                           valueHead: try container.decodeIfPresent(Bool.self, forKey: .valueHead) ?? false)
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .architecture, in: container,
                                                   debugDescription: "unknown architecture \"\(other)\" (expected recurrent, gpt or bigram)")
        }
    }

    /// Writes the configuration's fields with its `architecture` key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .recurrent(let configuration):
            try container.encode("recurrent", forKey: .architecture)
            try configuration.encode(to: encoder)
        case .gpt(let configuration):
            try container.encode("gpt", forKey: .architecture)
            try configuration.encode(to: encoder)
        case .bigram(let vocabularySize, let valueHead):
            try container.encode("bigram", forKey: .architecture)
            try container.encode(vocabularySize, forKey: .vocabularySize)
            try container.encode(valueHead, forKey: .valueHead)
        }
    }

    /// A freshly initialised model of this configuration.
    public func makeModel(generator: inout RandomGenerator) -> any LanguageModel {
        switch self {
        case .recurrent(let configuration): RecurrentLanguageModel(configuration, generator: &generator)
        case .gpt(let configuration): GPTLanguageModel(configuration, generator: &generator)
        case .bigram(let vocabularySize, let valueHead): BigramLanguageModel(vocabularySize: vocabularySize, valueHead: valueHead)
        }
    }

    /// The same configuration with or without a value head.
    public func withValueHead(_ valueHead: Bool) -> LanguageModelConfiguration {
        switch self {
        case .recurrent(var configuration):
            configuration.valueHead = valueHead
            return .recurrent(configuration)
        case .gpt(var configuration):
            configuration.valueHead = valueHead
            return .gpt(configuration)
        case .bigram(let vocabularySize, _):
            return .bigram(vocabularySize: vocabularySize, valueHead: valueHead)
        }
    }
}

/// A model on disk: `config.json` (the `LanguageModelConfiguration`), `model.safetensors`
/// (parameters under their dotted names, PyTorch layouts) and `tokenizer.json`; the
/// format is described in docs/checkpoint-format.md. `scripts/genrl_torch.py` loads such a
/// directory into the equivalent PyTorch module and writes one from a PyTorch module.
public enum ModelDirectory {
    /// Writes the three files into `directory` (created if needed). Each file is written
    /// to a temporary name and renamed into place.
    public static func save(model: any LanguageModel, configuration: LanguageModelConfiguration, tokenizer: any Tokenizer,
                            to directory: URL, metadata: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(configuration), to: directory.appendingPathComponent("config.json"))
        try SafeTensors.write(model.parameterDictionary(), metadata: metadata.merging(["format": "pt"]) { a, _ in a },
                              to: directory.appendingPathComponent("model.safetensors"))
        try tokenizer.save(to: directory)
    }

    /// The configuration stored in `directory`.
    public static func configuration(in directory: URL) throws -> LanguageModelConfiguration {
        let url = directory.appendingPathComponent("config.json")
        do {
            return try JSONDecoder().decode(LanguageModelConfiguration.self, from: Data(contentsOf: url))
        } catch {
            throw LanguageModelError.unreadableConfiguration(path: url.path, reason: "\(error)")
        }
    }

    /// Loads the model, its configuration and its tokenizer. With `valueHead` set, the
    /// model gets (or loses) a value head; a new head starts from its initialisation.
    public static func load(from directory: URL, valueHead: Bool? = nil, seed: UInt64 = 0) throws
        -> (model: any LanguageModel, configuration: LanguageModelConfiguration, tokenizer: any Tokenizer) {
        var configuration = try self.configuration(in: directory)
        if let valueHead { configuration = configuration.withValueHead(valueHead) }
        var generator = RandomGenerator(seed: seed)
        let model = configuration.makeModel(generator: &generator)
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        let archive = try SafeTensors.read(contentsOf: weightsURL)
        var weights = archive.tensors
        let ownNames = Set(model.namedParameters().map(\.name))
        for name in weights.keys where name.hasPrefix("valueHead.") && !ownNames.contains(name) { weights[name] = nil }
        do {
            try model.load(weights, strict: false)
            let missing = model.namedParameters().map(\.name).filter { weights[$0] == nil && !$0.hasPrefix("valueHead.") }
            if !missing.isEmpty { throw ModuleStateError.missingParameters(missing) }
            let unexpected = weights.keys.filter { !ownNames.contains($0) }.sorted()
            if !unexpected.isEmpty { throw ModuleStateError.unexpectedParameters(unexpected) }
        } catch {
            throw LanguageModelError.mismatchedWeights(path: weightsURL.path, reason: "\(error)")
        }
        let tokenizer = try TokenizerFile.loadTokenizer(from: directory)
        return (model, configuration, tokenizer)
    }
}

/// Writes `data` to `url` through a temporary file renamed into place.
func writeAtomically(_ data: Data, to url: URL) throws {
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    try data.write(to: temporary)
    if rename(temporary.path, url.path) != 0 {
        try? FileManager.default.removeItem(at: temporary)
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "rename to \(url.path) failed"])
    }
}
