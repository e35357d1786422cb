/// Writes a configuration: a ``ConfigSection`` struct → TOML text with every field
/// written out, each preceded by its doc as a `#` line (with its kind and range in
/// brackets). The text reads back with ``ConfigReader`` to an equal struct.
///
/// This is both the resolved `config.toml` a run stores and the output of
/// `genrl config show <algorithm>` (the defaults: `ConfigWriter.text(for: PPOConfig())`).
/// Unset optional values and sections, and empty arrays of sections, are written as
/// comments, showing the defaults a user would start from.
public enum ConfigWriter {
    /// The TOML text of `config`, optionally after `header` lines written as comments.
    public static func text<Config: ConfigSection>(for config: Config, header: [String] = []) -> String {
        var out = ConfigTextBuilder()
        for line in header { out.append(comment: line) }
        if !header.isEmpty { out.appendBlank() }
        Config.tableSchema.encode(config, .root, &out)
        return out.text
    }

    /// The defaults of `type` as TOML text: what `genrl config show <algorithm>` prints.
    public static func defaultsText<Config: ConfigSection>(for type: Config.Type, header: [String] = []) -> String {
        text(for: Config(), header: header)
    }
}

/// TOML text built line by line, with blank lines between fields and before tables.
struct ConfigTextBuilder {
    private enum Line {
        case blank
        case comment(String)
        case code(String)
        case header(String)
    }

    private var lines: [Line] = []

    /// The text, one line each, ending in a newline.
    var text: String {
        lines.map { line in
            switch line {
            case .blank: ""
            case .comment(let text):
                // A comment is one line: line breaks in docs become spaces.
                text.isEmpty ? "#" : "# " + text.map { $0.isNewline ? " " : String($0) }.joined()
            case .code(let text), .header(let text): text
            }
        }.joined(separator: "\n") + "\n"
    }

    mutating func append(comment: String) { lines.append(.comment(comment)) }

    mutating func appendBlank() {
        switch lines.last {
        case nil, .blank?, .header?: return
        default: lines.append(.blank)
        }
    }

    /// A value field: its doc, then `key = value`, or (`line == nil`) `# key is not set`.
    mutating func field(doc: String, line: String?, unsetKey: String = "") {
        appendBlank()
        lines.append(.comment(doc))
        lines.append(line.map(Line.code) ?? .comment("\(unsetKey) is not set"))
    }

    /// A table: its doc, its header, then what `body` writes; all as comments when
    /// `commentedOut` (docs inside stay one `#` deep, code lines become `# code`).
    mutating func table(doc: String, header: String, commentedOut: Bool = false,
                        body: (inout ConfigTextBuilder) -> Void) {
        var inner = ConfigTextBuilder()
        inner.lines.append(.header(header))
        body(&inner)
        appendBlank()
        lines.append(.comment(doc))
        for line in inner.lines {
            if commentedOut, case .code(let text) = line {
                lines.append(.comment(text))
            } else if commentedOut, case .header(let text) = line {
                lines.append(.comment(text))
            } else if case .blank = line {
                appendBlank()
            } else {
                lines.append(line)
            }
        }
    }
}
