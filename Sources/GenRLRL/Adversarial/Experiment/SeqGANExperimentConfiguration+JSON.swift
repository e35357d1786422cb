import Foundation

extension SeqGANExperimentConfiguration {
    /// A configuration from JSON with snake_case keys (`"pretraining": {"learning_rate":
    /// 0.01}`): keys that are absent keep their defaults; an unknown key is an error that
    /// names it.
    public static func decodeJSON(_ data: Data, source: String = "(in memory)") throws -> SeqGANExperimentConfiguration {
        let given: Any
        do { given = try JSONSerialization.jsonObject(with: data) } catch {
            throw ExperimentError.invalid("\(source): not valid JSON: \(error.localizedDescription)")
        }
        return try decode(object: given, source: source)
    }

    /// A configuration from a parsed JSON-like object (dictionaries, arrays, numbers,
    /// strings, booleans) with snake_case keys, as TOML or JSON readers produce it; absent
    /// keys keep their defaults, unknown keys are errors.
    public static func decode(object given: Any, source: String) throws -> SeqGANExperimentConfiguration {
        let defaults = try JSONSerialization.jsonObject(with: encoder.encode(SeqGANExperimentConfiguration()))
        let merged = try merge(given, into: defaults, path: "", source: source)
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(SeqGANExperimentConfiguration.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch let DecodingError.dataCorrupted(context) {
            throw ExperimentError.invalid("\(source): \(keyPath(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ExperimentError.invalid("\(source): \(keyPath(context.codingPath)): \(context.debugDescription)")
        }
    }

    /// The configuration with its relative file paths (`data.oracle_file`,
    /// `data.corpus_file`, `generator.checkpoint`, `discriminator.checkpoint`) made absolute
    /// against `directory` (the configuration file's directory).
    public func resolvingPaths(relativeTo directory: URL) -> SeqGANExperimentConfiguration {
        func resolve(_ path: String) -> String {
            path.isEmpty || path.hasPrefix("/") ? path : directory.appendingPathComponent(path).standardizedFileURL.path
        }
        var resolved = self
        resolved.data.oracleFile = resolve(data.oracleFile)
        resolved.data.corpusFile = resolve(data.corpusFile)
        resolved.generator.checkpoint = resolve(generator.checkpoint)
        resolved.discriminator.checkpoint = resolve(discriminator.checkpoint)
        return resolved
    }

    /// Writes every field, defaults included, as JSON with snake_case keys.
    public func writeJSON(to url: URL) throws {
        try Self.encoder.encode(self).write(to: url)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    /// `given` laid over `defaults`: objects merge key by key, anything else replaces.
    private static func merge(_ given: Any, into defaults: Any, path: String, source: String) throws -> Any {
        guard let givenObject = given as? [String: Any], let defaultObject = defaults as? [String: Any] else { return given }
        var result = defaultObject
        for (key, value) in givenObject {
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard let defaultValue = defaultObject[key] else {
                throw ExperimentError.invalid("\(source): unknown key \"\(keyPath)\" (known: \(defaultObject.keys.sorted().joined(separator: ", ")))")
            }
            result[key] = try merge(value, into: defaultValue, path: keyPath, source: source)
        }
        return result
    }

    private static func keyPath(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
