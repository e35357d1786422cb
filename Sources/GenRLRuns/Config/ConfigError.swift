/// Where a configuration problem is: the file as the user named it, the 1-based line
/// (`nil` when the problem is an absence, e.g. a required key of a table the file does
/// not have) and the key path of the value at fault.
public struct ConfigSite: Equatable, Sendable {
    /// The configuration file as named to the reader (`config.toml`, `runs/a/config.toml`).
    public var file: String
    /// The 1-based line of the key, header or array element, if the file has one.
    public var line: Int?
    /// The value at fault: `ppo.learning_rate`, `reward[1].type`, `stop[2]`.
    public var keyPath: ConfigKeyPath

    /// Creates a site.
    public init(file: String, line: Int?, keyPath: ConfigKeyPath) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
    }

    /// `config.toml:12` or, without a line, `config.toml`.
    var prefix: String { line.map { "\(file):\($0)" } ?? file }
}

/// What a misspelled key was spelled as in the file.
public enum ConfigEntryKind: Equatable, Sendable {
    /// `key = value` (also a key inside an inline table).
    case key
    /// A table: `[name]`, a dotted-key prefix or an inline table.
    case section
    /// An array of tables: `[[name]]`.
    case sectionArray
}

/// One problem found in a configuration file. Its `description` is one line that names
/// the file, line and key:
///
/// ```text
/// config.toml:12: unknown key "learning_rat" in [ppo] (did you mean "learning_rate"?)
/// ```
public enum ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not valid TOML (as reported by TOMLKit / toml++, with its column).
    case syntax(file: String, line: Int, column: Int, message: String)
    /// The configuration file could not be read.
    case unreadableFile(file: String, reason: String)
    /// A key or table that the section does not declare; `suggestion` is the closest
    /// declared key, if one is close.
    case unknownKey(ConfigSite, kind: ConfigEntryKind, suggestion: String?)
    /// A value of the wrong TOML type; `expected` describes the field's value kind.
    case wrongType(ConfigSite, expected: String, found: String)
    /// A number outside the field's allowed range (`allowed` reads like `> 0`, `in [0, 1]`).
    case outOfRange(ConfigSite, value: String, allowed: String)
    /// A path (as written) to a file or directory that does not exist at `resolvedPath`.
    case missingFile(ConfigSite, path: String, resolvedPath: String, isDirectory: Bool)
    /// A string that is not one of the field's fixed choices (an algorithm name, a
    /// reward `type`); `choices` lists the valid ones.
    case unknownChoice(ConfigSite, value: String, choices: [String], suggestion: String?)
    /// A required key that the file does not set.
    case missingRequired(ConfigSite)
    /// Values that are each valid but do not fit together (a table for another
    /// algorithm, a model without the head the algorithm needs); `message` says why.
    case inconsistent(ConfigSite, message: String)

    /// The site of the problem (a syntax error has no key path: it is the root's).
    public var site: ConfigSite {
        switch self {
        case .syntax(let file, let line, _, _): ConfigSite(file: file, line: line, keyPath: .root)
        case .unreadableFile(let file, _): ConfigSite(file: file, line: nil, keyPath: .root)
        case .unknownKey(let site, _, _), .wrongType(let site, _, _), .outOfRange(let site, _, _),
             .missingFile(let site, _, _, _), .unknownChoice(let site, _, _, _),
             .missingRequired(let site), .inconsistent(let site, _):
            site
        }
    }

    /// The 1-based line of the problem, if it has one.
    public var line: Int? { site.line }

    /// The problem as one line, `file:line: message`.
    public var description: String {
        switch self {
        case .syntax(let file, let line, let column, let message):
            return "\(file):\(line):\(column): syntax error: \(message)"
        case .unreadableFile(let file, let reason):
            return "\(file): cannot read configuration file: \(reason)"
        case .unknownKey(let site, let kind, let suggestion):
            let path = site.keyPath
            switch kind {
            case .key:
                let hint = suggestion.map { " (did you mean \"\($0)\"?)" } ?? ""
                return "\(site.prefix): unknown key \"\(path.fieldName)\" \(path.containingTable.tablePhrase)\(hint)"
            case .section, .sectionArray:
                let (open, close) = kind == .section ? ("[", "]") : ("[[", "]]")
                let parent = path.containingTable
                let parentName = parent.components.isEmpty ? "" : parent.headerName + "."
                let hint = suggestion.map { " (did you mean \(open)\(parentName)\(TOMLSyntax.renderKey($0))\(close)?)" } ?? ""
                return "\(site.prefix): unknown section \(open)\(path.headerName)\(close)\(hint)"
            }
        case .wrongType(let site, let expected, let found):
            return "\(site.prefix): \(site.keyPath.fieldPhrase) \(site.keyPath.containingTable.tablePhrase) must be \(expected), found \(found)"
        case .outOfRange(let site, let value, let allowed):
            return "\(site.prefix): \(site.keyPath.fieldPhrase) \(site.keyPath.containingTable.tablePhrase) is \(value), must be \(allowed)"
        case .missingFile(let site, let path, let resolvedPath, let isDirectory):
            let noun = isDirectory ? "directory" : "file"
            return "\(site.prefix): \(noun) \"\(path)\" for \(site.keyPath.fieldPhrase) \(site.keyPath.containingTable.tablePhrase) does not exist (looked for \(resolvedPath))"
        case .unknownChoice(let site, let value, let choices, let suggestion):
            let hint = suggestion.map { " (did you mean \"\($0)\"?)" } ?? ""
            let valid = choices.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(site.prefix): unknown \(site.keyPath.fieldName) \"\(value)\" \(site.keyPath.containingTable.tablePhrase)\(hint); valid: \(valid)"
        case .missingRequired(let site):
            return "\(site.prefix): missing required key \"\(site.keyPath.fieldName)\" \(site.keyPath.containingTable.tablePhrase)"
        case .inconsistent(let site, let message):
            return "\(site.prefix): \(message)"
        }
    }
}

/// Every problem found in one configuration file, in line order. The reader collects
/// them all (rather than stopping at the first) so that one edit can fix every typo; its
/// `description` is one line per problem.
public struct ConfigErrors: Error, Equatable, Sendable, CustomStringConvertible {
    /// The problems, sorted by line (problems without a line last), never empty.
    public var errors: [ConfigError]

    /// Wraps `errors`, sorting them by line and keeping the order of equal lines.
    public init(_ errors: [ConfigError]) {
        self.errors = errors.enumerated().sorted { left, right in
            let leftLine = left.element.line ?? .max, rightLine = right.element.line ?? .max
            return leftLine != rightLine ? leftLine < rightLine : left.offset < right.offset
        }.map(\.element)
    }

    /// One line per problem.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}

/// The candidate closest to `word` by optimal-string-alignment distance (a swap of two
/// neighbouring letters counts as one edit), if it is within about a third of the
/// word's length (at least 1, at most 3 edits). Case differences alone always match.
func closestMatch(to word: String, among candidates: [String]) -> String? {
    let target = Array(word.lowercased())
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(target, Array(candidate.lowercased()))
        let limit = max(1, min(3, max(target.count, candidate.count) / 3))
        if distance <= limit, distance < best?.distance ?? .max { best = (candidate, distance) }
    }
    return best?.candidate
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
/// adjacent characters each cost 1.
private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previousRow: [Int] = []
    var row = Array(0...b.count)
    for i in 1...a.count {
        let twoBack = previousRow
        previousRow = row
        row = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            row[j] = min(previousRow[j] + 1, row[j - 1] + 1, previousRow[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                row[j] = min(row[j], twoBack[j - 2] + 1)
            }
        }
    }
    return row[b.count]
}
