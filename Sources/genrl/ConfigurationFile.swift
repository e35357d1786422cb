import Foundation
import TOMLKit

/// Reads a Codable configuration from a TOML file whose keys are the snake_case names of
/// its fields (`kl_coefficient` for `klCoefficient`). Keys the file leaves out keep the
/// defaults; a key that names no field is an error naming it.
enum ConfigurationFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func load<T: Codable>(_ type: T.Type, from path: String?, defaults: T = T.defaultValue) throws -> T
        where T: DefaultConstructible {
        guard let path else { return defaults }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Failure(description: "\(path): cannot read: \(error.localizedDescription)")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw Failure(description: "\(path): not valid TOML: \(error)")
        }
        let fileJSON = try JSONSerialization.jsonObject(with: Data(table.convert(to: .json).utf8))
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let defaultJSON = try JSONSerialization.jsonObject(with: try encoder.encode(defaults))
        let merged = merge(defaultJSON, fileJSON)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { keys in CamelKey(snake: keys.last!.stringValue) }
        let value: T
        do { value = try decoder.decode(T.self, from: try JSONSerialization.data(withJSONObject: merged)) } catch {
            throw Failure(description: "\(path): \(error)")
        }
        let roundTrip = try JSONSerialization.jsonObject(with: try encoder.encode(value))
        if let unknown = unknownKeys(fileJSON, known: roundTrip, prefix: "").first {
            throw Failure(description: "\(path): unknown key \(unknown)")
        }
        return value
    }

    /// The file's values over the defaults', tables merged key by key.
    private static func merge(_ base: Any, _ override: Any) -> Any {
        guard var base = base as? [String: Any], let override = override as? [String: Any] else { return override }
        for (key, value) in override { base[key] = base[key].map { merge($0, value) } ?? value }
        return base
    }

    private static func unknownKeys(_ file: Any, known: Any, prefix: String) -> [String] {
        guard let file = file as? [String: Any] else { return [] }
        let known = known as? [String: Any] ?? [:]
        return file.keys.sorted().flatMap { key -> [String] in
            guard let value = known[key] else { return [prefix + key] }
            return unknownKeys(file[key]!, known: value, prefix: prefix + key + ".")
        }
    }

    /// snake_case to camelCase, with the acronyms GenRL spells in capitals (`target_kl` →
    /// `targetKL`).
    private struct CamelKey: CodingKey {
        static let acronyms = ["kl": "KL", "id": "ID", "url": "URL"]
        let stringValue: String
        var intValue: Int? { nil }
        init(snake: String) {
            let parts = snake.split(separator: "_").map(String.init)
            stringValue = parts.enumerated().map { index, part in
                index == 0 ? part : (Self.acronyms[part] ?? part.prefix(1).uppercased() + part.dropFirst())
            }.joined()
        }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A configuration with a default value (its `init()`).
protocol DefaultConstructible {
    init()
}

extension DefaultConstructible {
    static var defaultValue: Self { Self() }
}
