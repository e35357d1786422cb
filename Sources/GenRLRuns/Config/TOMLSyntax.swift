/// How values are spelled in TOML 1.0 text, for the writer and for messages.
enum TOMLSyntax {
    /// Whether `key` can be written bare (`A-Z a-z 0-9 _ -`, at least one character).
    static func isBareKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy(isBareKeyByte)
    }

    /// Whether `byte` may appear in a bare key.
    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2D
    }

    /// A key as written in TOML: bare when possible, else a basic string.
    static func renderKey(_ key: String) -> String {
        isBareKey(key) ? key : renderString(key)
    }

    /// A basic string literal: `"..."` with `\"`, `\\` and control characters escaped.
    static func renderString(_ string: String) -> String {
        var text = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case "\r": text += "\\r"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }

    /// A float literal that reads back to exactly `value`: Swift's shortest round-trip
    /// spelling (`0.0001`, `1e-05`, `3.0`), or `inf`, `-inf`, `nan`.
    static func renderDouble(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value.description
    }
}
