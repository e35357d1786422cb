/// Turning arbitrary text (prompts, completions, keys, config) into HTML that shows it
/// literally.
enum HTMLText {
    /// `text` safe inside an element or a quoted attribute: `&`, `<`, `>`, `"` and `'`
    /// become entities. Control characters, which HTML cannot carry or would hide (C0
    /// but tab and newline, carriage return, DEL, C1, U+FFFE/U+FFFF), are shown as
    /// `\x1B`-style escapes, marked up as `<span class="control">` when `markControls`
    /// (inside elements; not in attributes), so nothing a sample holds is lost from view.
    static func escape(_ text: String, markControls: Bool = false) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{FFFE}", "\u{FFFF}":
                let hex = String(scalar.value, radix: 16, uppercase: true)
                let code = scalar.value <= 0xFF ? "\\x" + (hex.count < 2 ? "0" : "") + hex : "\\u{" + hex + "}"
                result += markControls ? "<span class=\"control\">\(code)</span>" : code
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `text` cut to `limit` characters, with a note of how many were left out.
    static func truncated(_ text: String, limit: Int) -> (text: String, omitted: Int) {
        let count = text.count
        guard count > limit else { return (text, 0) }
        return (String(text.prefix(limit)), count - limit)
    }
}
