/// The position of a value inside a TOML document, as a list of table keys and array
/// indices: `reward[1].weight` is the `weight` key of the second `[[reward]]` table.
///
/// Key paths are concrete: they name one value, never a pattern. Indices are 0-based
/// here; messages meant for people show array elements 1-based (`[[reward]] #2`).
public struct ConfigKeyPath: Hashable, Sendable, CustomStringConvertible {
    /// One step of a key path.
    public enum Component: Hashable, Sendable {
        /// A key of a table.
        case key(String)
        /// An element of an array (0-based).
        case index(Int)
    }

    /// The steps from the document's root table to the value.
    public var components: [Component]

    /// The document's root table.
    public static let root = ConfigKeyPath(components: [])

    /// Creates a key path from its steps.
    public init(components: [Component]) {
        self.components = components
    }

    /// Creates a key path of table keys only: `ConfigKeyPath("ppo", "learning_rate")`.
    public init(_ keys: String...) {
        self.components = keys.map { .key($0) }
    }

    /// This path followed by the table key `key`.
    public func appending(key: String) -> ConfigKeyPath {
        ConfigKeyPath(components: components + [.key(key)])
    }

    /// This path followed by the array index `index` (0-based).
    public func appending(index: Int) -> ConfigKeyPath {
        ConfigKeyPath(components: components + [.index(index)])
    }

    /// The path without its last step (the root stays the root).
    public var parent: ConfigKeyPath {
        ConfigKeyPath(components: Array(components.dropLast()))
    }

    /// The path in TOML-like notation, indices 0-based: `reward[1].weight`,
    /// `model."hidden.size"`.
    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += TOMLSyntax.renderKey(key)
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    // MARK: Phrases for error messages

    /// The last table key of the path, the name people gave the value
    /// (`weight` for `reward[1].weight`, `stop` for `stop[2]`).
    var fieldName: String {
        for component in components.reversed() {
            if case .key(let key) = component { return key }
        }
        return ""
    }

    /// The table that holds the field: the path up to (not including) the last key.
    var containingTable: ConfigKeyPath {
        guard let last = components.lastIndex(where: { if case .key = $0 { true } else { false } })
        else { return .root }
        return ConfigKeyPath(components: Array(components[..<last]))
    }

    /// The element indices after the last key (`[2]` for `stop[2]`), 1-based for people.
    var trailingElementNumbers: [Int] {
        var numbers: [Int] = []
        for component in components.reversed() {
            guard case .index(let index) = component else { break }
            numbers.insert(index + 1, at: 0)
        }
        return numbers
    }

    /// The keys of the path with indices dropped, as a TOML header would spell them:
    /// `reward.model` for `reward[1].model`.
    var headerName: String {
        components.compactMap { component -> String? in
            if case .key(let key) = component { return TOMLSyntax.renderKey(key) }
            return nil
        }.joined(separator: ".")
    }

    /// Where a table is, for messages: `at top level`, `in [ppo]`, `in [[reward]] #2`,
    /// `in [reward.model] of [[reward]] #2`.
    var tablePhrase: String {
        if components.isEmpty { return "at top level" }
        guard let lastIndex = components.lastIndex(where: { if case .index = $0 { true } else { false } }),
              case .index(let index) = components[lastIndex]
        else { return "in [\(headerName)]" }
        let array = ConfigKeyPath(components: Array(components[..<lastIndex]))
        let element = "[[\(array.headerName)]] #\(index + 1)"
        return lastIndex == components.count - 1 ? "in \(element)" : "in [\(headerName)] of \(element)"
    }

    /// The field for messages: `"weight"`, or `element 3 of "stop"` inside an array.
    var fieldPhrase: String {
        let numbers = trailingElementNumbers
        if numbers.isEmpty { return "\"\(fieldName)\"" }
        return "element \(numbers.map(String.init).joined(separator: ".")) of \"\(fieldName)\""
    }
}
