import Foundation
import GenRLAVX512

/// Which implementation `MatrixMultiply.gemm` runs.
public enum MatrixBackend: Sendable, Equatable, CustomStringConvertible {
    /// A CBLAS library opened at run time; the string names it (soname or path) and, for
    /// OpenBLAS, adds its build configuration: `libopenblas.so.0 (OpenBLAS 0.3.21 …)`.
    case blas(String)
    /// GenRL's own blocked SIMD kernel in Swift.
    case portable

    /// `BLAS <library>` or `portable Swift kernel`, for logs and run reports.
    public var description: String {
        switch self {
        case let .blas(library): return "BLAS \(library)"
        case .portable: return "portable Swift kernel"
        }
    }
}

/// Single-precision matrix products, the one place where GenRL multiplies matrices.
///
/// `gemm` uses a BLAS library when one is available (OpenBLAS on Linux, Accelerate on
/// macOS, opened at run time by `BLASLibrary`) and GenRL's portable Swift kernel
/// otherwise. The environment variable `GENRL_BLAS` chooses, once per process:
///
/// - unset, empty or `auto`: the first library of `BLASLibrary.searchOrder` that loads,
///   else the portable kernel;
/// - `portable`: the portable kernel, even when BLAS is installed;
/// - anything else: that library (a soname such as `libblis.so.4` or a path); if it
///   cannot be loaded, the first product stops the process with a message naming it.
///
/// Both paths use `Parallel.threadCount` threads (`GENRL_THREADS`).
public enum MatrixMultiply {
    /// The backend `gemm` uses, chosen on first use from `GENRL_BLAS`.
    ///
    /// Stops the process when `GENRL_BLAS` names a library that cannot be loaded; call
    /// `resolveBackend(environment:)` first to report that as an error instead.
    public static var backend: MatrixBackend {
        selectedLibrary.map { .blas($0.summary) } ?? .portable
    }

    /// The BLAS library `gemm` uses, or nil when it runs the portable kernel.
    public static var blasLibrary: BLASLibrary? { selectedLibrary }

    private static let selectedLibrary: BLASLibrary? = {
        do {
            return try resolveBackend(environment: ProcessInfo.processInfo.environment)
        } catch {
            fatalError("GENRL_BLAS: \(error); set GENRL_BLAS=portable to use the Swift kernel")
        }
    }()

    /// The library that `GENRL_BLAS` in `environment` selects (see `MatrixMultiply`), or
    /// nil for the portable kernel.
    ///
    /// - Throws: `BLASLibraryError` when `GENRL_BLAS` names a library that cannot be
    ///   loaded or lacks `cblas_sgemm`.
    public static func resolveBackend(environment: [String: String]) throws(BLASLibraryError) -> BLASLibrary? {
        let requested = environment["GENRL_BLAS"]?.trimmingCharacters(in: .whitespaces) ?? ""
        switch requested.lowercased() {
        case "", "auto": return BLASLibrary.installed
        case "portable": return nil
        default: return try BLASLibrary(name: requested)
        }
    }

    /// Row-major `C[m×n] = alpha · op(A) · op(B) + beta · C`, where `op(X)` is `Xᵀ` when
    /// the matching transpose flag is set, `op(A)` is m×k and `op(B)` is k×n.
    ///
    /// `lda`, `ldb` and `ldc` are the row strides (in elements) of the matrices as stored,
    /// before any transpose, as in row-major CBLAS: A is stored m×k (k×m when transposed)
    /// with `lda ≥ max(1, its width)`, likewise B (k×n, or n×k when transposed), and C is
    /// m×n with `ldc ≥ max(1, n)`; they are not checked for empty matrices. As in BLAS,
    /// `beta == 0` overwrites C without reading it (NaN in C does not propagate) and
    /// `k == 0` gives `C = beta · C`. C must not overlap A or B. Bad sizes stop the
    /// process with a message naming the argument.
    ///
    /// Products with a single row or column of C (m == 1 or n == 1, matrix-vector) always
    /// run in Swift, which is faster than `sgemm` for them. So do, on processors with
    /// AVX-512, products of 17–64 rows with a transposed B, alpha 1 and beta 0 or 1, and at
    /// least 128 columns: a linear layer over one step of batched decoding, where `sgemm`
    /// spends most of its time copying the weights into packed panels (`fewRowProduct`).
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        gemm(MatrixProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc))
    }

    /// `gemm` with the arguments of `product`, and its bias when it has one.
    public static func gemm(_ product: MatrixProduct) {
        if MatrixProductTally.isEnabled {
            let started = DispatchTime.now().uptimeNanoseconds, inside = Parallel.isInsideParallelLoop
            defer {
                MatrixProductTally.record(products: 1, multiplyAdds: product.multiplyAdds, startedAt: started,
                                          insideParallelLoop: inside)
            }
            multiply(product)
        } else {
            multiply(product)
        }
    }

    /// Computes independent products at the same time, side by side rather than one after
    /// the other with each split across the threads: a linear layer's backward pass, whose
    /// input gradient g·W and weight gradient gᵀ·x need the same work. With as many threads
    /// as products, each product is one `sgemm` call on one thread; with more threads, each
    /// is cut into `threads / products.count` blocks (`MatrixProduct.block`); with fewer,
    /// the threads take products as they finish. Against splitting each product, no operand
    /// is packed twice and the pool starts one loop instead of one per product (a
    /// `gpt-ppo` iteration's backward passes: 335–340 → 317–327 ms). Results are those of
    /// `gemm`, whatever the threads. The products must not write what another reads.
    public static func gemm(concurrently products: [MatrixProduct]) {
        let threads = Parallel.threadCount
        let work = products.reduce(0) { $0 + $1.multiplyAdds }
        let sideBySide = threads > 1 && products.count > 1 && !Parallel.isInsideParallelLoop && work >= minimumSplitWork
            && (selectedLibrary?.splitsAcrossThreads ?? true)
        guard sideBySide else {
            for product in products { gemm(product) }
            return
        }
        let started = MatrixProductTally.isEnabled ? DispatchTime.now().uptimeNanoseconds : 0
        let blocks = Swift.max(1, threads / products.count)
        Parallel.forEachTask(products.count * blocks) { task in
            let product = products[task / blocks]
            multiply(blocks == 1 ? product : product.block(task % blocks, of: blocks))
        }
        if MatrixProductTally.isEnabled {
            MatrixProductTally.record(products: products.count, multiplyAdds: work, startedAt: started, insideParallelLoop: false)
        }
    }

    /// `gemm` without the tally.
    private static func multiply(_ product: MatrixProduct) {
        let (m, n, k) = (product.m, product.n, product.k)
        if WideKernels.isEnabled, !product.transposeA, product.transposeB, product.alpha == 1,
           product.beta == 0 || product.beta == 1, m > 16, m <= 64, n >= 128 {
            multiplyFewRows(product)
            return
        }
        // sgemm does not special-case a single row or column (OpenBLAS 0.3.21 takes 3–5×
        // longer than the Swift matrix-vector path there), so those stay in Swift.
        if let library = selectedLibrary, m > 1, n > 1,
           BLASLibrary.fitsInt32(m, n, k, product.lda, product.ldb, product.ldc) {
            let threads = Parallel.threadCount
            let product = product.biasWrittenIntoC()
            guard library.splitsAcrossThreads, threads > 1, !Parallel.isInsideParallelLoop, m * n * k >= minimumSplitWork,
                  max(m, n) >= 32 * threads else {
                library.gemm(product)
                return
            }
            // Each thread computes a block of rows (or columns) of C with a single-threaded
            // sgemm over the full depth: every element of C is computed by one call in one
            // order, so the result does not depend on timing.
            Parallel.forEachTask(threads) { part in
                let block = product.block(part, of: threads)
                guard block.m > 0, block.n > 0 else { return }
                library.gemm(block)
            }
        } else {
            let p = product.biasWrittenIntoC()
            portableGEMM(transposeA: p.transposeA, transposeB: p.transposeB, m: m, n: n, k: k, alpha: p.alpha,
                         a: p.a, lda: p.lda, b: p.b, ldb: p.ldb, beta: p.beta, c: p.c, ldc: p.ldc)
        }
    }

    /// `C = A·Bᵀ` (C + A·Bᵀ with beta 1, bias + A·Bᵀ with a bias) for 17–64 rows on the
    /// AVX-512 kernel: each block of up to 32 rows of A is transposed once, then its columns
    /// of C are split over the threads like those of a large product.
    private static func multiplyFewRows(_ product: MatrixProduct) {
        let (m, n, k, a, lda, b, ldb, c, ldc) = (product.m, product.n, product.k, product.a, product.lda, product.b,
                                                 product.ldb, product.c, product.ldc)
        checkArguments(transposeA: false, transposeB: true, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        let threads = Parallel.threadCount
        let parts = threads > 1 && !Parallel.isInsideParallelLoop && 32 * n * k >= minimumSplitWork ? threads : 1
        let edges = blockEdges(length: n, parts: parts)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 32 * Swift.max(k, 1)) { buffer in
            let transposed = buffer.baseAddress!
            for first in stride(from: 0, to: m, by: 32) {
                let rows = Swift.min(32, m - first)
                // What the products are added to: C itself (beta 1), the bias row, or nothing.
                let (addend, addendStride): (UnsafePointer<Float>?, Int) =
                    product.beta == 1 ? (UnsafePointer(c + first * ldc), ldc) : (product.bias, 0)
                transposeForFewRows(a + first * lda, rows: rows, depth: k, ldx: lda, into: transposed)
                Parallel.forEachTask(parts) { part in
                    fewRowProduct(transposedRows: transposed, rows: rows, depth: k, weights: b, ldw: ldb,
                                  columns: edges[part]..<edges[part + 1], into: c + first * ldc, ldc: ldc,
                                  adding: addend, addendStride: addendStride)
                }
            }
        }
    }

    /// Where `parts` threads split `length` rows (or columns) of a product: `parts + 1`
    /// edges from 0 to `length`, each inner one the even split rounded to the nearest
    /// multiple of 16 (504 rows in two: 0, 256, 504; rounding down instead gave blocks of
    /// 240 and 264 rows, and the thread with the smaller one waited for the other).
    static func blockEdges(length: Int, parts: Int) -> [Int] {
        (0...parts).map { part in part == parts ? length : (length * part / parts + 8) & ~15 }
    }

    /// Products of at least this many multiply-adds are split across threads when the
    /// library is single-threaded (below it, waking a second thread costs more than it
    /// saves: 2²² multiply-adds take about 70 µs on one core).
    static let minimumSplitWork = 1 << 22

    /// The same product as `gemm`, always computed by the portable Swift kernel (for
    /// tests and benchmarks that compare the two paths). Results are bitwise identical
    /// for any `GENRL_THREADS`.
    public static func portableGEMM(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        checkArguments(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        PortableGEMM.gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    /// Stops with a message naming the bad argument, as BLAS's `xerbla` would report it.
    /// Leading dimensions only matter for matrices with elements, so they are checked
    /// only when m, n and k are all positive (`ldc` when m and n are).
    static func checkArguments(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int
    ) {
        require(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
        guard m > 0, n > 0 else { return }
        require(ldc >= n, "gemm: ldc=\(ldc) is less than n=\(n)")
        guard k > 0 else { return }
        let widthA = transposeA ? m : k, widthB = transposeB ? k : n
        require(lda >= widthA, "gemm: lda=\(lda) is less than the width \(widthA) of stored A")
        require(ldb >= widthB, "gemm: ldb=\(ldb) is less than the width \(widthB) of stored B")
    }

    /// Stops with `message` when `condition` is false, in release builds too (unlike
    /// `precondition`, whose message optimized builds drop).
    @inline(__always)
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError(message()) }
    }
}
