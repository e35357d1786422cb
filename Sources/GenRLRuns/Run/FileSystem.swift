import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations that durable run files need (write, fsync, rename),
/// each turning a failure into a `RunError` that names the path and the operation.
enum FileSystem {
    /// The error for a failed system call on `path`, with the system's message for `code`.
    static func failure(_ path: String, _ operation: String, code: Int32 = errno) -> RunError {
        .fileSystem(path: path, operation: operation, reason: String(cString: strerror(code)))
    }

    /// Opens `path`, retrying when a signal interrupts the call.
    static func openFile(_ path: String, flags: Int32, mode: mode_t = 0o644) throws(RunError) -> Int32 {
        while true {
            let descriptor = open(path, flags | O_CLOEXEC, mode)
            if descriptor >= 0 { return descriptor }
            if errno != EINTR { throw failure(path, "open") }
        }
    }

    /// Writes all of `bytes` to `descriptor` (a short write is continued, not an error).
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(RunError) {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(path, "write")
            }
            offset += written
        }
    }

    /// Writes `data` to `descriptor`.
    static func writeAll(_ descriptor: Int32, _ data: Data, path: String) throws(RunError) {
        let result: Result<Void, RunError> = data.withUnsafeBytes { bytes in
            do throws(RunError) {
                try writeAll(descriptor, bytes, path: path)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Flushes `descriptor`'s data and metadata to the disk.
    static func syncDescriptor(_ descriptor: Int32, path: String) throws(RunError) {
        while fsync(descriptor) != 0 {
            if errno != EINTR { throw failure(path, "fsync") }
        }
    }

    /// Creates (or replaces) the file at `path` with `data`; with `durable`, fsyncs it
    /// before returning.
    static func writeFile(_ data: Data, to path: String, durable: Bool) throws(RunError) {
        let descriptor = try openFile(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(descriptor) }
        try writeAll(descriptor, data, path: path)
        if durable { try syncDescriptor(descriptor, path: path) }
    }

    /// fsyncs an existing file or directory (a directory's fsync makes the creation,
    /// renaming and removal of its entries durable).
    static func syncPath(_ path: String) throws(RunError) {
        let descriptor = try openFile(path, flags: O_RDONLY)
        defer { close(descriptor) }
        try syncDescriptor(descriptor, path: path)
    }

    /// Writes `data` to a temporary file beside `path`, fsyncs it, renames it onto
    /// `path` and fsyncs the directory: readers see the old file or the new one, never
    /// a part.
    static func replaceFile(at path: String, with data: Data) throws(RunError) {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(".\(name).\(temporarySuffix())")
        do throws(RunError) {
            try writeFile(data, to: temporary, durable: true)
            try renameItem(temporary, to: path)
        } catch {
            unlink(temporary)
            throw error
        }
        try syncPath(directory.isEmpty ? "." : directory)
    }

    /// Renames `source` to `destination` (atomic within one file system).
    static func renameItem(_ source: String, to destination: String) throws(RunError) {
        if rename(source, destination) != 0 { throw failure(source, "rename to \(destination)") }
    }

    /// Creates the directory `path` (its parent must exist).
    static func makeDirectory(_ path: String) throws(RunError) {
        if mkdir(path, 0o755) != 0 { throw failure(path, "mkdir") }
    }

    /// Creates the directory `path` and its missing parents.
    static func makeDirectories(_ path: String) throws(RunError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: path, operation: "mkdir", reason: "\(error.localizedDescription)")
        }
    }

    /// Removes `path` and everything under it (nothing if it does not exist).
    static func removeTree(_ path: String) throws(RunError) {
        guard exists(path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .fileSystem(path: path, operation: "remove", reason: "\(error.localizedDescription)")
        }
    }

    /// The names in directory `path`, unsorted.
    static func contents(of path: String) throws(RunError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw .fileSystem(path: path, operation: "list", reason: "\(error.localizedDescription)")
        }
    }

    /// The contents of the file at `path`.
    static func readFile(_ path: String) throws(RunError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .fileSystem(path: path, operation: "read", reason: error.localizedDescription)
        }
    }

    /// Whether anything exists at `path` (a dangling symbolic link counts).
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Whether `path` is a directory (following symbolic links).
    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// A suffix that makes a temporary name unique to this process and call.
    static func temporarySuffix() -> String {
        "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }
}
