import Foundation
import TOMLKit

/// The kind of a configuration value: which TOML values it accepts, what range they
/// must lie in, how it is checked and how it is written back.
///
/// Kinds are built from the static functions: `.int(1...)`, `.double(.greaterThan(0))`,
/// `.bool`, `.string`, `.choice(["k1", "k3"])`, `.choice(KLEstimator.self)`,
/// `.path(.existingFile)`, `.array(of: .string)`.
public struct ConfigValueKind<Value: Equatable & Sendable>: Sendable {
    /// The kind for documentation, without article: `integer >= 1`,
    /// `path to an existing file`, `one of "k1", "k3"`.
    public let summary: String
    /// The plural, for arrays of this kind: `integers >= 1`.
    let pluralSummary: String
    /// The kind as a message completes "must be ...": `an integer >= 1`.
    let expectation: String
    /// Reads and checks one TOML value.
    let decode: @Sendable (TOMLValue, ConfigValueContext) -> Result<Value, ConfigValueProblem>
    /// Spells a value as a TOML literal that `decode` reads back to the same value.
    let encode: @Sendable (Value) -> String
}

/// What a value kind needs to know besides the value: where relative paths start.
struct ConfigValueContext {
    /// The directory of the configuration file, absolute.
    var baseDirectory: String
}

/// A value that a kind rejects, before the reader adds the file, line and key.
indirect enum ConfigValueProblem: Error {
    case wrongType(expected: String, found: String)
    case outOfRange(value: String, allowed: String)
    case unknownChoice(value: String, choices: [String])
    case missingFile(path: String, resolvedPath: String, isDirectory: Bool)
    /// A problem with element `index` (0-based) of an array.
    case inElement(Int, ConfigValueProblem)
}

/// What a path field requires of the file system.
public enum PathRequirement: Sendable {
    /// Nothing: an output location, say.
    case none
    /// An existing regular file (or a link to one).
    case existingFile
    /// An existing directory.
    case existingDirectory
}

// MARK: - Scalars

extension ConfigValueKind where Value == Int {
    /// A TOML integer in `range`.
    public static func int(_ range: ConfigRange<Int> = .unbounded) -> Self {
        let bounds = range.describe { String($0) }
        let suffix = bounds.isEmpty ? "" : " " + bounds
        return Self(summary: "integer" + suffix, pluralSummary: "integers" + suffix,
                    expectation: "an integer" + suffix,
                    decode: { value, _ in
                        guard let number = value.int else {
                            return .failure(.wrongType(expected: "an integer" + suffix, found: describeFound(value)))
                        }
                        guard range.contains(number) else {
                            return .failure(.outOfRange(value: String(number), allowed: bounds))
                        }
                        return .success(number)
                    },
                    encode: { String($0) })
    }

    /// A TOML integer in `lower...upper`.
    public static func int(_ range: ClosedRange<Int>) -> Self { int(ConfigRange(range)) }
    /// A TOML integer `>= lower`.
    public static func int(_ range: PartialRangeFrom<Int>) -> Self { int(ConfigRange(range)) }
}

extension ConfigValueKind where Value == Double {
    /// A TOML float (or integer, read as a float) in `range`. NaN is accepted only when
    /// the range is unbounded.
    public static func double(_ range: ConfigRange<Double> = .unbounded) -> Self {
        let bounds = range.describe(TOMLSyntax.renderDouble)
        let suffix = bounds.isEmpty ? "" : " " + bounds
        return Self(summary: "number" + suffix, pluralSummary: "numbers" + suffix,
                    expectation: "a number" + suffix,
                    decode: { value, _ in
                        guard let number = value.double ?? value.int.map(Double.init) else {
                            return .failure(.wrongType(expected: "a number" + suffix, found: describeFound(value)))
                        }
                        guard range.contains(number), !(number.isNaN && !bounds.isEmpty) else {
                            return .failure(.outOfRange(value: TOMLSyntax.renderDouble(number), allowed: bounds))
                        }
                        return .success(number)
                    },
                    encode: TOMLSyntax.renderDouble)
    }

    /// A number in `lower...upper`.
    public static func double(_ range: ClosedRange<Double>) -> Self { double(ConfigRange(range)) }
    /// A number in `lower..<upper`.
    public static func double(_ range: Range<Double>) -> Self { double(ConfigRange(range)) }
    /// A number `>= lower`.
    public static func double(_ range: PartialRangeFrom<Double>) -> Self { double(ConfigRange(range)) }
}

extension ConfigValueKind where Value == Bool {
    /// A TOML boolean, `true` or `false`.
    public static var bool: Self {
        Self(summary: "boolean", pluralSummary: "booleans", expectation: "a boolean",
             decode: { value, _ in
                 value.bool.map(Result.success)
                     ?? .failure(.wrongType(expected: "a boolean", found: describeFound(value)))
             },
             encode: { $0 ? "true" : "false" })
    }
}

extension ConfigValueKind where Value == String {
    /// Any TOML string.
    public static var string: Self {
        Self(summary: "string", pluralSummary: "strings", expectation: "a string",
             decode: { value, _ in
                 value.string.map(Result.success)
                     ?? .failure(.wrongType(expected: "a string", found: describeFound(value)))
             },
             encode: TOMLSyntax.renderString)
    }

    /// A string from a fixed set (case-sensitive), e.g. `["exact", "k1", "k3"]`.
    public static func choice(_ choices: [String]) -> Self {
        let list = choices.map(TOMLSyntax.renderString).joined(separator: ", ")
        return Self(summary: "one of \(list)", pluralSummary: "strings, each one of \(list)",
                    expectation: "one of \(list)",
                    decode: { value, _ in
                        guard let text = value.string else {
                            return .failure(.wrongType(expected: "one of \(list)", found: describeFound(value)))
                        }
                        return choices.contains(text) ? .success(text)
                            : .failure(.unknownChoice(value: text, choices: choices))
                    },
                    encode: TOMLSyntax.renderString)
    }

    /// A file-system path. A relative path is resolved against the configuration
    /// file's directory (`~/` against the home directory) and stored absolute and
    /// normalized, so the written configuration works from any directory. An empty
    /// string stays empty (meaning "no path") unless the path must exist.
    public static func path(_ requirement: PathRequirement = .none) -> Self {
        let (summary, plural, expectation) = switch requirement {
        case .none: ("path", "paths", "a path")
        case .existingFile: ("path to an existing file", "paths to existing files", "a path to an existing file")
        case .existingDirectory:
            ("path to an existing directory", "paths to existing directories", "a path to an existing directory")
        }
        return Self(summary: summary, pluralSummary: plural, expectation: expectation,
                    decode: { value, context in
                        guard let written = value.string else {
                            return .failure(.wrongType(expected: expectation, found: describeFound(value)))
                        }
                        let resolved = resolvePath(written, against: context.baseDirectory)
                        guard requirement != .none else { return .success(resolved) }
                        var isDirectory: ObjCBool = false
                        let exists = FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory)
                        guard exists, isDirectory.boolValue == (requirement == .existingDirectory) else {
                            return .failure(.missingFile(path: written, resolvedPath: resolved,
                                                         isDirectory: requirement == .existingDirectory))
                        }
                        return .success(resolved)
                    },
                    encode: TOMLSyntax.renderString)
    }
}

extension ConfigValueKind where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One case of a string-backed enum, spelled by its raw value:
    /// `.choice(KLEstimator.self)` accepts `"exact"`, `"k1"`, `"k3"`.
    public static func choice(_ type: Value.Type) -> Self {
        let strings = ConfigValueKind<String>.choice(Value.allCases.map(\.rawValue))
        return Self(summary: strings.summary, pluralSummary: strings.pluralSummary,
                    expectation: strings.expectation,
                    decode: { value, context in
                        strings.decode(value, context).map { Value(rawValue: $0)! }
                    },
                    encode: { TOMLSyntax.renderString($0.rawValue) })
    }
}

// MARK: - Arrays

extension ConfigValueKind {
    /// A TOML array whose elements are each of kind `element`.
    public static func array<Element>(of element: ConfigValueKind<Element>) -> Self where Value == [Element] {
        let summary = "array of \(element.pluralSummary)"
        return Self(summary: summary, pluralSummary: "arrays of \(element.pluralSummary)",
                    expectation: "an " + summary,
                    decode: { value, context in
                        guard let array = value.array else {
                            return .failure(.wrongType(expected: "an " + summary, found: describeFound(value)))
                        }
                        var elements: [Element] = []
                        for index in 0..<array.count {
                            switch element.decode(array[index].tomlValue, context) {
                            case .success(let decoded): elements.append(decoded)
                            case .failure(let problem): return .failure(.inElement(index, problem))
                            }
                        }
                        return .success(elements)
                    },
                    encode: { "[" + $0.map(element.encode).joined(separator: ", ") + "]" })
    }
}

// MARK: - Helpers

/// A TOML value for messages: `string "64"`, `integer 3`, `float 0.5`, `a table`.
func describeFound(_ value: TOMLValue) -> String {
    switch value.type {
    case .string:
        let text = value.string ?? ""
        let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
        return "string " + TOMLSyntax.renderString(shown)
    case .int: return "integer \(value.int ?? 0)"
    case .double: return "float " + TOMLSyntax.renderDouble(value.double ?? 0)
    case .bool: return "boolean \(value.bool ?? false)"
    case .array: return "an array"
    case .table: return "a table"
    case .date: return "a date"
    case .time: return "a time"
    case .dateTime: return "a date-time"
    }
}

/// `path` made absolute against `base` (or the home directory for `~/`), with `.`
/// and `..` steps and repeated slashes removed. An empty path stays empty.
func resolvePath(_ path: String, against base: String) -> String {
    guard !path.isEmpty else { return path }
    var absolute = path
    if path == "~" || path.hasPrefix("~/") {
        absolute = NSHomeDirectory() + path.dropFirst()
    } else if !path.hasPrefix("/") {
        absolute = base + "/" + path
    }
    var steps: [Substring] = []
    for step in absolute.split(separator: "/", omittingEmptySubsequences: true) {
        switch step {
        case ".": continue
        case "..": if !steps.isEmpty { steps.removeLast() }
        default: steps.append(step)
        }
    }
    return "/" + steps.joined(separator: "/")
}
