#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GenRLRewards
import Testing

// The scorers under test are POSIX sh scripts in Tests/Fixtures/external (see the
// comment at the top of each). Hang tests use a 1 s timeout and every test a 0.3 s grace
// period, so each failure mode ends within a second or two. Tests that expect an answer
// use a 10 s timeout, which costs nothing when the answer comes and keeps a loaded
// machine from failing them.

private let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

private func fixture(_ name: String) -> String {
    testsDirectory.appendingPathComponent("Fixtures/external/\(name)").path
}

private func configuration(
    _ script: String, _ arguments: [String] = [], timeout: Double = 10, maxRestarts: Int = 3
) -> ExternalScorerConfiguration {
    ExternalScorerConfiguration(
        executablePath: fixture(script), arguments: arguments, timeoutPerBatch: timeout,
        maxRestarts: maxRestarts, terminationGracePeriod: 0.3)
}

/// Runs `body` and returns the `ExternalScorerError` it threw, or `nil`.
private func failure(of body: () throws -> Void) -> ExternalScorerError? {
    do {
        try body()
        return nil
    } catch let error as ExternalScorerError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// Whether `pid` no longer names a live process. A zombie counts as gone: a grandchild
/// re-parented to an init that does not reap it (as in some containers) stays one.
private func isGone(_ pid: Int32) -> Bool {
    if kill(pid, 0) == -1 && errno == ESRCH { return true }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let nameEnd = stat.lastIndex(of: ")") else { return false }
    return stat[nameEnd...].dropFirst(2).first == "Z"
}

/// Our own child must be reaped, not merely dead: no zombie left behind.
private func isReaped(_ pid: Int32) -> Bool {
    kill(pid, 0) == -1 && errno == ESRCH
}

/// Polls `condition` for up to two seconds (signals are delivered asynchronously).
private func eventually(_ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .seconds(2))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// Process id of the `sleep` that hang.sh reports on standard error.
private func sleeperPID(in stderrTail: String) -> Int32? {
    guard let range = stderrTail.range(of: "sleeper pid ") else { return nil }
    return Int32(stderrTail[range.upperBound...].prefix { $0.isNumber })
}

private func elapsedSeconds(since start: ContinuousClock.Instant) -> Double {
    let (seconds, attoseconds) = start.duration(to: .now).components
    return Double(seconds) + Double(attoseconds) * 1e-18
}

@Suite("External scorer process")
struct ExternalScorerTests {
    // MARK: Normal operation

    @Test("a well-behaved scorer answers every batch; null becomes nil")
    func wellBehavedScorer() throws {
        let scorer = try ExternalScorer(configuration: configuration("length_scorer.sh"))
        defer { scorer.close() }
        let pid = scorer.processIdentifier
        // Quotes, backslashes, brackets, a newline and non-ASCII text in a prompt must
        // not break the one-line request.
        let tricky = "line one\nline \"two\" [x] \\ é\t→"
        #expect(try scorer.score(prompts: [tricky, "p", "q"], completions: ["ab", "", "cde"]) == [2, nil, 3])
        #expect(try scorer.score(prompts: ["p"], completions: ["hello"]) == [5])
        #expect(scorer.processIdentifier == pid)
        #expect(scorer.restartCount == 0)
    }

    @Test("environment additions and the working directory reach the process")
    func environmentAndWorkingDirectory() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("genrl-external-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = configuration("length_scorer.sh")
        settings.environment = ["SCORE_OFFSET": "100"]
        settings.workingDirectory = directory.path
        let scorer = try ExternalScorer(configuration: settings)
        defer { scorer.close() }
        #expect(try scorer.score(prompts: ["p"], completions: ["ab"]) == [102])
        let physical = try #require(realpath(directory.path, nil))
        defer { free(physical) }
        #expect(scorer.standardErrorTail.contains("started in \(String(cString: physical))"))
    }

    @Test("an empty batch returns [] without contacting the process or using a batch number")
    func emptyBatch() throws {
        let scorer = try ExternalScorer(configuration: configuration("malformed.sh", ["wrong-batch"]))
        defer { scorer.close() }
        #expect(try scorer.score(prompts: [], completions: []) == [])
        #expect(scorer.restartCount == 0)
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        guard case .malformedAnswer(_, let batch, _, let reason, _)? = error else {
            Issue.record("expected a malformed answer, got \(String(describing: error))")
            return
        }
        #expect(batch == 0)
        #expect(reason == "answers batch 5 but batch 0 was sent")
    }

    @Test("prompts and completions must have the same length")
    func mismatchedCounts() throws {
        let scorer = try ExternalScorer(configuration: configuration("length_scorer.sh"))
        defer { scorer.close() }
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["a", "b"]) }
        #expect(error == .mismatchedCounts(name: "length_scorer.sh", prompts: 1, completions: 2))
    }

    // MARK: Crashes

    @Test("a crash with no restart left is reported with exit status and standard error")
    func crashWithoutRestarts() throws {
        let scorer = try ExternalScorer(configuration: configuration("crash.sh", maxRestarts: 0))
        defer { scorer.close() }
        let pid = try #require(scorer.processIdentifier)
        #expect(try scorer.score(prompts: ["p"], completions: ["abc"]) == [3])
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["abc"]) }
        guard case .crashed(let name, let batch, let status, let tail)? = error else {
            Issue.record("expected a crash, got \(String(describing: error))")
            return
        }
        #expect(name == "crash.sh")
        #expect(batch == 1)
        #expect(status == .exited(code: 3))
        #expect(tail.contains("crash: giving up on request 2"))
        #expect(isReaped(pid))
        #expect(scorer.processIdentifier == nil)

        let next = failure { _ = try scorer.score(prompts: ["p"], completions: ["abc"]) }
        guard case .restartLimitReached(_, let maxRestarts, let lastFailure)? = next else {
            Issue.record("expected the restart limit, got \(String(describing: next))")
            return
        }
        #expect(maxRestarts == 0)
        #expect(lastFailure.contains("giving up on request 2"))
    }

    @Test("a crashed batch is retried once on a fresh process while restarts last")
    func crashedBatchIsRetried() throws {
        // crash.sh dies on the second request each process receives, so every call
        // from the second on crashes once and succeeds on the fresh process.
        let scorer = try ExternalScorer(configuration: configuration("crash.sh", maxRestarts: 3))
        defer { scorer.close() }
        for call in 0..<4 {
            let firstPID = scorer.processIdentifier
            #expect(try scorer.score(prompts: ["p"], completions: ["abcd"]) == [4])
            #expect(scorer.restartCount == call)
            if call > 0 { #expect(scorer.processIdentifier != firstPID) }
        }
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["abcd"]) }
        guard case .crashed(_, let batch, let status, _)? = error else {
            Issue.record("expected a crash once restarts ran out, got \(String(describing: error))")
            return
        }
        #expect(batch == 4)
        #expect(status == .exited(code: 3))
        let next = failure { _ = try scorer.score(prompts: ["p"], completions: ["abcd"]) }
        guard case .restartLimitReached(_, 3, _)? = next else {
            Issue.record("expected the restart limit, got \(String(describing: next))")
            return
        }
    }

    @Test("a scorer killed by a signal reports the signal")
    func killedBySignal() throws {
        let scorer = try ExternalScorer(configuration: configuration("crash.sh", ["signal-second"], maxRestarts: 0))
        defer { scorer.close() }
        _ = try scorer.score(prompts: ["p"], completions: ["a"])
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        guard case .crashed(_, 1, let status, let tail)? = error else {
            Issue.record("expected a crash, got \(String(describing: error))")
            return
        }
        #expect(status == .killedBySignal(SIGKILL))
        #expect(tail.contains("killing myself"))
    }

    @Test("half an answer line followed by exit is a crash, not an answer")
    func partialAnswerThenExit() throws {
        let scorer = try ExternalScorer(configuration: configuration("crash.sh", ["partial-second"], maxRestarts: 0))
        defer { scorer.close() }
        _ = try scorer.score(prompts: ["p"], completions: ["a"])
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        guard case .crashed(_, 1, .exited(code: 4), _)? = error else {
            Issue.record("expected a crash with exit code 4, got \(String(describing: error))")
            return
        }
    }

    @Test("a scorer that died between calls is restarted and the batch goes through")
    func diedBetweenCalls() throws {
        let scorer = try ExternalScorer(configuration: configuration("crash.sh", ["exit-after-first"], maxRestarts: 1))
        defer { scorer.close() }
        #expect(try scorer.score(prompts: ["p"], completions: ["ab"]) == [2])
        #expect(try scorer.score(prompts: ["p"], completions: ["abc"]) == [3])
        #expect(scorer.restartCount == 1)
    }

    @Test("a scorer that dies at start fails with its own message, then runs out of restarts")
    func diesAtStart() throws {
        let scorer = try ExternalScorer(configuration: configuration("crash.sh", ["at-start"], maxRestarts: 1))
        defer { scorer.close() }
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        guard case .crashed(_, 0, .exited(code: 2), let tail)? = error else {
            Issue.record("expected a crash with exit code 2, got \(String(describing: error))")
            return
        }
        #expect(tail.contains("cannot load model weights"))
        #expect(error?.description.contains("cannot load model weights") == true)
        #expect(scorer.restartCount == 1)
        let next = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        guard case .restartLimitReached(_, 1, _)? = next else {
            Issue.record("expected the restart limit, got \(String(describing: next))")
            return
        }
    }

    // MARK: Hangs

    @Test("a hanging scorer times out, is killed with its children, and restarts next call")
    func hangTimesOut() throws {
        let scorer = try ExternalScorer(configuration: configuration("hang.sh", timeout: 1))
        defer { scorer.close() }
        let pid = try #require(scorer.processIdentifier)
        let start = ContinuousClock.now
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        let elapsed = elapsedSeconds(since: start)
        guard case .timedOut(_, 0, 1, let tail)? = error else {
            Issue.record("expected a timeout, got \(String(describing: error))")
            return
        }
        #expect(elapsed >= 1 && elapsed < 5)
        #expect(isReaped(pid))
        let sleeper = try #require(sleeperPID(in: tail))
        #expect(eventually { isGone(sleeper) })

        let second = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        guard case .timedOut(_, 1, _, _)? = second else {
            Issue.record("expected a second timeout, got \(String(describing: second))")
            return
        }
        #expect(scorer.restartCount == 1)
    }

    @Test("a scorer that ignores SIGTERM is killed with SIGKILL")
    func hangIgnoringSIGTERM() throws {
        let scorer = try ExternalScorer(configuration: configuration("hang.sh", ["ignore-term"], timeout: 1))
        defer { scorer.close() }
        let pid = try #require(scorer.processIdentifier)
        let start = ContinuousClock.now
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        let elapsed = elapsedSeconds(since: start)
        guard case .timedOut(_, 0, _, let tail)? = error else {
            Issue.record("expected a timeout, got \(String(describing: error))")
            return
        }
        #expect(elapsed >= 1.3 && elapsed < 6)  // timeout, then the SIGTERM grace period
        #expect(isReaped(pid))
        let sleeper = try #require(sleeperPID(in: tail))
        #expect(eventually { isGone(sleeper) })
    }

    @Test("a scorer that never reads cannot block the writer of a large request")
    func hangWithoutReading() throws {
        let scorer = try ExternalScorer(configuration: configuration("hang.sh", ["no-read"], timeout: 1))
        defer { scorer.close() }
        let large = String(repeating: "y", count: 300_000)  // several pipe buffers
        let start = ContinuousClock.now
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: [large]) }
        #expect(elapsedSeconds(since: start) < 5)
        guard case .timedOut(_, 0, _, _)? = error else {
            Issue.record("expected a timeout, got \(String(describing: error))")
            return
        }
    }

    // MARK: Malformed answers

    @Test("answers that break the protocol are rejected and the process replaced", arguments: [
        ("not-json", "not valid JSON"),
        ("not-object", "not a JSON object"),
        ("wrong-batch", "answers batch 5 but batch 0 was sent"),
        ("string-score", "score 0 is the string \"high\", not a number or null"),
        ("not-finite", "not valid JSON (NaN and Infinity are not JSON: write null for 'no score')"),
        ("no-scores", "no \"scores\" array"),
    ])
    func malformedAnswer(mode: String, expectedReason: String) throws {
        let scorer = try ExternalScorer(configuration: configuration("malformed.sh", [mode]))
        defer { scorer.close() }
        let pid = try #require(scorer.processIdentifier)
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        guard case .malformedAnswer(let name, 0, _, let reason, let tail)? = error else {
            Issue.record("expected a malformed answer, got \(String(describing: error))")
            return
        }
        #expect(name == "malformed.sh \(mode)")
        #expect(reason == expectedReason)
        #expect(tail.contains("answering batch 0 in mode \(mode)"))
        #expect(isReaped(pid))
        #expect(scorer.processIdentifier == nil)

        let next = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        guard case .malformedAnswer(_, 1, _, _, _)? = next else {
            Issue.record("expected the restarted process to fail on batch 1, got \(String(describing: next))")
            return
        }
        #expect(scorer.restartCount == 1)
    }

    @Test("a malformed line is quoted by its first 200 characters")
    func malformedLineExcerpt() throws {
        let scorer = try ExternalScorer(configuration: configuration("malformed.sh", ["not-json"]))
        defer { scorer.close() }
        let error = failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) }
        guard case .malformedAnswer(_, _, let line, _, _)? = error else {
            Issue.record("expected a malformed answer, got \(String(describing: error))")
            return
        }
        #expect(line.count == 200)
        #expect(line.hasPrefix("Loading scorer model... done. xxx"))
    }

    @Test("an answer with the wrong number of scores is malformed")
    func wrongCount() throws {
        let scorer = try ExternalScorer(configuration: configuration("wrong_count.sh"))
        defer { scorer.close() }
        let error = failure { _ = try scorer.score(prompts: ["p", "q", "r"], completions: ["a", "b", "c"]) }
        guard case .malformedAnswer(_, 0, let line, let reason, _)? = error else {
            Issue.record("expected a malformed answer, got \(String(describing: error))")
            return
        }
        #expect(reason == "2 scores for 3 completions")
        #expect(line == "{\"batch\":0,\"scores\":[1,1]}")
    }

    // MARK: Volume

    @Test("a flood of standard error and very long lines both ways do not deadlock")
    func floodAndLongLines() throws {
        var settings = configuration("flood_stderr.sh", timeout: 30)
        settings.stderrTailBytes = 4096
        let scorer = try ExternalScorer(configuration: settings)
        defer { scorer.close() }
        let long = String(repeating: "z", count: 100_000)
        for _ in 0..<2 {
            #expect(try scorer.score(prompts: ["p", "q", "r"], completions: [long, "ab", long]) == [100_000, 2, 100_000])
        }
        let tail = scorer.standardErrorTail
        #expect(tail.utf8.count == 4096)
        #expect(tail.contains("flood_stderr: line"))
        #expect(scorer.restartCount == 0)
    }

    // MARK: Start-up errors

    @Test("a missing or non-executable program is reported at init, naming the path")
    func unusableExecutables() {
        let missing = fixture("no_such_scorer.sh")
        let notFound = failure { _ = try ExternalScorer(configuration: .init(executablePath: missing)) }
        #expect(notFound == .executableNotFound(path: missing))
        #expect(notFound?.description.contains(missing) == true)

        let onPath = failure { _ = try ExternalScorer(configuration: .init(executablePath: "genrl-no-such-scorer-4711")) }
        #expect(onPath == .executableNotFound(path: "genrl-no-such-scorer-4711"))
        #expect(onPath?.description.contains("PATH") == true)

        let plainFile = fixture("not_executable.sh")
        let notExecutable = failure { _ = try ExternalScorer(configuration: .init(executablePath: plainFile)) }
        #expect(notExecutable == .notExecutable(path: plainFile))
        #expect(notExecutable?.description.contains(plainFile) == true)

        let directory = testsDirectory.appendingPathComponent("Fixtures/external").path
        let isDirectory = failure { _ = try ExternalScorer(configuration: .init(executablePath: directory)) }
        #expect(isDirectory == .notExecutable(path: directory))
    }

    @Test("an executable file the system cannot run fails at init with the system's reason")
    func unrunnableExecutable() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-not-a-program-\(UUID().uuidString)")
        try Data("neither a shebang line nor machine code\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(chmod(file.path, 0o755) == 0)
        let error = failure { _ = try ExternalScorer(configuration: .init(executablePath: file.path, name: "bogus")) }
        guard case .launchFailed("bogus", file.path, let reason)? = error else {
            Issue.record("expected a launch failure, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("posix_spawn: "))
    }

    @Test("a missing working directory or a non-positive timeout is rejected at init")
    func invalidSettings() {
        var settings = configuration("length_scorer.sh")
        settings.workingDirectory = "/nonexistent/genrl-directory"
        let directoryError = failure { _ = try ExternalScorer(configuration: settings) }
        #expect(directoryError == .workingDirectoryNotFound(path: "/nonexistent/genrl-directory"))

        var timeout = configuration("length_scorer.sh")
        timeout.timeoutPerBatch = 0
        let timeoutError = failure { _ = try ExternalScorer(configuration: timeout) }
        guard case .invalidConfiguration(_, let reason)? = timeoutError else {
            Issue.record("expected an invalid configuration, got \(String(describing: timeoutError))")
            return
        }
        #expect(reason.contains("timeoutPerBatch"))
    }

    // MARK: Shutdown

    @Test("close ends the process through end of input, reaps it, and refuses later calls")
    func closeIsGraceful() throws {
        let scorer = try ExternalScorer(configuration: configuration("length_scorer.sh"))
        let pid = try #require(scorer.processIdentifier)
        _ = try scorer.score(prompts: ["p"], completions: ["a"])
        scorer.close()
        #expect(isReaped(pid))
        #expect(scorer.standardErrorTail.contains("end of input, exiting"))
        #expect(failure { _ = try scorer.score(prompts: ["p"], completions: ["a"]) } == .closed(name: "length_scorer.sh"))
        scorer.close()  // a second close is harmless
    }

    @Test("close keeps what a scorer wrote on standard error before it exited unread")
    func closeReadsStandardErrorOfAnExitedScorer() throws {
        // crash.sh at-start writes one line on standard error and exits without reading;
        // by the time close runs the process is gone and the line is still in the pipe.
        let scorer = try ExternalScorer(configuration: configuration("crash.sh", ["at-start"]))
        Thread.sleep(forTimeInterval: 0.3)
        scorer.close()
        #expect(scorer.standardErrorTail.contains("cannot load model weights"))
    }

    @Test("close kills a scorer that ignores end of input, within the grace periods")
    func closeKillsStubbornScorer() throws {
        let scorer = try ExternalScorer(configuration: configuration("hang.sh", ["no-read"]))
        let pid = try #require(scorer.processIdentifier)
        let start = ContinuousClock.now
        scorer.close()
        #expect(elapsedSeconds(since: start) < 3)
        #expect(isReaped(pid))
    }

    @Test("deinit stops and reaps the process")
    func deinitCleansUp() throws {
        func useAndDrop() throws -> Int32 {
            let scorer = try ExternalScorer(configuration: configuration("length_scorer.sh"))
            _ = try scorer.score(prompts: ["p"], completions: ["a"])
            return try #require(scorer.processIdentifier)
        }
        let pid = try useAndDrop()
        #expect(isReaped(pid))
    }

    // MARK: The Python example

    @Test("examples/rewards/keyword_scorer.py scores keyword fractions",
          .enabled(if: pythonIsAvailable, "python3 is not on PATH"))
    func pythonKeywordScorer() throws {
        let script = testsDirectory.deletingLastPathComponent()
            .appendingPathComponent("examples/rewards/keyword_scorer.py").path
        let scorer = try ExternalScorer(configuration: .init(
            executablePath: "python3", arguments: [script, "--keywords", "cat,dog"],
            timeoutPerBatch: 30, maxRestarts: 0, terminationGracePeriod: 1))
        let pid = try #require(scorer.processIdentifier)
        #expect(scorer.configuration.name == "python3 keyword_scorer.py")
        let completions = ["A cat met a dog.", "Cats!", "CAT", ""]
        #expect(try scorer.score(prompts: Array(repeating: "p", count: 4), completions: completions) == [1, 0, 0.5, 0])
        #expect(try scorer.score(prompts: ["p"], completions: ["dog"]) == [0.5])
        scorer.close()
        #expect(isReaped(pid))
        #expect(scorer.standardErrorTail.contains("keyword_scorer: end of input, exiting"))
    }
}

/// Whether an executable `python3` is on `PATH`.
private let pythonIsAvailable: Bool = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    return path.split(separator: ":").contains { access("\($0)/python3", X_OK) == 0 }
}()
