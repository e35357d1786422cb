import Foundation
import GenRLRuns

/// A fresh directory under the system's temporary directory, removed when released.
final class ScratchDirectory {
    let path: String

    init(_ label: String = "runs") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func text(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }

    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }

    func append(_ text: String, to name: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file(name)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func contents(_ name: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: name.isEmpty ? path : file(name)).sorted()
    }
}

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Double

    init(_ seconds: Double = 100) { self.seconds = seconds }

    var now: Double { lock.withLock { seconds } }

    func advance(by delta: Double) { lock.withLock { seconds += delta } }

    /// The clock as the closure the run types take.
    var function: @Sendable () -> Double { { [self] in now } }
}
