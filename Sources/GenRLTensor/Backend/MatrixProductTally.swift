import Foundation

/// Time and work spent in `MatrixMultiply.gemm`, for benchmarks that ask how much of a
/// workload is matrix products (`genrl bench --matrix-products`). Off until `isEnabled`
/// is set; while off, `gemm` pays one branch.
///
/// Wall-clock time is counted only for products called outside a parallel loop: products
/// inside one run beside other work, so their times would overlap. Products and
/// multiply-adds are counted for all.
public enum MatrixProductTally {
    /// What the products since the last `reset()` came to.
    public struct Totals: Sendable, Equatable {
        /// Products computed.
        public var products = 0
        /// Of those, products called inside a parallel loop (not timed).
        public var productsInParallelLoops = 0
        /// Multiply-adds, m·n·k summed over the products.
        public var multiplyAdds = 0
        /// Wall-clock nanoseconds inside the products called outside parallel loops.
        public var nanoseconds: UInt64 = 0

        /// Zero products.
        public init() {}
    }

    /// Whether `gemm` counts. Set it before the work starts, not during.
    nonisolated(unsafe) public static var isEnabled = false

    private static let lock = NSLock()
    nonisolated(unsafe) private static var counted = Totals()

    /// The totals since the last `reset()`.
    public static var totals: Totals {
        lock.lock()
        defer { lock.unlock() }
        return counted
    }

    /// Starts the totals again from zero.
    public static func reset() {
        lock.lock()
        counted = Totals()
        lock.unlock()
    }

    /// Adds `products` products of `multiplyAdds` multiply-adds in all (m·n·k summed),
    /// computed together from `startedAt` (uptime ns) until now.
    static func record(products: Int, multiplyAdds: Int, startedAt: UInt64, insideParallelLoop: Bool) {
        let elapsed = DispatchTime.now().uptimeNanoseconds - startedAt
        lock.lock()
        counted.products += products
        counted.multiplyAdds += multiplyAdds
        if insideParallelLoop {
            counted.productsInParallelLoops += products
        } else {
            counted.nanoseconds += elapsed
        }
        lock.unlock()
    }
}
