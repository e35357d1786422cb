#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What went wrong with an external scorer process.
///
/// Every case that concerns a running scorer names it (``ExternalScorerConfiguration/name``)
/// and the batch at fault; the cases for a process that died, hung or answered garbage
/// carry the last bytes it wrote to standard error, which usually say why.
public enum ExternalScorerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The executable does not exist (or, for a bare command name, is on no `PATH`
    /// directory). Thrown by `init`.
    case executableNotFound(path: String)
    /// The path exists but is a directory or lacks execute permission. Thrown by `init`.
    case notExecutable(path: String)
    /// The configured working directory does not exist or is not a directory.
    case workingDirectoryNotFound(path: String)
    /// A configuration value is out of range (for example a timeout that is not positive).
    case invalidConfiguration(name: String, reason: String)
    /// The operating system could not start the process (pipes, `posix_spawn`).
    case launchFailed(name: String, path: String, reason: String)
    /// `prompts` and `completions` must be parallel arrays of equal length.
    case mismatchedCounts(name: String, prompts: Int, completions: Int)
    /// The process exited, or closed its standard output, before answering `batch`.
    case crashed(name: String, batch: Int, exitStatus: ExitStatus, stderrTail: String)
    /// No complete answer line for `batch` within `seconds`; the process was killed.
    case timedOut(name: String, batch: Int, seconds: Double, stderrTail: String)
    /// The answer line for `batch` broke the protocol; `line` holds its first 200
    /// characters. The process was killed, since its output can no longer be trusted.
    case malformedAnswer(name: String, batch: Int, line: String, reason: String, stderrTail: String)
    /// The process failed again after `maxRestarts` restarts; `lastFailure` describes
    /// the failure that used up the last one. Every later call throws this.
    case restartLimitReached(name: String, maxRestarts: Int, lastFailure: String)
    /// ``ExternalScorer/close()`` was called before this call.
    case closed(name: String)

    /// How a scorer process ended.
    public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
        /// It called `exit(code)` (or returned `code` from `main`).
        case exited(code: Int32)
        /// A signal ended it (9 = SIGKILL, 11 = SIGSEGV, 15 = SIGTERM, ...).
        case killedBySignal(Int32)
        /// The status was collected by someone else (for example when the host program
        /// ignores SIGCHLD), so it is not known.
        case unknown

        /// Decodes a `waitpid` status word (the `WIFEXITED`/`WTERMSIG` encoding shared by
        /// Linux and Darwin).
        init(waitStatus: Int32) {
            let signal = waitStatus & 0x7f
            if signal == 0 {
                self = .exited(code: (waitStatus >> 8) & 0xff)
            } else {
                self = .killedBySignal(signal)
            }
        }

        /// "exit code N", "killed by signal N (name)" or "exit status unknown".
        public var description: String {
            switch self {
            case .exited(let code):
                return "exit code \(code)"
            case .killedBySignal(let signal):
                guard let text = strsignal(signal) else { return "killed by signal \(signal)" }
                return "killed by signal \(signal) (\(String(cString: text)))"
            case .unknown:
                return "exit status unknown"
            }
        }
    }

    /// The message, naming the scorer (or path) at fault and, where they apply, the batch and its stderr tail.
    public var description: String {
        switch self {
        case .executableNotFound(let path):
            if path.contains("/") { return "external scorer executable '\(path)' does not exist" }
            return "external scorer executable '\(path)' was not found in any directory of PATH"
        case .notExecutable(let path):
            return "external scorer '\(path)' is not an executable file (check that it is not a directory and has execute permission: chmod +x)"
        case .workingDirectoryNotFound(let path):
            return "working directory '\(path)' for the external scorer is not an existing directory"
        case .invalidConfiguration(let name, let reason):
            return "external scorer '\(name)': invalid configuration: \(reason)"
        case .launchFailed(let name, let path, let reason):
            return "external scorer '\(name)' (\(path)) could not be started: \(reason)"
        case .mismatchedCounts(let name, let prompts, let completions):
            return "external scorer '\(name)': got \(prompts) prompts for \(completions) completions; pass one prompt per completion"
        case .crashed(let name, let batch, let exitStatus, let stderrTail):
            return "external scorer '\(name)' exited or closed its standard output during batch \(batch) (\(exitStatus))"
                + Self.stderrSection(stderrTail)
        case .timedOut(let name, let batch, let seconds, let stderrTail):
            return "external scorer '\(name)' did not answer batch \(batch) within \(seconds) s and was killed"
                + Self.stderrSection(stderrTail)
        case .malformedAnswer(let name, let batch, let line, let reason, let stderrTail):
            return "external scorer '\(name)' gave a malformed answer to batch \(batch): \(reason); the line began: \(line)"
                + Self.stderrSection(stderrTail)
        case .restartLimitReached(let name, let maxRestarts, let lastFailure):
            let limit = maxRestarts == 0
                ? "restarts are disabled (maxRestarts = 0)"
                : "all \(maxRestarts) restarts allowed by maxRestarts are used up"
            return "external scorer '\(name)' is out of service: \(limit). Last failure: \(lastFailure)"
        case .closed(let name):
            return "external scorer '\(name)' has been closed"
        }
    }

    private static func stderrSection(_ tail: String) -> String {
        let trimmed = tail.trimmingTrailingNewlines()
        return trimmed.isEmpty ? "; it wrote nothing to standard error" : ". End of its standard error:\n\(trimmed)"
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var result = Substring(self)
        while let last = result.last, last.isNewline { result.removeLast() }
        return String(result)
    }
}
