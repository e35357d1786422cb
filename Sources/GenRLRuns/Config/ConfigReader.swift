import Foundation
import TOMLKit

/// Reads a configuration: TOML text → a ``ConfigSection`` struct, every key checked.
///
/// Reading has no side effects: it only reads the text and checks that paths exist, so
/// a caller can read and validate the whole configuration before it creates a run
/// directory or writes anything.
///
/// All problems are collected, not just the first: a bad value does not stop the
/// checking of the other keys, so one edit can fix every typo, like a compiler's error
/// list. Problems that would only follow from an earlier one are not reported (the keys
/// of a table whose `type` is unknown, the rest of an array after a bad element). A
/// syntax error stops reading, since nothing after it can be trusted.
public enum ConfigReader {
    /// Reads the configuration file at `path`. Relative paths inside it resolve against
    /// the file's directory; messages name the file as `path` spells it.
    public static func read<Config: ConfigSection>(
        _ type: Config.Type, fromFile path: String
    ) throws(ConfigErrors) -> Config {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigErrors([.unreadableFile(file: path, reason: describeReadFailure(path))])
        }
        let directory = (resolvePath(path, against: FileManager.default.currentDirectoryPath) as NSString)
            .deletingLastPathComponent
        return try read(type, from: text, fileName: path, baseDirectory: directory)
    }

    /// Reads configuration `text`. `fileName` is the name used in messages;
    /// `baseDirectory` is where relative paths start (made absolute against the
    /// current directory if it is relative).
    public static func read<Config: ConfigSection>(
        _ type: Config.Type, from text: String, fileName: String = "config.toml", baseDirectory: String
    ) throws(ConfigErrors) -> Config {
        let document: TOMLTable
        do {
            document = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigErrors([.syntax(file: fileName, line: error.source.begin.line,
                                        column: error.source.begin.column, message: error.description)])
        } catch {
            throw ConfigErrors([.syntax(file: fileName, line: 1, column: 1, message: "\(error)")])
        }
        let session = ConfigDecodingSession(
            fileName: fileName, locations: TOMLKeyLocations(text: text),
            valueContext: ConfigValueContext(
                baseDirectory: resolvePath(baseDirectory, against: FileManager.default.currentDirectoryPath)))
        let config = Config.tableSchema.decode(document, nil, .root, session)
        guard let config, session.errors.isEmpty else { throw ConfigErrors(session.errors) }
        return config
    }

    private static func describeReadFailure(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "it is a directory" }
        return "not readable as UTF-8 text"
    }
}

/// The state of one read: where the text is, which lines keys are on, and the
/// problems found so far.
final class ConfigDecodingSession {
    let fileName: String
    let locations: TOMLKeyLocations
    let valueContext: ConfigValueContext
    private(set) var errors: [ConfigError] = []

    init(fileName: String, locations: TOMLKeyLocations, valueContext: ConfigValueContext) {
        self.fileName = fileName
        self.locations = locations
        self.valueContext = valueContext
    }

    /// The site of `path`, on its own line or else its nearest ancestor's.
    func site(_ path: ConfigKeyPath) -> ConfigSite {
        ConfigSite(file: fileName, line: locations.nearestLine(of: path), keyPath: path)
    }

    /// Reports a value problem for the field at `path` (descending into array elements).
    func report(_ problem: ConfigValueProblem, at path: ConfigKeyPath) {
        switch problem {
        case .inElement(let index, let inner):
            report(inner, at: path.appending(index: index))
        case .wrongType(let expected, let found):
            errors.append(.wrongType(site(path), expected: expected, found: found))
        case .outOfRange(let value, let allowed):
            errors.append(.outOfRange(site(path), value: value, allowed: allowed))
        case .unknownChoice(let value, let choices):
            errors.append(.unknownChoice(site(path), value: value, choices: choices,
                                         suggestion: closestMatch(to: value, among: choices)))
        case .missingFile(let written, let resolvedPath, let isDirectory):
            errors.append(.missingFile(site(path), path: written, resolvedPath: resolvedPath,
                                       isDirectory: isDirectory))
        }
    }

    /// Reports that the required key `path` is absent, at the line of its table (no
    /// line if the table is absent too, or is the root).
    func reportMissing(_ path: ConfigKeyPath) {
        let table = path.parent
        let line = table.components.isEmpty ? nil : locations.line(of: table)
        errors.append(.missingRequired(ConfigSite(file: fileName, line: line, keyPath: path)))
    }

    /// Reports a key that its table does not declare.
    func reportUnknownKey(_ path: ConfigKeyPath, value: TOMLValue?, known: [String]) {
        var kind = ConfigEntryKind.key
        if value?.type == .table {
            kind = .section
        } else if let array = value?.array, !array.isEmpty,
                  (0..<array.count).allSatisfy({ array[$0].type == .table }) {
            kind = .sectionArray
        }
        errors.append(.unknownKey(site(path), kind: kind, suggestion: closestMatch(to: path.fieldName, among: known)))
    }

    /// `value` as a table, or `nil` after reporting that it is not one.
    func tableOrReport(_ value: TOMLValue, at path: ConfigKeyPath) -> TOMLTable? {
        if let table = value.table { return table }
        report(.wrongType(expected: "a table", found: describeFound(value)), at: path)
        return nil
    }
}
