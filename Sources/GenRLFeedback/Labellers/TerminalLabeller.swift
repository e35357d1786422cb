#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A person at a terminal: each comparison is shown — the prompt, then the completions
/// numbered from 1 — and one key press answers it, without Enter:
///
///     1 … 9   this completion is the best
///     t       tie: they are equally good
///     s       skip this comparison (no label)
///     q       quit: no label for this and the remaining comparisons
///
/// Other keys ring the bell and are ignored. The terminal is put in non-canonical,
/// no-echo mode while waiting for a key (signals such as Ctrl-C still work) and restored
/// afterwards, also when the input closes. Control characters in prompts and completions
/// are shown escaped, so a completion cannot drive the terminal.
public final class TerminalLabeller: Labeller {
    /// `terminal:<person>`, recorded as the labeller of its records.
    public let name: String
    /// Where keys are read from; must be a terminal.
    public let inputDescriptor: Int32
    /// Where the comparisons are written.
    public let outputDescriptor: Int32
    /// Whether the person pressed `q` during the last `label` call.
    public private(set) var didQuit = false

    /// - Parameter person: recorded as the labeller `terminal:<person>`.
    public init(person: String, inputDescriptor: Int32 = STDIN_FILENO, outputDescriptor: Int32 = STDOUT_FILENO) {
        name = "terminal:\(person)"
        self.inputDescriptor = inputDescriptor
        self.outputDescriptor = outputDescriptor
    }

    /// One label (or nil) per query; see the type's description.
    public func label(_ queries: [PreferenceQuery]) throws -> [PreferenceLabel?] {
        didQuit = false
        guard isatty(inputDescriptor) == 1 else { throw FeedbackError.terminal(reason: "input descriptor \(inputDescriptor) is not a terminal") }
        var saved = termios()
        guard tcgetattr(inputDescriptor, &saved) == 0 else { throw FeedbackError.terminal(reason: "tcgetattr failed: \(errnoText())") }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(inputDescriptor, TCSANOW, &raw) == 0 else { throw FeedbackError.terminal(reason: "tcsetattr failed: \(errnoText())") }
        defer { _ = tcsetattr(inputDescriptor, TCSANOW, &saved) }

        var labels: [PreferenceLabel?] = []
        for (index, query) in queries.enumerated() {
            if didQuit { labels.append(nil); continue }
            try show(query, number: index + 1, of: queries.count)
            let answer = try readAnswer(completionCount: query.completions.count)
            switch answer {
            case .label(let label):
                labels.append(label)
            case .skip:
                labels.append(nil)
            case .quit:
                didQuit = true
                labels.append(nil)
            }
        }
        return labels
    }

    private enum Answer { case label(PreferenceLabel), skip, quit }

    private func show(_ query: PreferenceQuery, number: Int, of total: Int) throws {
        var text = "\n── comparison \(number) of \(total) ──\n"
        text += "prompt: \(Self.printable(query.prompt))\n"
        for (i, completion) in query.completions.enumerated() {
            text += "  \(i + 1)) \(Self.printable(completion))\n"
        }
        let keys = query.completions.count <= 9 ? "1-\(query.completions.count)" : "1-9"
        text += "better? [\(keys)] t=tie s=skip q=quit: "
        try emit(text)
    }

    private func readAnswer(completionCount: Int) throws -> Answer {
        while true {
            var byte: UInt8 = 0
            let count = read(inputDescriptor, &byte, 1)
            if count < 0 {
                if errno == EINTR { continue }
                throw FeedbackError.terminal(reason: "read failed: \(errnoText())")
            }
            if count == 0 { throw FeedbackError.terminal(reason: "the input closed while waiting for a key") }
            switch byte {
            case UInt8(ascii: "1")...UInt8(ascii: "9"):
                let index = Int(byte - UInt8(ascii: "1"))
                if index < completionCount {
                    try emit("\(index + 1)\n")
                    return .label(.choice(index))
                }
            case UInt8(ascii: "t"), UInt8(ascii: "T"):
                try emit("tie\n")
                return .label(.tie)
            case UInt8(ascii: "s"), UInt8(ascii: "S"):
                try emit("skipped\n")
                return .skip
            case UInt8(ascii: "q"), UInt8(ascii: "Q"):
                try emit("quit\n")
                return .quit
            default:
                break
            }
            try emit("\u{07}")
        }
    }

    private func emit(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(outputDescriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FeedbackError.terminal(reason: "write failed: \(errnoText())")
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// The text with control characters written as escapes (`\n`, `\t`, `\u{1B}`).
    static func printable(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

