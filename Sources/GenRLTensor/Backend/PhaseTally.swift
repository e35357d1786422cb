import Foundation

/// Wall-clock time spent in the named parts of a workload (`generation`, `forward`,
/// `backward`, `update`, …), for benchmarks that ask where an iteration's time goes
/// (`genrl bench --phases`). Off until `isEnabled` is set; while off, `measure` pays one
/// branch. The code being measured marks its parts with `measure`; a part inside another
/// counts in both.
public enum PhaseTally {
    /// Whether `measure` counts. Set it before the work starts, not during.
    nonisolated(unsafe) public static var isEnabled = false

    private static let lock = NSLock()
    nonisolated(unsafe) private static var counted: [String: UInt64] = [:]

    /// Nanoseconds per phase since the last `reset()`.
    public static var totals: [String: UInt64] {
        lock.lock()
        defer { lock.unlock() }
        return counted
    }

    /// Starts the totals again from zero.
    public static func reset() {
        lock.lock()
        counted = [:]
        lock.unlock()
    }

    /// Runs `body`, adding its wall-clock time to `phase` while counting.
    @inline(__always)
    public static func measure<Result>(_ phase: String, _ body: () throws -> Result) rethrows -> Result {
        guard isEnabled else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            lock.lock()
            counted[phase, default: 0] += elapsed
            lock.unlock()
        }
        return try body()
    }
}
