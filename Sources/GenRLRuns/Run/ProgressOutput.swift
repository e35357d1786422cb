import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a `ProgressReporter` writes: a terminal (redrawn in place) or anything else (a
/// log file, a pipe; plain lines). Tests supply their own.
public protocol ProgressOutput: AnyObject {
    /// Whether the output is an interactive terminal.
    var isTerminal: Bool { get }
    /// The terminal's width in columns, if known.
    var columns: Int? { get }
    /// Writes `text` as is (no newline added).
    func write(_ text: String)
}

/// Standard error or standard output of this process.
public final class StandardStreamOutput: ProgressOutput, Sendable {
    /// The file descriptor (2 or 1).
    public let descriptor: Int32

    /// Standard error, where progress goes by convention (it leaves standard output to
    /// the command's results).
    public static let standardError = StandardStreamOutput(descriptor: 2)
    /// Standard output.
    public static let standardOutput = StandardStreamOutput(descriptor: 1)

    /// An output writing to `descriptor`.
    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// `isatty` of the descriptor, false when `TERM` is `dumb`.
    public var isTerminal: Bool {
        isatty(descriptor) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// The terminal's width (`TIOCGWINSZ`), else `COLUMNS`, else nil.
    public var columns: Int? {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap { Int($0) }
    }

    /// Writes all of `text` (progress is best effort: a failed write is ignored).
    public func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// The system `write`, named apart from `ProgressOutput.write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
