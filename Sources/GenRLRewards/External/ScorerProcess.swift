#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One running scorer child process and the three pipe ends GenRL holds to it.
///
/// The child is started with `posix_spawn` in a process group of its own, so that a
/// timeout or a shutdown can signal everything the scorer started (a shell script's
/// `sleep`, a Python worker pool) and not only its first process. All three pipe ends
/// on our side are non-blocking and close-on-exec; one `poll` loop writes the request,
/// reads the answer and drains standard error at the same time, so neither a child that
/// floods standard error nor one that stops reading its input can block the caller past
/// the deadline.
///
/// Not thread-safe: ``ExternalScorer`` owns it and serializes every call.
final class ScorerProcess {
    /// What one request/answer exchange ended with.
    enum Outcome {
        /// A complete line arrived on standard output (without its newline).
        case line([UInt8])
        /// The process exited, or closed its standard output, before a complete line.
        case died
        /// No complete line before the deadline.
        case timedOut
        /// More than ``maximumLineBytes`` arrived without a newline; the first bytes.
        case lineTooLong([UInt8])
    }

    /// Bytes an answer line may have before the scorer is treated as broken (64 MiB).
    static let maximumLineBytes = 64 << 20

    /// Process identifier; also the identifier of the process group the child leads.
    let pid: pid_t
    private var stdinFD: Int32
    private var stdoutFD: Int32
    private var stderrFD: Int32
    private var stdoutBuffer: [UInt8] = []
    /// Bytes at the start of `stdoutBuffer` already known to hold no newline.
    private var newlineFreePrefix = 0
    private var stderrBuffer: [UInt8] = []
    private let stderrLimit: Int
    /// Set once the process has been reaped; then `pid` must not be signalled any more.
    private(set) var exitStatus: ExternalScorerError.ExitStatus?

    /// The last bytes the child wrote to standard error, decoded as UTF-8 (lossy).
    var stderrTail: String { String(decoding: stderrBuffer, as: UTF8.self) }

    /// Starts `executable` (an absolute path) with its standard streams connected to pipes.
    ///
    /// - Throws: a message naming the failing system call (`pipe`, `posix_spawn`, ...).
    init(
        executable: String, arguments: [String], environment: [String: String],
        workingDirectory: String?, stderrLimit: Int
    ) throws(ProcessLaunchFailure) {
        self.stderrLimit = stderrLimit
        let stdinPipe = try Self.makePipe()
        let stdoutPipe: (read: Int32, write: Int32)
        let stderrPipe: (read: Int32, write: Int32)
        do {
            stdoutPipe = try Self.makePipe()
        } catch {
            closeAll([stdinPipe.read, stdinPipe.write])
            throw error
        }
        do {
            stderrPipe = try Self.makePipe()
        } catch {
            closeAll([stdinPipe.read, stdinPipe.write, stdoutPipe.read, stdoutPipe.write])
            throw error
        }
        let childEnds = [stdinPipe.read, stdoutPipe.write, stderrPipe.write]
        let ourEnds = [stdinPipe.write, stdoutPipe.read, stderrPipe.read]

        let spawned = Self.spawn(
            executable: executable, arguments: arguments, environment: environment,
            workingDirectory: workingDirectory, childStreams: childEnds)
        closeAll(childEnds)
        switch spawned {
        case .success(let pid):
            self.pid = pid
        case .failure(let error):
            closeAll(ourEnds)
            throw error
        }
        stdinFD = stdinPipe.write
        stdoutFD = stdoutPipe.read
        stderrFD = stderrPipe.read
        for fd in ourEnds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        #if canImport(Darwin)
        _ = fcntl(stdinFD, F_SETNOSIGPIPE, 1)
        #endif
    }

    deinit {
        // ExternalScorer always stops the process first; this only guards against leaks.
        if exitStatus == nil { _ = stop(waitingFirst: .zero, grace: .zero) }
    }

    // MARK: Exchange

    /// Writes `request` (one line, newline included) and waits for one answer line.
    ///
    /// Standard error is drained throughout. A line already buffered from an earlier
    /// answer is returned at once: it breaks the one-answer-per-request protocol, and the
    /// caller will reject it by its batch number.
    func exchange(request: [UInt8], deadline: ContinuousClock.Instant) -> Outcome {
        var written = 0
        while true {
            if let line = takeLine() { return .line(line) }
            if stdoutBuffer.count > Self.maximumLineBytes { return .lineTooLong(Array(stdoutBuffer.prefix(800))) }
            if stdoutFD < 0 { return .died }
            if hasExited() {
                drain(&stdoutFD, into: .stdout)
                drain(&stderrFD, into: .stderr)
                return takeLine().map(Outcome.line) ?? .died
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return .timedOut }

            let wantsToWrite = written < request.count && stdinFD >= 0
            var fds = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)]
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            if wantsToWrite { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            // Wake up at least every 50 ms to notice a child that exited while a
            // grandchild still holds its standard output open.
            let waitMilliseconds = min(50, milliseconds(remaining) + 1)
            let ready = poll(&fds, nfds_t(fds.count), Int32(waitMilliseconds))
            if ready <= 0 { continue }  // timeout tick or EINTR: re-check everything

            for entry in fds where entry.revents != 0 {
                if entry.fd == stdinFD {
                    written += writeSome(request, from: written)
                } else if entry.fd == stderrFD {
                    drain(&stderrFD, into: .stderr)
                } else if entry.fd == stdoutFD {
                    drain(&stdoutFD, into: .stdout)
                }
            }
        }
    }

    /// Removes and returns the first complete line of the standard output buffer,
    /// without its `\n` (and without a `\r` before it). Blank lines are skipped.
    private func takeLine() -> [UInt8]? {
        while let newline = stdoutBuffer[newlineFreePrefix...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(stdoutBuffer[..<newline])
            stdoutBuffer.removeFirst(newline + 1)
            newlineFreePrefix = 0
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let isBlank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 }
            if !isBlank { return line }
        }
        newlineFreePrefix = stdoutBuffer.count  // a long line arriving in chunks is scanned once
        return nil
    }

    /// Writes as much of `request[offset...]` as the pipe takes now. On any error other
    /// than "would block" (typically `EPIPE`: the child is gone) the rest is dropped;
    /// the loop then notices the exit or runs into the deadline.
    private func writeSome(_ request: [UInt8], from offset: Int) -> Int {
        let result = request.withUnsafeBytes { buffer in
            writeWithoutSIGPIPE(stdinFD, buffer.baseAddress! + offset, buffer.count - offset)
        }
        if result.written >= 0 { return result.written }
        if result.error == EAGAIN || result.error == EWOULDBLOCK || result.error == EINTR { return 0 }
        closeFD(&stdinFD)
        return request.count - offset
    }

    // MARK: Stopping

    /// Closes the child's standard input, which a well-behaved scorer takes as the
    /// signal to exit.
    func closeInput() { closeFD(&stdinFD) }

    /// Ends the process and reaps it: waits up to `waitingFirst` for it to exit by
    /// itself, then sends SIGTERM to its process group, waits up to `grace`, then sends
    /// SIGKILL. Standard error keeps being drained (and standard output discarded) so a
    /// child blocked on a full pipe can still exit, and is read to its end once the child
    /// is gone. Idempotent.
    @discardableResult
    func stop(waitingFirst: Duration, grace: Duration) -> ExternalScorerError.ExitStatus {
        if let exitStatus { return exitStatus }
        var exited = waitForExit(within: waitingFirst)
        if !exited {
            _ = kill(-pid, SIGTERM)
            exited = waitForExit(within: grace)
        }
        if !exited {
            _ = kill(-pid, SIGKILL)
            exited = waitForExit(within: .seconds(2))
        }
        let status = exited ? reap() : reapInBackground()
        // The child can write its last words and exit between two polls; they are still
        // in the pipe, and they are the part of standard error an error message needs.
        drain(&stderrFD, into: .stderr)
        closeFD(&stdinFD)
        closeFD(&stdoutFD)
        closeFD(&stderrFD)
        exitStatus = status
        return status
    }

    private func waitForExit(within duration: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: duration)
        while true {
            if hasExited() { return true }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return false }
            var fds: [pollfd] = []
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(10, milliseconds(remaining) + 1)))
            if ready > 0 {
                drain(&stdoutFD, into: .stdout)
                stdoutBuffer.removeAll(keepingCapacity: true)
                newlineFreePrefix = 0
                drain(&stderrFD, into: .stderr)
            }
        }
    }

    /// Whether the child has terminated, without reaping it: while it is a zombie its
    /// process-group identifier cannot be reused, so signalling the group stays safe.
    private func hasExited() -> Bool {
        if exitStatus != nil { return true }
        var info = siginfo_t()
        while true {
            let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if result == 0 { return info.si_signo == SIGCHLD }
            if errno == EINTR { continue }
            return true  // ECHILD: somebody else reaped it (e.g. SIGCHLD is ignored)
        }
    }

    /// Kills what is left of the process group (the leader is a zombie, so the group
    /// identifier is still ours), then collects the leader's exit status.
    private func reap() -> ExternalScorerError.ExitStatus {
        var status: Int32 = 0
        while true {
            var info = siginfo_t()
            let peek = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if peek != 0 && errno == EINTR { continue }
            if peek != 0 { return .unknown }  // already reaped elsewhere: do not signal
            _ = kill(-pid, SIGKILL)
            let result = waitpid(pid, &status, 0)
            if result == pid { return .init(waitStatus: status) }
            if errno != EINTR { return .unknown }
        }
    }

    /// For a child that survives SIGKILL for two seconds (stuck in the kernel): reap it
    /// on a background thread instead of blocking the caller.
    private func reapInBackground() -> ExternalScorerError.ExitStatus {
        let pid = self.pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        return .killedBySignal(SIGKILL)
    }

    // MARK: Reading

    private enum Stream { case stdout, stderr }

    /// Reads what `fd` has now, up to 1 MiB, so that a child writing as fast as we read
    /// cannot keep the caller from checking its deadline. Closes the descriptor (and
    /// sets it to -1) at end of file.
    private func drain(_ fd: inout Int32, into stream: Stream) {
        guard fd >= 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 65536)
        for _ in 0..<16 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                switch stream {
                case .stdout: stdoutBuffer.append(contentsOf: chunk[..<count])
                case .stderr: appendToStderrTail(chunk[..<count])
                }
                if stream == .stdout && stdoutBuffer.count > Self.maximumLineBytes { return }
                continue
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            closeFD(&fd)  // end of file, or an error that makes the stream useless
            return
        }
    }

    private func appendToStderrTail(_ bytes: ArraySlice<UInt8>) {
        stderrBuffer.append(contentsOf: bytes.suffix(stderrLimit))
        if stderrBuffer.count > stderrLimit {
            stderrBuffer.removeFirst(stderrBuffer.count - stderrLimit)
        }
    }
}

/// Why a scorer process could not be started; ``ExternalScorer`` wraps it in
/// ``ExternalScorerError/launchFailed(name:path:reason:)``.
struct ProcessLaunchFailure: Error {
    let reason: String
}

// MARK: - System calls

extension ScorerProcess {
    /// A pipe whose two ends are close-on-exec and numbered 3 or above, so that
    /// `dup2` onto 0, 1, 2 in the child always creates a fresh, inheritable descriptor.
    fileprivate static func makePipe() throws(ProcessLaunchFailure) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        // pipe2 sets close-on-exec atomically, so a process spawned by another thread
        // in between cannot inherit the new descriptors.
        #if canImport(Glibc)
        let result = pipe2Function.map { $0(&ends, O_CLOEXEC) } ?? pipe(&ends)
        #else
        let result = pipe(&ends)
        #endif
        guard result == 0 else { throw ProcessLaunchFailure(reason: "pipe: \(errnoText())") }
        for index in 0..<2 {
            if ends[index] < 3 {
                let moved = fcntl(ends[index], F_DUPFD_CLOEXEC, 3)
                _ = close(ends[index])
                ends[index] = moved
            } else {
                _ = fcntl(ends[index], F_SETFD, FD_CLOEXEC)
            }
        }
        guard ends[0] >= 0, ends[1] >= 0 else {
            closeAll(ends.filter { $0 >= 0 })
            throw ProcessLaunchFailure(reason: "fcntl: \(errnoText())")
        }
        return (ends[0], ends[1])
    }

    fileprivate static func spawn(
        executable: String, arguments: [String], environment: [String: String],
        workingDirectory: String?, childStreams: [Int32]
    ) -> Result<pid_t, ProcessLaunchFailure> {
        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        for (target, source) in childStreams.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, source, Int32(target))
        }
        if let workingDirectory {
            #if canImport(Glibc)
            guard let addChdir = addChdirFunction else {
                return .failure(.init(reason: "this C library cannot set a child's working directory"))
            }
            let status = addChdir(&actions, workingDirectory)
            #else
            let status = posix_spawn_file_actions_addchdir_np(&actions, workingDirectory)
            #endif
            if status != 0 { return .failure(.init(reason: "chdir action: \(String(cString: strerror(status)))")) }
        }

        // Own process group; no blocked signals; default actions for the signals a
        // host program commonly ignores (ignored dispositions survive exec).
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaulted = sigset_t()
        sigemptyset(&defaulted)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT] { sigaddset(&defaulted, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaulted)
        posix_spawnattr_setpgroup(&attributes, 0)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            return .failure(.init(reason: "posix_spawn: \(String(cString: strerror(status)))"))
        }
        return .success(pid)
    }

    #if canImport(Glibc)
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    /// `pipe2` is not exported by the Swift Glibc module either.
    private static let pipe2Function: Pipe2? = {
        guard let symbol = dlsym(nil, "pipe2") else { return nil }
        return unsafeBitCast(symbol, to: Pipe2.self)
    }()

    private typealias AddChdir = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
    ) -> Int32
    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+) is not exported by the Swift
    /// Glibc module, so it is looked up at run time.
    private static let addChdirFunction: AddChdir? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()
    #endif
}

/// `write` that cannot kill the process with SIGPIPE when the reader is gone. On Linux
/// SIGPIPE is blocked on this thread for the call and a SIGPIPE it raised is consumed;
/// on Darwin the descriptor carries `F_SETNOSIGPIPE`.
private func writeWithoutSIGPIPE(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> (written: Int, error: Int32) {
    #if canImport(Glibc)
    var pipeOnly = sigset_t()
    sigemptyset(&pipeOnly)
    sigaddset(&pipeOnly, SIGPIPE)
    var pending = sigset_t()
    sigpending(&pending)
    let wasAlreadyPending = sigismember(&pending, SIGPIPE) == 1
    var previousMask = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeOnly, &previousMask)
    let written = write(fd, bytes, count)
    let error = errno
    if written < 0 && error == EPIPE && !wasAlreadyPending {
        var noWait = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&pipeOnly, nil, &noWait)
    }
    pthread_sigmask(SIG_SETMASK, &previousMask, nil)
    return (written, error)
    #else
    let written = write(fd, bytes, count)
    return (written, errno)
    #endif
}

private func closeFD(_ fd: inout Int32) {
    if fd >= 0 { _ = close(fd) }
    fd = -1
}

private func closeAll(_ fds: [Int32]) {
    for fd in fds { _ = close(fd) }
}

private func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
}

private func errnoText() -> String { String(cString: strerror(errno)) }
