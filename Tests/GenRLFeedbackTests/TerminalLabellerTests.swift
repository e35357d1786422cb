#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GenRLFeedback
import Testing

/// A pseudo-terminal: the labeller gets the terminal side, the test plays the person on
/// the controlling side, reading what is shown and typing keys.
final class PseudoTerminal {
    let controller: Int32
    let terminal: Int32
    private var shown = ""

    init() throws {
        var controller: Int32 = -1, terminal: Int32 = -1
        guard openpty(&controller, &terminal, nil, nil, nil) == 0 else {
            throw FeedbackError.terminal(reason: "openpty failed: errno \(errno)")
        }
        self.controller = controller
        self.terminal = terminal
    }

    deinit {
        close(terminal)
        close(controller)
    }

    /// Reads what the labeller shows until `text` has appeared (everything read is kept
    /// in `shown`); false after `timeout` seconds without it.
    func waitFor(_ text: String, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !shown.contains(text) {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return false }
            var descriptor = pollfd(fd: controller, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(remaining * 1000)) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(controller, &buffer, buffer.count)
            if count <= 0 { return false }
            shown += String(decoding: buffer[..<count], as: UTF8.self)
        }
        return true
    }

    /// Waits until the screen that begins with `header` has been shown through its
    /// `question`, and returns that screen (from `header` on), forgetting it and whatever
    /// came before it; nil after `timeout` seconds. Waiting for the question only after the
    /// header matters: the previous screen ended with the same question.
    func waitForScreen(_ header: String, question: String = "better?", timeout: Double = 10) -> String? {
        guard waitFor(header, timeout: timeout), let start = shown.range(of: header)?.lowerBound else { return nil }
        shown = String(shown[start...])
        guard waitFor(question, timeout: timeout) else { return nil }
        return takeShown()
    }

    /// Everything shown so far, and forgets it.
    func takeShown() -> String {
        defer { shown = "" }
        return shown
    }

    /// Types `keys`.
    func type(_ keys: String) {
        let bytes = Array(keys.utf8)
        _ = bytes.withUnsafeBytes { write(controller, $0.baseAddress, $0.count) }
    }

    /// The terminal side's local flags (canonical mode, echo, ...).
    var localFlags: tcflag_t {
        var attributes = termios()
        tcgetattr(terminal, &attributes)
        return attributes.c_lflag
    }
}

/// Runs a labeller on another thread, as a person's terminal session would.
final class LabellingSession: @unchecked Sendable {
    let labeller: TerminalLabeller
    let queries: [PreferenceQuery]
    private(set) var result: Result<[PreferenceLabel?], Error>?
    private let done = DispatchSemaphore(value: 0)

    init(labeller: TerminalLabeller, queries: [PreferenceQuery]) {
        self.labeller = labeller
        self.queries = queries
        Thread { [self] in
            result = Result { try self.labeller.label(self.queries) }
            done.signal()
        }.start()
    }

    func wait(timeout: Double = 10) -> Result<[PreferenceLabel?], Error>? {
        done.wait(timeout: .now() + timeout) == .success ? result : nil
    }
}

@Suite("Terminal labelling through a pseudo-terminal", .serialized)
struct TerminalLabellerTests {
    let queries = [
        PreferenceQuery(prompt: "Good morrow, ", completions: ["sweet lord.", "foul villain!"]),
        PreferenceQuery(prompt: "O ", completions: ["joy", "woe"]),
        PreferenceQuery(prompt: "Hark, ", completions: ["a bell\u{1B}[31m", "a horn\nblows"]),
    ]

    @Test func keysChooseTieAndSkipAndTheTerminalIsRestored() throws {
        let pty = try PseudoTerminal()
        let before = pty.localFlags
        #expect(before & tcflag_t(ICANON) != 0 && before & tcflag_t(ECHO) != 0)
        let labeller = TerminalLabeller(person: "tester", inputDescriptor: pty.terminal, outputDescriptor: pty.terminal)
        let session = LabellingSession(labeller: labeller, queries: queries)

        #expect(pty.waitFor("better? [1-2] t=tie s=skip q=quit: "))
        let first = pty.takeShown()
        #expect(first.contains("comparison 1 of 3") && first.contains("prompt: Good morrow, "))
        #expect(first.contains("1) sweet lord.") && first.contains("2) foul villain!"))
        // While it waits for a key the terminal is in non-canonical, no-echo mode.
        #expect(pty.localFlags & tcflag_t(ICANON | ECHO) == 0)
        pty.type("x")  // not a key it knows: the bell
        #expect(pty.waitFor("\u{07}"))
        pty.type("2")
        #expect(pty.waitForScreen("comparison 2 of 3") != nil)
        pty.type("t")
        let third = try #require(pty.waitForScreen("comparison 3 of 3"))
        // Control characters are shown escaped, never sent to the terminal.
        #expect(third.contains("a bell\\u{1B}[31m") && third.contains("a horn\\nblows") && !third.contains("\u{1B}"))
        pty.type("s")

        let result = try #require(session.wait())
        #expect(try result.get() == [.choice(1), .tie, nil])
        #expect(labeller.didQuit == false)
        #expect(pty.localFlags == before)
        let records = try labeller.records(for: [], date: Date.init)
        #expect(records.isEmpty && labeller.name == "terminal:tester")
    }

    @Test func quittingLeavesTheRestUnlabelled() throws {
        let pty = try PseudoTerminal()
        let before = pty.localFlags
        let labeller = TerminalLabeller(person: "tester", inputDescriptor: pty.terminal, outputDescriptor: pty.terminal)
        let session = LabellingSession(labeller: labeller, queries: queries)
        #expect(pty.waitFor("better?"))
        pty.type("1")
        #expect(pty.waitForScreen("comparison 2 of 3") != nil)
        pty.type("q")
        let result = try #require(session.wait())
        #expect(try result.get() == [.choice(0), nil, nil])
        #expect(labeller.didQuit)
        #expect(pty.localFlags == before)
    }

    @Test func inputThatIsNotATerminalIsRefused() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let labeller = TerminalLabeller(person: "nobody", inputDescriptor: ends[0], outputDescriptor: ends[1])
        #expect(throws: FeedbackError.self) { _ = try labeller.label(queries) }
    }
}
