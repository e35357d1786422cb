import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only file of JSON objects, one per line, each with an integer `step`
/// (`metrics.jsonl`, `samples.jsonl`).
///
/// Each line goes to the operating system in one `write` call as soon as it is appended,
/// so a process killed with SIGKILL loses nothing it appended. A crash in the middle of
/// a write can leave a last line without its newline: opening the file drops such a
/// torn tail, and `truncate(afterStep:)` rewinds the file to a checkpoint's step for a
/// resumed run to write the following lines again.
public final class JSONLinesFile {
    /// The file's path.
    public let path: String
    private let descriptor: Int32

    /// Opens `path` for appending, creating it if needed, and drops a torn last line.
    public init(path: String) throws {
        self.path = path
        descriptor = try FileSystem.openFile(path, flags: O_RDWR | O_CREAT | O_APPEND)
        do {
            let data = try FileSystem.readFile(path)
            if let last = data.last, last != UInt8(ascii: "\n") {
                try cut(at: (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0)
            }
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Appends `object` as one line (compact JSON and a newline, in one write).
    public func append(_ object: JSONValue) throws {
        var line = object.jsonText
        line += "\n"
        let result: Result<Void, RunError> = line.withUTF8 { buffer in
            do throws(RunError) {
                try FileSystem.writeAll(descriptor, UnsafeRawBufferPointer(buffer), path: path)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Flushes the file to the disk (fsync), so that it survives a power loss, not only
    /// a killed process.
    public func synchronize() throws {
        try FileSystem.syncDescriptor(descriptor, path: path)
    }

    /// Removes every line from the first one whose `step` is greater than `step` to the
    /// end (and a torn last line), then fsyncs. Steps only grow along the file, so what
    /// remains is exactly the lines up to `step`.
    ///
    /// - Returns: the objects that remain.
    /// - Throws: `RunError.malformedLine` for a complete line before the cut that is not
    ///   an object with an integer `step`.
    @discardableResult
    public func truncate(afterStep step: Int) throws -> [JSONValue] {
        let data = try FileSystem.readFile(path)
        var kept: [JSONValue] = []
        var cutOffset = data.count
        try Self.forEachLine(in: data, path: path) { object, lineStep, range, _ in
            if lineStep > step {
                cutOffset = range.lowerBound
                return false
            }
            kept.append(object)
            return true
        } tornTail: { offset in
            cutOffset = min(cutOffset, offset)
        }
        if cutOffset < data.count { try cut(at: cutOffset) }
        try synchronize()
        return kept
    }

    /// Shortens the file to `offset` bytes.
    private func cut(at offset: Int) throws {
        while ftruncate(descriptor, off_t(offset)) != 0 {
            if errno != EINTR { throw FileSystem.failure(path, "truncate") }
        }
    }

    // MARK: - Reading

    /// Every complete line of the file at `path`, as objects with their 1-based line
    /// numbers; a torn last line is ignored. A complete line that is not an object with
    /// an integer `step` is passed to `malformed` (which may throw to stop reading).
    public static func read(path: String, malformed: (RunError) throws -> Void = { throw $0 }) throws
        -> [(line: Int, object: JSONValue)] {
        let data = try FileSystem.readFile(path)
        var objects: [(line: Int, object: JSONValue)] = []
        try forEachLine(in: data, path: path, malformed: malformed) { object, _, _, line in
            objects.append((line, object))
            return true
        } tornTail: { _ in }
        return objects
    }

    /// Calls `body` with each complete, well-formed line (object, step, byte range,
    /// 1-based line number) until it returns false; blank lines are skipped. A final line
    /// without a newline goes to `tornTail` with its byte offset.
    static func forEachLine(
        in data: Data, path: String, malformed: (RunError) throws -> Void = { throw $0 },
        _ body: (JSONValue, Int, Range<Int>, Int) throws -> Bool, tornTail: (Int) -> Void
    ) throws {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var lineNumber = 0
            while start < bytes.count {
                lineNumber += 1
                guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                    tornTail(start)
                    return
                }
                defer { start = newline + 1 }
                let lineBytes = UnsafeBufferPointer(rebasing: bytes[start..<newline])
                if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                let object: JSONValue
                do {
                    object = try JSONValue.parse(bytes: lineBytes)
                } catch {
                    try malformed(.malformedLine(path: path, line: lineNumber, reason: "not JSON (\(error))"))
                    continue
                }
                guard object.objectMembers != nil, let step = object["step"]?.integerValue else {
                    try malformed(.malformedLine(path: path, line: lineNumber, reason: "not a JSON object with an integer \"step\""))
                    continue
                }
                if try !body(object, step, start..<(newline + 1), lineNumber) { return }
            }
        }
    }
}
