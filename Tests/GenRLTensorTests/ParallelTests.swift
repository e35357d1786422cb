import Foundation
import Synchronization
import Testing
@testable import GenRLTensor

@Suite("Parallel loops")
struct ParallelTests {
    @Test("every index of every loop runs exactly once, over thousands of back-to-back loops")
    func everyTaskRunsOnce() {
        var counts = [Int](repeating: 0, count: 7)
        for loop in 0..<3000 {
            let count = 2 + loop % 6
            counts.withUnsafeMutableBufferPointer { buffer in
                let counts = UncheckedSendable(buffer.baseAddress!)
                Parallel.forEachTask(count) { task in counts.value[task] += 1 }
            }
        }
        // Loop l covers 0..<2 + l % 6; each count appears 500 times among the 3000 loops.
        #expect(counts == [3000, 3000, 2500, 2000, 1500, 1000, 500])
    }

    @Test("chunks cover the items once, in the ranges chunkRange gives")
    func chunksCoverTheItems() {
        let count = 1001
        var marks = [Int](repeating: 0, count: count)
        marks.withUnsafeMutableBufferPointer { buffer in
            let marks = UncheckedSendable(buffer.baseAddress!)
            Parallel.forEachChunk(count, grain: 1) { range in
                for i in range { marks.value[i] += range.lowerBound + 1 }
            }
        }
        let chunks = min(Parallel.threadCount, count)
        let expected = (0..<chunks).flatMap { chunk -> [Int] in
            let range = Parallel.chunkRange(chunk, of: chunks, count: count)
            return range.map { _ in range.lowerBound + 1 }
        }
        #expect(marks == expected)
    }

    @Test("a split product's inner edges are the nearest multiples of 16 to the even split")
    func productBlocksAreBalanced() {
        #expect(MatrixMultiply.blockEdges(length: 504, parts: 2) == [0, 256, 504])
        #expect(MatrixMultiply.blockEdges(length: 2016, parts: 2) == [0, 1008, 2016])
        for parts in 2...4 {
            for length in (32 * parts)...600 {
                let edges = MatrixMultiply.blockEdges(length: length, parts: parts)
                #expect(edges.count == parts + 1 && edges.first == 0 && edges.last == length)
                for part in 1..<parts {
                    let even = Double(length * part) / Double(parts)
                    #expect(edges[part] % 16 == 0 && Swift.abs(Double(edges[part]) - even) <= 8.5,
                            "\(length) in \(parts): \(edges)")
                }
            }
        }
    }

    @Test("a loop's tasks run on more than one thread", .enabled(if: Parallel.threadCount > 1, "one thread"))
    func workersTakeTasks() {
        let threads = Mutex<Set<ObjectIdentifier>>([])
        // Retry: while another test's loop holds the pool, a loop runs on its caller alone.
        for _ in 0..<50 {
            Parallel.forEachTask(2 * Parallel.threadCount) { _ in
                let start = DispatchTime.now().uptimeNanoseconds
                while DispatchTime.now().uptimeNanoseconds - start < 2_000_000 {}
                threads.withLock { _ = $0.insert(ObjectIdentifier(Thread.current)) }
            }
            if threads.withLock({ $0.count }) > 1 { break }
        }
        #expect(threads.withLock { $0.count } > 1)
    }

    @Test("loops started from several threads at once all complete, each index once")
    func concurrentLoopsComplete() {
        let totals = Mutex<[Int]>([Int](repeating: 0, count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            for _ in 0..<200 {
                let sum = Atomic<Int>(0)
                Parallel.forEachTask(4) { task in sum.wrappingAdd(task + 1, ordering: .relaxed) }
                totals.withLock { $0[caller] += sum.load(ordering: .relaxed) }
            }
        }
        #expect(totals.withLock { $0 } == [Int](repeating: 200 * 10, count: 8))
    }

    @Test("a loop inside a loop runs on the calling thread, flagged as inside")
    func nestedLoopsRunSerially() {
        let inner = Mutex<[Bool]>([])
        Parallel.forEachTask(2) { _ in
            #expect(Parallel.isInsideParallelLoop)
            let thread = Thread.current
            Parallel.forEachTask(3) { _ in
                inner.withLock { $0.append(Thread.current == thread && Parallel.isInsideParallelLoop) }
            }
        }
        #expect(inner.withLock { $0 } == [Bool](repeating: true, count: 6))
        #expect(!Parallel.isInsideParallelLoop)
    }
}
