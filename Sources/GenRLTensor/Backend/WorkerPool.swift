#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Synchronization

/// The threads that run `Parallel`'s loops: `threadCount − 1` workers that live as long
/// as the process, plus the thread that starts a loop, which takes tasks too.
///
/// Why not `DispatchQueue.concurrentPerform`: a training step starts thousands of short
/// parallel loops (a `gpt-ppo` iteration starts about 3,200), and a
/// dispatch worker that went to sleep between two of them takes some 70 µs to wake, while
/// the loop's other half waits for it. Here a worker that has finished a loop keeps
/// watching for the next one for `spinNanoseconds` (200 µs) before it sleeps on a
/// condition variable, so back-to-back loops start at once; the starting thread also takes
/// any task no worker has claimed, so a loop never waits for a sleeping worker to wake.
///
/// Which thread runs a task never changes what the task computes: the tasks and their
/// boundaries are fixed by the caller, so results stay the same bits run after run.
/// One loop runs on the pool at a time; a loop started while another is running (from
/// another thread, as tests do) runs its tasks on its own thread, one after the other.
final class WorkerPool: @unchecked Sendable {
    // @unchecked: the mutable state is the atomics, the `current` mutex, and the condition
    // variable's pthread objects, which are only used through their locks.

    /// One parallel loop: `count` tasks claimed by index from `nextTask`.
    private final class Loop: @unchecked Sendable {
        let count: Int
        /// The loop's body; cleared (under the guarantee that every claimed task has
        /// finished) before `run` returns, so that the caller's closure does not outlive it.
        nonisolated(unsafe) var body: ((Int) -> Void)?
        let nextTask = Atomic<Int>(0)
        let finishedTasks = Atomic<Int>(0)

        init(count: Int, body: @escaping (Int) -> Void) {
            self.count = count
            self.body = body
        }

        /// Claims and runs tasks until none is left.
        func takeTasks() {
            while true {
                let task = nextTask.wrappingAdd(1, ordering: .relaxed).oldValue
                guard task < count else { return }
                runTask(task)
                finishedTasks.wrappingAdd(1, ordering: .releasing)
            }
        }

        /// Runs one task, with the reference to `body` released before the task is counted
        /// as finished.
        @inline(never)
        private func runTask(_ task: Int) {
            Parallel.$isInsideParallelLoop.withValue(true) { body!(task) }
        }
    }

    /// How long an idle worker watches for the next loop before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    /// The pool of `Parallel.threadCount − 1` workers, started on first use.
    static let shared = WorkerPool(workers: Parallel.threadCount - 1)

    /// Worker threads (the starting thread is not counted).
    let workerCount: Int
    /// Bumped each time a loop is published; workers compare it with the last they saw.
    private let generation = Atomic<Int>(0)
    /// The loop being run, for workers to take.
    private let current = Mutex<Loop?>(nil)
    /// Taken by the thread that runs a loop on the pool.
    private let busy = Atomic<Bool>(false)
    /// Workers asleep (or about to be) on `wakeUp`.
    private let sleepers = Atomic<Int>(0)
    private let sleepLock: UnsafeMutablePointer<pthread_mutex_t>
    private let wakeUp: UnsafeMutablePointer<pthread_cond_t>

    private init(workers: Int) {
        workerCount = max(0, workers)
        sleepLock = .allocate(capacity: 1)
        wakeUp = .allocate(capacity: 1)
        pthread_mutex_init(sleepLock, nil)
        pthread_cond_init(wakeUp, nil)
        for _ in 0..<workerCount {
            Thread { [self] in work() }.start()
        }
    }

    /// Runs `body(i)` for `i` in `0..<count` on the pool's threads and the calling one, and
    /// returns when all have finished; on the calling thread alone when the pool has no
    /// workers or is running another loop.
    func run(_ count: Int, _ body: (Int) -> Void) {
        guard workerCount > 0, count > 1,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for task in 0..<count { Parallel.$isInsideParallelLoop.withValue(true) { body(task) } }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            let loop = Loop(count: count, body: body)
            current.withLock { $0 = loop }
            generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(sleepLock)
                pthread_cond_broadcast(wakeUp)
                pthread_mutex_unlock(sleepLock)
            }
            loop.takeTasks()
            while loop.finishedTasks.load(ordering: .acquiring) < count {}
            current.withLock { $0 = nil }
            loop.body = nil
        }
    }

    /// A worker's life: wait for a loop, help run it, repeat.
    private func work() {
        var seen = 0
        while true {
            seen = waitForLoop(after: seen)
            let loop = current.withLock { $0 }
            loop?.takeTasks()
        }
    }

    /// Watches `generation` for `spinNanoseconds`, then sleeps until it differs from
    /// `seen`; returns its new value.
    private func waitForLoop(after seen: Int) -> Int {
        let start = DispatchTime.now().uptimeNanoseconds
        var checks = 0
        while true {
            let now = generation.load(ordering: .acquiring)
            if now != seen { return now }
            checks += 1
            if checks & 255 == 0, DispatchTime.now().uptimeNanoseconds - start > Self.spinNanoseconds { break }
        }
        // Announce the sleep before the last look at `generation`; the publisher bumps
        // `generation` before it looks at `sleepers`, so one of the two sees the other.
        pthread_mutex_lock(sleepLock)
        sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen {
            pthread_cond_wait(wakeUp, sleepLock)
        }
        sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(sleepLock)
        return generation.load(ordering: .acquiring)
    }
}
