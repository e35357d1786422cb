import Foundation

/// Splits loops over the machine's cores.
///
/// Kernels call `Parallel.forEachChunk` with the number of independent items (rows,
/// columns, blocks) and the smallest chunk worth a thread. The chunk boundaries depend
/// only on the item count, the grain and `threadCount`, never on timing, so a parallel
/// kernel computes the same bits on every run. The loops run on `WorkerPool`'s threads.
public enum Parallel {
    /// Threads that kernels may use: `GENRL_THREADS` when set, otherwise the number of
    /// active processors.
    public static let threadCount: Int = {
        if let value = ProcessInfo.processInfo.environment["GENRL_THREADS"], let n = Int(value), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Whether the current thread is running the body of a parallel loop. Parallel loops
    /// (and matrix products) started there run serially: the threads are already busy,
    /// and nesting would only add contention.
    @TaskLocal public static var isInsideParallelLoop = false

    /// Runs `body` over `0..<count` split into contiguous ranges of at least `grain`
    /// items, at most `threadCount` of them, concurrently. With one range, or inside
    /// another parallel loop, the body runs on the calling thread.
    public static func forEachChunk(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(threadCount, max(1, count / max(grain, 1)))
        if chunks <= 1 || isInsideParallelLoop {
            body(0..<count)
            return
        }
        WorkerPool.shared.run(chunks) { chunk in body(chunkRange(chunk, of: chunks, count: count)) }
    }

    /// Runs `body(i)` for `i` in `0..<count` concurrently (one task per index), for a
    /// few coarse tasks such as the columns of a blocked matrix product.
    public static func forEachTask(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 || threadCount == 1 || isInsideParallelLoop {
            for i in 0..<count { body(i) }
            return
        }
        WorkerPool.shared.run(count, body)
    }

    /// The `chunk`-th of `chunks` near-equal contiguous ranges covering `0..<count`.
    static func chunkRange(_ chunk: Int, of chunks: Int, count: Int) -> Range<Int> {
        let base = count / chunks, extra = count % chunks
        let start = chunk * base + min(chunk, extra)
        return start..<(start + base + (chunk < extra ? 1 : 0))
    }
}

/// Carries a value that is not `Sendable` into a concurrent closure whose callers
/// guarantee disjoint access (each chunk writes its own part of a buffer).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
