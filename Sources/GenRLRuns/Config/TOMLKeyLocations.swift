/// The line on which each key, table and array element of a TOML document first
/// appears, found by one pass over the text.
///
/// TOMLKit reports positions only for syntax errors, so the config reader scans the
/// text itself to say which line a bad key or value is on. The scan assumes a document
/// that TOMLKit has already parsed without error; it follows TOML 1.0's lexical rules
/// exactly where they matter for positions:
/// - `[a.b]` headers, and `[[a]]` headers whose elements are counted so that
///   `[[reward]]` number 2 and a later `[reward.model]` map to `reward[1]` and
///   `reward[1].model`;
/// - dotted keys (`ppo.learning_rate = 1e-5`) and quoted keys (`"a.b"`, `'x'`) with
///   escapes decoded, so `"a.b"` is one key;
/// - inline tables and arrays, also when an array spans lines, with their elements
///   (`stop[2]`, `reward[0].type` for `reward = [{ type = "bleu" }]`);
/// - comments and all four string forms, including multi-line strings whose content
///   looks like keys or headers.
///
/// A path the scan did not see has no line (`nil`); a document the scan cannot follow
/// (not valid TOML) yields fewer lines, never a crash or a wrong line for earlier keys.
public struct TOMLKeyLocations: Sendable {
    private var lines: [ConfigKeyPath: Int] = [:]

    /// Scans `text`, a TOML document.
    public init(text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        scanner.scanDocument()
        lines = scanner.lines
    }

    /// The 1-based line where `path` first appears: the key of a key-value pair, the
    /// header of a table, or the start of an array element.
    public func line(of path: ConfigKeyPath) -> Int? {
        lines[path]
    }

    /// Every path the scan saw: keys, tables, arrays of tables and array elements.
    public var paths: Set<ConfigKeyPath> { Set(lines.keys) }

    /// The line of `path`, or else of its nearest ancestor that has one.
    func nearestLine(of path: ConfigKeyPath) -> Int? {
        var current = path
        while true {
            if let line = lines[current] { return line }
            if current.components.isEmpty { return nil }
            current = current.parent
        }
    }
}

/// The single pass behind `TOMLKeyLocations`.
private struct Scanner {
    let bytes: [UInt8]
    var position = 0
    /// Byte offsets at which each line starts (line 1 starts at 0).
    let lineStarts: [Int]
    var lines: [ConfigKeyPath: Int] = [:]
    /// The table that key-value pairs currently go into.
    var currentTable = ConfigKeyPath.root
    /// How many elements each array of tables (`[[name]]`) has so far.
    var tableArrayCounts: [ConfigKeyPath: Int] = [:]
    /// Tables seen so far only as prefixes of headers or dotted keys.
    var implicitTables: Set<ConfigKeyPath> = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            starts.append(offset + 1)
        }
        lineStarts = starts
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }  // byte-order mark
    }

    // MARK: Positions

    func lineNumber(at offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {  // last line start <= offset
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low + 1
    }

    /// Notes where `path` first appears. A table made implicitly (the `a` of `[a.b]` or
    /// of `a.b = 1`) takes the line of its own `[a]` header if one comes later.
    mutating func record(_ path: ConfigKeyPath, at offset: Int, implicit: Bool = false) {
        guard lines[path] == nil || (!implicit && implicitTables.remove(path) != nil) else { return }
        lines[path] = lineNumber(at: offset)
        if implicit { implicitTables.insert(path) }
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    func hasPrefix(_ text: String) -> Bool {
        let prefix = Array(text.utf8)
        return position + prefix.count <= bytes.count
            && Array(bytes[position..<position + prefix.count]) == prefix
    }

    mutating func skipSpaces() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0D { position += 1 }
    }

    mutating func skipToEndOfLine() {
        while let byte = current, byte != UInt8(ascii: "\n") { position += 1 }
    }

    /// Skips spaces, newlines and comments (inside arrays and inline tables).
    mutating func skipBlank() {
        while let byte = current {
            if byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == UInt8(ascii: "\n") {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                skipToEndOfLine()
            } else {
                return
            }
        }
    }

    // MARK: Document

    mutating func scanDocument() {
        while current != nil {
            let start = position
            skipSpaces()
            switch current {
            case UInt8(ascii: "\n"): position += 1
            case UInt8(ascii: "#"): skipToEndOfLine()
            case UInt8(ascii: "["): scanHeader()
            case .some: scanKeyValue(in: currentTable)
            case nil: break
            }
            if position == start { position += 1 }  // not valid TOML: never stall
        }
    }

    /// `[a.b]` or `[[a.b]]`, up to the end of its line.
    mutating func scanHeader() {
        let start = position
        let isArray = byte(at: position + 1) == UInt8(ascii: "[")
        position += isArray ? 2 : 1
        let keys = scanDottedKey()
        guard !keys.isEmpty else { return skipToEndOfLine() }
        var path = ConfigKeyPath.root
        for key in keys.dropLast() {
            path = path.appending(key: key)
            record(path, at: start, implicit: true)
            if let count = tableArrayCounts[path] { path = path.appending(index: count - 1) }
        }
        path = path.appending(key: keys[keys.count - 1])
        record(path, at: start)
        if isArray {
            let count = tableArrayCounts[path, default: 0]
            tableArrayCounts[path] = count + 1
            path = path.appending(index: count)
            record(path, at: start)
        } else if let count = tableArrayCounts[path] {
            path = path.appending(index: count - 1)  // not valid TOML; keep positions sane
        }
        currentTable = path
        skipToEndOfLine()
    }

    /// `key = value` (the key possibly dotted), with the value's inner positions.
    mutating func scanKeyValue(in table: ConfigKeyPath) {
        let start = position
        let keys = scanDottedKey()
        guard !keys.isEmpty else { return }
        var path = table
        for (number, key) in keys.enumerated() {
            path = path.appending(key: key)
            record(path, at: start, implicit: number < keys.count - 1)
        }
        skipSpaces()
        guard current == UInt8(ascii: "=") else { return }
        position += 1
        skipSpaces()
        scanValue(at: path)
    }

    // MARK: Keys

    /// `a . "b.c" . 'd'` → `["a", "b.c", "d"]`; empty if no key starts here.
    mutating func scanDottedKey() -> [String] {
        var keys: [String] = []
        while true {
            skipSpaces()
            guard let key = scanSimpleKey() else { return keys }
            keys.append(key)
            skipSpaces()
            guard current == UInt8(ascii: ".") else { return keys }
            position += 1
        }
    }

    mutating func scanSimpleKey() -> String? {
        switch current {
        case UInt8(ascii: "\""): return scanBasicString()
        case UInt8(ascii: "'"): return scanLiteralString()
        default:
            let start = position
            while let byte = current, TOMLSyntax.isBareKeyByte(byte) { position += 1 }
            return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
        }
    }

    // MARK: Values

    mutating func scanValue(at path: ConfigKeyPath) {
        if hasPrefix("\"\"\"") {
            skipMultilineString(quote: UInt8(ascii: "\""), escapes: true)
        } else if hasPrefix("'''") {
            skipMultilineString(quote: UInt8(ascii: "'"), escapes: false)
        } else if current == UInt8(ascii: "\"") {
            _ = scanBasicString()
        } else if current == UInt8(ascii: "'") {
            _ = scanLiteralString()
        } else if current == UInt8(ascii: "[") {
            scanArray(at: path)
        } else if current == UInt8(ascii: "{") {
            scanInlineTable(at: path)
        } else {  // number, boolean, date-time: runs to a delimiter
            while let byte = current, !",]}#\n".utf8.contains(byte) { position += 1 }
        }
    }

    mutating func scanArray(at path: ConfigKeyPath) {
        position += 1  // [
        var index = 0
        while true {
            skipBlank()
            guard let byte = current, byte != UInt8(ascii: "]") else { break }
            if byte == UInt8(ascii: ",") { position += 1; continue }
            let start = position
            let element = path.appending(index: index)
            record(element, at: start)
            scanValue(at: element)
            index += 1
            if position == start { position += 1 }
        }
        if current == UInt8(ascii: "]") { position += 1 }
    }

    mutating func scanInlineTable(at path: ConfigKeyPath) {
        position += 1  // {
        while true {
            skipBlank()
            guard let byte = current, byte != UInt8(ascii: "}") else { break }
            if byte == UInt8(ascii: ",") { position += 1; continue }
            let start = position
            scanKeyValue(in: path)
            if position == start { position += 1 }
        }
        if current == UInt8(ascii: "}") { position += 1 }
    }

    // MARK: Strings

    /// `"..."` with escapes decoded (for keys; values are only skipped).
    mutating func scanBasicString() -> String {
        position += 1
        var decoded: [UInt8] = []
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\n") {
            position += 1
            guard byte == UInt8(ascii: "\\"), let escape = current else {
                decoded.append(byte)
                continue
            }
            position += 1
            var scalar: Unicode.Scalar?
            switch escape {
            case UInt8(ascii: "b"): scalar = "\u{08}"
            case UInt8(ascii: "t"): scalar = "\t"
            case UInt8(ascii: "n"): scalar = "\n"
            case UInt8(ascii: "f"): scalar = "\u{0C}"
            case UInt8(ascii: "r"): scalar = "\r"
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let end = min(position + (escape == UInt8(ascii: "u") ? 4 : 8), bytes.count)
                let hex = String(decoding: bytes[position..<end], as: UTF8.self)
                scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init)
                position = end
            default: scalar = Unicode.Scalar(escape)  // \" and \\
            }
            if let scalar { decoded.append(contentsOf: String(scalar).utf8) }
        }
        if current == UInt8(ascii: "\"") { position += 1 }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// `'...'`, taken as written.
    mutating func scanLiteralString() -> String {
        position += 1
        let start = position
        while let byte = current, byte != UInt8(ascii: "'"), byte != UInt8(ascii: "\n") { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if current == UInt8(ascii: "'") { position += 1 }
        return text
    }

    /// `"""..."""` or `'''...'''`. The closing run may hold up to two extra quotes that
    /// belong to the content (`"""a"""""` is `a""`).
    mutating func skipMultilineString(quote: UInt8, escapes: Bool) {
        position += 3
        while let byte = current {
            if escapes && byte == UInt8(ascii: "\\") {
                position += 2
            } else if byte == quote {
                var run = 0
                while current == quote { run += 1; position += 1 }
                if run >= 3 { return }
            } else {
                position += 1
            }
        }
    }
}
