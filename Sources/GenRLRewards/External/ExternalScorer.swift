#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How to start an external scorer and how much patience to have with it.
public struct ExternalScorerConfiguration: Sendable {
    /// The program to run. A path with a `/` is used as given (a relative path is
    /// resolved against the current directory of this process, not against
    /// ``workingDirectory``); a bare name such as `python3` is looked up on `PATH`
    /// (the `PATH` of ``environment`` if it sets one).
    public var executablePath: String
    /// Command-line arguments, without the program name (`["scorer.py", "--fast"]`).
    public var arguments: [String]
    /// Directory the process starts in; `nil` keeps the current directory.
    public var workingDirectory: String?
    /// Variables added to (or replacing) this process's environment for the child.
    public var environment: [String: String]
    /// Seconds allowed for one batch, from the first byte of the request to the end of
    /// the answer line. The first batch after a (re)start includes the scorer's start-up
    /// time. Default 60.
    public var timeoutPerBatch: Double
    /// How many times in total the process may be started again after a failure
    /// (crash, timeout, malformed answer); 0 means the first failure is final. Default 3.
    public var maxRestarts: Int
    /// Name used in error messages. Default: the executable's file name, followed by the
    /// file name of the first argument if there is one (`python3 keyword_scorer.py`).
    public var name: String
    /// Seconds to wait for the process to exit by itself after its input is closed, and
    /// again after SIGTERM before SIGKILL. Default 2.
    public var terminationGracePeriod: Double
    /// How many of the last bytes written to standard error are kept for error
    /// messages. Default 4096.
    public var stderrTailBytes: Int

    /// Creates a configuration; every parameter except the executable has a default.
    public init(
        executablePath: String,
        arguments: [String] = [],
        workingDirectory: String? = nil,
        environment: [String: String] = [:],
        timeoutPerBatch: Double = 60,
        maxRestarts: Int = 3,
        name: String? = nil,
        terminationGracePeriod: Double = 2,
        stderrTailBytes: Int = 4096
    ) {
        self.executablePath = executablePath
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.timeoutPerBatch = timeoutPerBatch
        self.maxRestarts = maxRestarts
        self.name = name ?? ([executablePath] + arguments.prefix(1))
            .map { ($0 as NSString).lastPathComponent }.joined(separator: " ")
        self.terminationGracePeriod = terminationGracePeriod
        self.stderrTailBytes = stderrTailBytes
    }
}

/// A reward scorer that runs as a separate, long-lived process, written in any language.
///
/// ## Protocol
/// The process reads requests from standard input and writes answers to standard
/// output, one JSON object per line (UTF-8, terminated by `\n`):
///
///     request: {"batch": 0, "prompts": ["...", ...], "completions": ["...", ...]}
///     answer:  {"batch": 0, "scores": [0.5, null, ...]}
///
/// - `batch` counts ``score(prompts:completions:)`` calls from 0 over the life of this
///   object, not of the process: a restarted process continues the numbering, and a
///   retried batch keeps its number. The answer must repeat it.
/// - `prompts[i]` is the prompt that produced `completions[i]`; both arrays have the
///   same length (≥ 1; an empty call returns `[]` without contacting the process).
/// - `scores` holds exactly one entry per completion, in order: a JSON number, or
///   `null` for "no score" (returned as `nil`). `NaN` and `Infinity` are not JSON and are
///   rejected. Other keys in the answer are ignored; blank lines and a `\r` before the
///   `\n` are tolerated. Key order and whitespace in requests are not part of the
///   protocol: parse them with a JSON library.
/// - Standard output carries answers only; logs go to standard error, whose last
///   ``ExternalScorerConfiguration/stderrTailBytes`` bytes are kept for error messages.
/// - End of standard input means "exit now".
///
/// ## Failures
/// - **Crash** (the process exits or closes its standard output before answering,
///   including between calls): the batch is retried **once** on a fresh process if a
///   restart is left, so a transient crash costs a restart, not the batch. If the retry
///   fails too, or no restart is left, ``ExternalScorerError/crashed(name:batch:exitStatus:stderrTail:)``
///   (or the retry's own error) is thrown.
/// - **Hang** (no complete answer line within ``ExternalScorerConfiguration/timeoutPerBatch``):
///   the process group gets SIGTERM, then SIGKILL after the grace period;
///   ``ExternalScorerError/timedOut(name:batch:seconds:stderrTail:)``. Not retried.
/// - **Malformed answer** (not JSON, not an object, wrong `batch`, wrong number of
///   scores, a score that is not a finite number or `null`, a line over 64 MiB): the
///   process is killed, since its output can no longer be trusted;
///   ``ExternalScorerError/malformedAnswer(name:batch:line:reason:stderrTail:)``. Not retried.
///
/// After a failure the next call starts a new process. At most
/// ``ExternalScorerConfiguration/maxRestarts`` restarts happen in total (successes do not
/// reset the count); after that every call throws
/// ``ExternalScorerError/restartLimitReached(name:maxRestarts:lastFailure:)``.
///
/// ``score(prompts:completions:)`` blocks the calling thread; it returns within
/// 2 × `timeoutPerBatch` + 3 × `terminationGracePeriod` (plus process start-up) even in
/// the worst case, a crash followed by a retry that hangs.
///
/// The process runs in its own process group, and every signal goes to the whole group,
/// so helpers it started die with it. ``close()`` (and `deinit`) closes its standard
/// input, waits up to the grace period, then terminates and reaps it: no zombies.
///
/// Calls are serialized by a lock, so one instance may be shared between threads.
public final class ExternalScorer: @unchecked Sendable {
    /// The configuration this scorer was created with (executable path resolved).
    public let configuration: ExternalScorerConfiguration

    private let lock = NSLock()
    private let environment: [String: String]
    private var process: ScorerProcess?
    private var nextBatch = 0
    private var restartsUsed = 0
    private var lastFailure: ExternalScorerError?
    private var lastStderrTail = ""
    private var isClosed = false

    /// Checks the configuration and starts the process.
    ///
    /// - Throws: ``ExternalScorerError/executableNotFound(path:)``,
    ///   ``ExternalScorerError/notExecutable(path:)``,
    ///   ``ExternalScorerError/workingDirectoryNotFound(path:)``,
    ///   ``ExternalScorerError/invalidConfiguration(name:reason:)`` or
    ///   ``ExternalScorerError/launchFailed(name:path:reason:)``.
    public init(configuration: ExternalScorerConfiguration) throws(ExternalScorerError) {
        var configuration = configuration
        let name = configuration.name
        guard configuration.timeoutPerBatch > 0, configuration.timeoutPerBatch.isFinite else {
            throw .invalidConfiguration(name: name, reason: "timeoutPerBatch must be a positive number of seconds, got \(configuration.timeoutPerBatch)")
        }
        guard configuration.terminationGracePeriod >= 0, configuration.terminationGracePeriod.isFinite else {
            throw .invalidConfiguration(name: name, reason: "terminationGracePeriod must be ≥ 0 seconds, got \(configuration.terminationGracePeriod)")
        }
        guard configuration.maxRestarts >= 0 else {
            throw .invalidConfiguration(name: name, reason: "maxRestarts must be ≥ 0, got \(configuration.maxRestarts)")
        }
        guard configuration.stderrTailBytes >= 0 else {
            throw .invalidConfiguration(name: name, reason: "stderrTailBytes must be ≥ 0, got \(configuration.stderrTailBytes)")
        }
        environment = ProcessInfo.processInfo.environment.merging(configuration.environment) { $1 }
        configuration.executablePath = try Self.resolveExecutable(
            configuration.executablePath, searchPath: environment["PATH"] ?? "/usr/bin:/bin")
        if let directory = configuration.workingDirectory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .workingDirectoryNotFound(path: directory)
            }
        }
        self.configuration = configuration
        process = try launch()
    }

    deinit { close() }

    /// Process identifier of the running scorer, or `nil` when none is running.
    public var processIdentifier: Int32? {
        lock.withLock { process.map { Int32($0.pid) } }
    }

    /// How many restarts have been used so far (at most `maxRestarts`).
    public var restartCount: Int { lock.withLock { restartsUsed } }

    /// The last bytes the current (or, if none runs, the last) process wrote to standard
    /// error, as far as they have been read: standard error is drained during calls.
    public var standardErrorTail: String {
        lock.withLock { process?.stderrTail ?? lastStderrTail }
    }

    /// Scores a batch: one score per completion, `nil` where the scorer answered `null`.
    ///
    /// - Parameters:
    ///   - prompts: the prompt of each completion (same length as `completions`).
    ///   - completions: the generated samples to score.
    /// - Throws: an ``ExternalScorerError``; see the type's documentation for which
    ///   failure gives which error and when the process is restarted.
    public func score(prompts: [String], completions: [String]) throws(ExternalScorerError) -> [Double?] {
        lock.lock()
        defer { lock.unlock() }
        let name = configuration.name
        guard !isClosed else { throw .closed(name: name) }
        guard prompts.count == completions.count else {
            throw .mismatchedCounts(name: name, prompts: prompts.count, completions: completions.count)
        }
        if completions.isEmpty { return [] }
        let batch = nextBatch
        nextBatch += 1
        let request = Self.encodeRequest(batch: batch, prompts: prompts, completions: completions)
        do {
            return try attempt(batch: batch, request: request, expectedCount: completions.count)
        } catch .crashed where restartsUsed < configuration.maxRestarts {
            return try attempt(batch: batch, request: request, expectedCount: completions.count)
        }
    }

    /// Closes the scorer's standard input, waits up to the grace period for it to exit,
    /// then terminates it (SIGTERM, SIGKILL) and reaps it. Later calls throw
    /// ``ExternalScorerError/closed(name:)``. Safe to call more than once.
    public func close() {
        lock.withLock {
            isClosed = true
            guard let process else { return }
            process.closeInput()
            process.stop(waitingFirst: grace, grace: grace)
            lastStderrTail = process.stderrTail
            self.process = nil
        }
    }

    // MARK: One attempt

    private var grace: Duration { .seconds(configuration.terminationGracePeriod) }

    /// Sends the request to the running process (starting one if needed) and decodes
    /// the answer. On failure the process is stopped and the error recorded.
    private func attempt(batch: Int, request: [UInt8], expectedCount: Int) throws(ExternalScorerError) -> [Double?] {
        let process = try runningProcess()
        let name = configuration.name
        let deadline = ContinuousClock.now.advanced(by: .seconds(configuration.timeoutPerBatch))
        let failure: ExternalScorerError
        switch process.exchange(request: request, deadline: deadline) {
        case .line(let line):
            switch AnswerLine.decode(line, batch: batch, expectedCount: expectedCount) {
            case .success(let scores):
                return scores
            case .failure(let problem):
                process.stop(waitingFirst: .zero, grace: grace)
                failure = .malformedAnswer(name: name, batch: batch, line: AnswerLine.excerpt(line),
                                           reason: problem.reason, stderrTail: process.stderrTail)
            }
        case .lineTooLong(let start):
            process.stop(waitingFirst: .zero, grace: grace)
            failure = .malformedAnswer(name: name, batch: batch, line: AnswerLine.excerpt(start),
                                       reason: "no newline within \(ScorerProcess.maximumLineBytes >> 20) MiB",
                                       stderrTail: process.stderrTail)
        case .died:
            let status = process.stop(waitingFirst: grace, grace: grace)
            failure = .crashed(name: name, batch: batch, exitStatus: status, stderrTail: process.stderrTail)
        case .timedOut:
            process.stop(waitingFirst: .zero, grace: grace)
            failure = .timedOut(name: name, batch: batch, seconds: configuration.timeoutPerBatch,
                                stderrTail: process.stderrTail)
        }
        lastStderrTail = process.stderrTail
        self.process = nil
        lastFailure = failure
        throw failure
    }

    /// The live process, after starting a new one (and counting the restart) if the
    /// previous one failed.
    private func runningProcess() throws(ExternalScorerError) -> ScorerProcess {
        if let process { return process }
        guard restartsUsed < configuration.maxRestarts else {
            throw .restartLimitReached(name: configuration.name, maxRestarts: configuration.maxRestarts,
                                       lastFailure: lastFailure.map { "\($0)" } ?? "none recorded")
        }
        restartsUsed += 1
        let fresh = try launch()
        process = fresh
        return fresh
    }

    private func launch() throws(ExternalScorerError) -> ScorerProcess {
        do {
            return try ScorerProcess(
                executable: configuration.executablePath, arguments: configuration.arguments,
                environment: environment, workingDirectory: configuration.workingDirectory,
                stderrLimit: configuration.stderrTailBytes)
        } catch {
            let failure = ExternalScorerError.launchFailed(
                name: configuration.name, path: configuration.executablePath, reason: error.reason)
            lastFailure = failure
            throw failure
        }
    }

    /// An absolute path to an existing executable regular file.
    private static func resolveExecutable(_ path: String, searchPath: String) throws(ExternalScorerError) -> String {
        func isExecutableFile(_ candidate: String) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory)
                && !isDirectory.boolValue && access(candidate, X_OK) == 0
        }
        if path.contains("/") {
            let absolute = path.hasPrefix("/") ? path
                : FileManager.default.currentDirectoryPath + "/" + path
            guard FileManager.default.fileExists(atPath: absolute) else { throw .executableNotFound(path: path) }
            guard isExecutableFile(absolute) else { throw .notExecutable(path: path) }
            return absolute
        }
        for directory in searchPath.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(path)"
            if isExecutableFile(candidate) { return candidate }
        }
        throw .executableNotFound(path: path)
    }

    // MARK: Request encoding

    /// `{"batch":B,"prompts":[...],"completions":[...]}` and a newline, as UTF-8.
    static func encodeRequest(batch: Int, prompts: [String], completions: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + (prompts + completions).reduce(0) { $0 + $1.utf8.count + 3 })
        bytes.append(contentsOf: "{\"batch\":\(batch),\"prompts\":".utf8)
        appendJSONArray(prompts, to: &bytes)
        bytes.append(contentsOf: ",\"completions\":".utf8)
        appendJSONArray(completions, to: &bytes)
        bytes.append(contentsOf: "}\n".utf8)
        return bytes
    }

    private static func appendJSONArray(_ strings: [String], to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendJSONString(string, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`,
    /// ... or `\u00XX`; everything else as raw UTF-8 (so the line never contains a
    /// newline byte).
    private static func appendJSONString(_ string: String, to bytes: inout [UInt8]) {
        let hexDigits = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5c, 0x5c])
            case 0x0a: bytes.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: bytes.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0..<0x20, 0x7f:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0f)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

// MARK: - Answer decoding

/// Checks one answer line against the protocol.
private enum AnswerLine {
    struct Problem: Error { let reason: String }

    static func decode(_ line: [UInt8], batch: Int, expectedCount: Int) -> Result<[Double?], Problem> {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line)) else {
            let text = String(decoding: line.prefix(4096), as: UTF8.self)
            let hint = text.contains("NaN") || text.contains("Infinity")
                ? " (NaN and Infinity are not JSON: write null for 'no score')" : ""
            return .failure(Problem(reason: "not valid JSON\(hint)"))
        }
        guard case .object(let fields) = value else {
            return .failure(Problem(reason: "not a JSON object"))
        }
        guard case .number(let answeredBatch)? = fields["batch"], answeredBatch.rounded() == answeredBatch else {
            return .failure(Problem(reason: "no integer \"batch\" field"))
        }
        guard answeredBatch == Double(batch) else {
            return .failure(Problem(reason: "answers batch \(formatted(answeredBatch)) but batch \(batch) was sent"))
        }
        guard case .array(let entries)? = fields["scores"] else {
            return .failure(Problem(reason: "no \"scores\" array"))
        }
        guard entries.count == expectedCount else {
            return .failure(Problem(reason: "\(entries.count) scores for \(expectedCount) completions"))
        }
        var scores: [Double?] = []
        scores.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            switch entry {
            case .number(let score): scores.append(score)
            case .null: scores.append(nil)
            default: return .failure(Problem(reason: "score \(index) is \(entry.kind), not a number or null"))
            }
        }
        return .success(scores)
    }

    /// The first 200 characters of the line, for error messages.
    static func excerpt(_ line: [UInt8]) -> String {
        String(String(decoding: line.prefix(800), as: UTF8.self).prefix(200))
    }

    private static func formatted(_ number: Double) -> String {
        abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// Any JSON value; `JSONDecoder` rejects `NaN`, `Infinity` and numbers beyond `Double`.
private enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "the string \"\(value.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}
