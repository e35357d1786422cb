import Foundation
import Testing
import GenRLTensor

/// One matrix product to check: sizes, transposes, padding of the leading dimensions
/// beyond the stored width, and the alpha/beta of `C = alpha · op(A) · op(B) + beta · C`.
struct GEMMCase: CustomTestStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    var transposeA = false, transposeB = false
    var paddingA = 0, paddingB = 0, paddingC = 0
    var alpha: Float = 1, beta: Float = 0

    var testDescription: String {
        "\(m)×\(n)×\(k)\(transposeA ? " Aᵀ" : "")\(transposeB ? " Bᵀ" : "") pad \(paddingA)/\(paddingB)/\(paddingC) α=\(alpha) β=\(beta)"
    }

    var lda: Int { max(1, transposeA ? m : k) + paddingA }
    var ldb: Int { max(1, transposeB ? k : n) + paddingB }
    var ldc: Int { max(1, n) + paddingC }
    var storedRowsA: Int { transposeA ? k : m }
    var storedRowsB: Int { transposeB ? n : k }
}

/// The cases both paths must get right: tiny and odd sizes, every transpose, padded
/// leading dimensions, accumulation into C, k = 0 and empty results.
let gemmCases: [GEMMCase] = [
    GEMMCase(m: 1, n: 1, k: 1),
    GEMMCase(m: 1, n: 1, k: 1, transposeA: true, transposeB: true, alpha: -2, beta: 0.5),
    GEMMCase(m: 7, n: 13, k: 5),
    GEMMCase(m: 7, n: 13, k: 5, transposeA: true),
    GEMMCase(m: 7, n: 13, k: 5, transposeB: true),
    GEMMCase(m: 7, n: 13, k: 5, transposeA: true, transposeB: true),
    GEMMCase(m: 65, n: 33, k: 129),
    GEMMCase(m: 65, n: 33, k: 129, transposeA: true, paddingA: 3, paddingB: 5, paddingC: 7),
    GEMMCase(m: 65, n: 33, k: 129, transposeB: true, paddingA: 1, paddingB: 2, paddingC: 3, alpha: 0.5, beta: 1),
    GEMMCase(m: 65, n: 33, k: 129, transposeA: true, transposeB: true, paddingC: 16, alpha: 1.5, beta: -0.75),
    // One row or one column of C: the matrix-vector paths, with strided vectors.
    GEMMCase(m: 1, n: 300, k: 17, transposeB: true),
    GEMMCase(m: 300, n: 1, k: 17, transposeA: true),
    GEMMCase(m: 1, n: 77, k: 70, paddingB: 3, beta: 1),
    GEMMCase(m: 1, n: 40, k: 100, transposeA: true, transposeB: true, paddingA: 2, alpha: 2, beta: 0.5),
    GEMMCase(m: 2100, n: 1, k: 520, paddingB: 2),
    GEMMCase(m: 2100, n: 1, k: 520, transposeA: true, paddingA: 5, paddingC: 1, beta: 1),
    GEMMCase(m: 37, n: 531, k: 600, paddingA: 9, beta: 1),
    GEMMCase(m: 211, n: 47, k: 300, transposeA: true, transposeB: true, paddingB: 4, beta: 2),
    // 17–64 rows, Bᵀ, α 1, β 0 or 1, n ≥ 128: the few-row AVX-512 kernel where it runs (a
    // partial tile of columns, a partial block of rows, padding, and one split over threads).
    GEMMCase(m: 32, n: 203, k: 70, transposeB: true, paddingA: 3, paddingB: 2, paddingC: 5),
    GEMMCase(m: 50, n: 130, k: 33, transposeB: true, paddingC: 1, beta: 1),
    GEMMCase(m: 17, n: 512, k: 520, transposeB: true),
    GEMMCase(m: 6, n: 16, k: 2),
    GEMMCase(m: 12, n: 2100, k: 3, transposeB: true, paddingC: 1, alpha: 3, beta: 0.25),
    GEMMCase(m: 8, n: 8, k: 0, beta: 0.5),
    GEMMCase(m: 8, n: 8, k: 0, beta: 0),
    GEMMCase(m: 0, n: 5, k: 3),
    GEMMCase(m: 5, n: 0, k: 3, transposeB: true),
]

/// A product routine with `MatrixMultiply.gemm`'s parameters.
typealias GEMMFunction = (
    Bool, Bool, Int, Int, Int, Float, UnsafePointer<Float>, Int,
    UnsafePointer<Float>, Int, Float, UnsafeMutablePointer<Float>, Int
) -> Void

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
    mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in nextFloat() } }
}

/// Random A, B and C for a `GEMMCase`, with the padding filled with NaN so that any read
/// or write outside the matrices shows (and C all NaN when beta is 0, which must not read it).
struct GEMMOperands {
    let testCase: GEMMCase
    var a: [Float], b: [Float], c: [Float]
    let original: [Float]

    init(_ t: GEMMCase, seed: UInt64) {
        var random = SplitMix64(state: seed)
        testCase = t
        a = random.floats(t.storedRowsA * t.lda)
        b = random.floats(t.storedRowsB * t.ldb)
        c = random.floats(max(1, t.m * t.ldc))
        for row in 0..<t.storedRowsA { for column in (t.lda - t.paddingA)..<t.lda { a[row * t.lda + column] = .nan } }
        for row in 0..<t.storedRowsB { for column in (t.ldb - t.paddingB)..<t.ldb { b[row * t.ldb + column] = .nan } }
        for row in 0..<t.m { for column in t.n..<t.ldc { c[row * t.ldc + column] = .nan } }
        if t.beta == 0 { for row in 0..<t.m { for column in 0..<t.n { c[row * t.ldc + column] = .nan } } }
        original = c
    }

    /// Checks every element of C against a triple loop in Double, within a bound
    /// proportional to k, and that the padding of C was not written.
    func verify() {
        let t = testCase
        func elementA(_ i: Int, _ p: Int) -> Double { Double(t.transposeA ? a[p * t.lda + i] : a[i * t.lda + p]) }
        func elementB(_ p: Int, _ j: Int) -> Double { Double(t.transposeB ? b[j * t.ldb + p] : b[p * t.ldb + j]) }
        var failures = 0
        for i in 0..<t.m {
            for j in 0..<t.n {
                var sum = 0.0
                for p in 0..<t.k { sum += elementA(i, p) * elementB(p, j) }
                let before = Double(original[i * t.ldc + j])
                let expected = Double(t.alpha) * sum + (t.beta == 0 ? 0 : Double(t.beta) * before)
                let tolerance = 1e-6 * Double(t.k + 4) * (abs(Double(t.alpha)) + abs(Double(t.beta)) + 1)
                let actual = Double(c[i * t.ldc + j])
                if !(abs(actual - expected) <= tolerance) {
                    failures += 1
                    if failures <= 3 { Issue.record("\(t): C[\(i), \(j)] = \(actual), expected \(expected)") }
                }
            }
            for j in t.n..<t.ldc where !c[i * t.ldc + j].isNaN {
                Issue.record("\(t): C[\(i), \(j)] in the padding beyond n was written")
            }
        }
        #expect(failures == 0)
    }
}

/// Runs `product` on `testCase` with random operands (`GEMMOperands`) and checks C against
/// a triple loop in Double.
func checkAgainstReference(_ testCase: GEMMCase, seed: UInt64, _ product: GEMMFunction) {
    var operands = GEMMOperands(testCase, seed: seed)
    let t = testCase
    operands.a.withUnsafeBufferPointer { a in
        operands.b.withUnsafeBufferPointer { b in
            operands.c.withUnsafeMutableBufferPointer { c in
                product(t.transposeA, t.transposeB, t.m, t.n, t.k, t.alpha, a.baseAddress!, t.lda,
                        b.baseAddress!, t.ldb, t.beta, c.baseAddress!, t.ldc)
            }
        }
    }
    operands.verify()
}

/// Runs `products` on the `MatrixProduct`s of `cases`, all at once, with random operands
/// (`GEMMOperands`), and checks each C against a triple loop in Double.
func checkAgainstReference(_ cases: [GEMMCase], seed: UInt64, _ products: ([MatrixProduct]) -> Void) {
    var operands = cases.enumerated().map { GEMMOperands($0.element, seed: seed + UInt64($0.offset)) }
    // Buffers that stay put while the products run; C is copied back for the check.
    let a = operands.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: $0.a.count) }
    let b = operands.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: $0.b.count) }
    let c = operands.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: $0.c.count) }
    defer { for buffer in a + b + c { buffer.deallocate() } }
    for (i, o) in operands.enumerated() {
        _ = a[i].initialize(from: o.a)
        _ = b[i].initialize(from: o.b)
        _ = c[i].initialize(from: o.c)
    }
    products(cases.indices.map { i in
        let t = cases[i]
        return MatrixProduct(transposeA: t.transposeA, transposeB: t.transposeB, m: t.m, n: t.n, k: t.k, alpha: t.alpha,
                             a: a[i].baseAddress!, lda: t.lda, b: b[i].baseAddress!, ldb: t.ldb,
                             beta: t.beta, c: c[i].baseAddress!, ldc: t.ldc)
    })
    for i in operands.indices {
        operands[i].c = Array(c[i])
        operands[i].verify()
    }
}

/// The library BLAS tests use: the one `MatrixMultiply` selected, else any installed one.
let testBLAS = MatrixMultiply.blasLibrary ?? BLASLibrary.installed

@Suite("Matrix multiply")
struct MatrixMultiplyTests {
    @Test("portable kernel matches a Double triple loop", arguments: gemmCases)
    func portableMatchesReference(_ testCase: GEMMCase) {
        checkAgainstReference(testCase, seed: 1, MatrixMultiply.portableGEMM)
    }

    @Test("BLAS matches a Double triple loop", .enabled(if: testBLAS != nil, "no BLAS library installed"),
          arguments: gemmCases)
    func blasMatchesReference(_ testCase: GEMMCase) throws {
        let library = try #require(testBLAS)
        checkAgainstReference(testCase, seed: 2, library.gemm)
    }

    @Test("gemm with the selected backend matches a Double triple loop", arguments: gemmCases)
    func selectedBackendMatchesReference(_ testCase: GEMMCase) {
        checkAgainstReference(testCase, seed: 3, MatrixMultiply.gemm)
    }

    @Test("products computed side by side match a Double triple loop",
          arguments: [
              // A linear layer's backward pass (dx = g·W, dW = gᵀ·x), large enough to run side by side.
              [GEMMCase(m: 300, n: 96, k: 160), GEMMCase(m: 160, n: 96, k: 300, transposeA: true)],
              // Three products on two threads, one of them on the few-row kernel where it runs.
              [GEMMCase(m: 300, n: 96, k: 160, paddingC: 3, beta: 1),
               GEMMCase(m: 40, n: 200, k: 300, transposeB: true, paddingA: 2, beta: 1),
               GEMMCase(m: 96, n: 300, k: 160, transposeA: true, transposeB: true, alpha: 0.5)],
              // Too little work to run side by side: one after the other.
              [GEMMCase(m: 7, n: 13, k: 5), GEMMCase(m: 13, n: 7, k: 5, transposeA: true, beta: 0.5)],
          ])
    func concurrentProductsMatchReference(_ cases: [GEMMCase]) {
        checkAgainstReference(cases, seed: 6) { MatrixMultiply.gemm(concurrently: $0) }
    }

    @Test("a product with a bias adds it to every row",
          arguments: [GEMMCase(m: 32, n: 203, k: 70, transposeB: true, paddingC: 5),   // the few-row kernel where it runs
                      GEMMCase(m: 300, n: 96, k: 160, transposeB: true, paddingA: 1),  // split across the threads
                      GEMMCase(m: 7, n: 13, k: 5, transposeA: true),
                      GEMMCase(m: 1, n: 40, k: 9, transposeB: true),                    // matrix-vector paths
                      GEMMCase(m: 40, n: 1, k: 9, transposeB: true)])
    func biasIsAddedToEveryRow(_ testCase: GEMMCase) {
        let bias = (0..<testCase.n).map { Float($0 % 7) - 3 }
        bias.withUnsafeBufferPointer { bias in
            checkAgainstReference([testCase], seed: 8) { products in
                for p in products {
                    MatrixMultiply.gemm(MatrixProduct(transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n,
                                                      k: p.k, alpha: p.alpha, a: p.a, lda: p.lda, b: p.b, ldb: p.ldb,
                                                      beta: 0, c: p.c, ldc: p.ldc, bias: bias.baseAddress!))
                    // Less the bias, C must be the product the reference computes.
                    for i in 0..<p.m { for j in 0..<p.n { p.c[i * p.ldc + j] -= bias[j] } }
                }
            }
        }
    }

    @Test("a product's blocks cover it", arguments: [1, 2, 3, 5])
    func blocksCoverTheProduct(_ parts: Int) {
        // Tall (blocks of rows) and wide (blocks of columns), read transposed or not.
        let cases = [GEMMCase(m: 70, n: 33, k: 20, transposeA: true, paddingA: 1, paddingC: 2, beta: 1),
                     GEMMCase(m: 33, n: 70, k: 20, transposeB: true, paddingB: 3, alpha: 2),
                     GEMMCase(m: 9, n: 50, k: 4, transposeA: true, transposeB: true)]
        checkAgainstReference(cases, seed: 7) { products in
            for product in products {
                let blocks = (0..<parts).map { product.block($0, of: parts) }
                #expect(blocks.reduce(0) { $0 + $1.m * $1.n } == product.m * product.n)
                for block in blocks { MatrixMultiply.gemm(block) }
            }
        }
    }

    @Test("portable kernel handles shapes spanning several cache blocks",
          arguments: [GEMMCase(m: 203, n: 2061, k: 530, transposeB: true, paddingC: 5, alpha: 0.5, beta: 1),
                      GEMMCase(m: 401, n: 97, k: 1025, transposeA: true, paddingA: 2)])
    func portableLargeShapes(_ testCase: GEMMCase) {
        checkAgainstReference(testCase, seed: 4, MatrixMultiply.portableGEMM)
    }

    @Test("portable kernel agrees with BLAS on a model-sized product",
          .enabled(if: testBLAS != nil, "no BLAS library installed"))
    func portableAgreesWithBLAS() throws {
        let library = try #require(testBLAS)
        let (m, n, k) = (504, 768, 256)
        var random = SplitMix64(state: 5)
        let a = random.floats(m * k), b = random.floats(n * k)
        var portable = [Float](repeating: .nan, count: m * n), blas = portable
        portable.withUnsafeMutableBufferPointer { c in
            MatrixMultiply.portableGEMM(transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1,
                                        a: a, lda: k, b: b, ldb: k, beta: 0, c: c.baseAddress!, ldc: n)
        }
        blas.withUnsafeMutableBufferPointer { c in
            library.gemm(transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1,
                         a: a, lda: k, b: b, ldb: k, beta: 0, c: c.baseAddress!, ldc: n)
        }
        let largest = zip(portable, blas).map { abs($0 - $1) }.max() ?? .nan
        #expect(largest < 1e-4)
    }

    @Test("k = 0 with empty operands of leading dimension 0 gives beta · C", arguments: [Float(0), 2])
    func emptyDepthAcceptsZeroLeadingDimensions(beta: Float) throws {
        let functions: [GEMMFunction] = [MatrixMultiply.gemm, MatrixMultiply.portableGEMM] + (testBLAS.map { [$0.gemm] } ?? [])
        let nothing: [Float] = [0]
        for product in functions {
            var c: [Float] = (0..<12).map { Float($0) - (beta == 0 ? .nan : 0) }
            c.withUnsafeMutableBufferPointer { c in
                product(false, false, 3, 4, 0, 1, nothing, 0, nothing, 4, beta, c.baseAddress!, 4)
            }
            #expect(c == (0..<12).map { beta * Float($0) })
        }
    }

    @Test("GENRL_BLAS=portable selects the Swift kernel")
    func portableSelection() throws {
        #expect(try MatrixMultiply.resolveBackend(environment: ["GENRL_BLAS": "portable"]) == nil)
    }

    @Test("GENRL_BLAS naming a missing library is an error that names it")
    func missingLibraryIsAnError() {
        let name = "/nonexistent/libgenrl-no-such-blas.so"
        #expect {
            _ = try MatrixMultiply.resolveBackend(environment: ["GENRL_BLAS": name])
        } throws: { error in
            guard case let .cannotOpen(library, _)? = error as? BLASLibraryError else { return false }
            return library == name && "\(error)".contains(name)
        }
    }

    @Test("GENRL_BLAS unset finds the installed library",
          .enabled(if: BLASLibrary.installed != nil, "no BLAS library installed"))
    func defaultSelection() throws {
        let library = try #require(try MatrixMultiply.resolveBackend(environment: [:]))
        #expect(BLASLibrary.searchOrder.contains(library.name))
    }

    @Test("backend names the BLAS library in use, or the portable kernel")
    func backendDescription() {
        switch MatrixMultiply.backend {
        case .portable: #expect(MatrixMultiply.blasLibrary == nil)
        case let .blas(summary): #expect(summary.hasPrefix(MatrixMultiply.blasLibrary?.name ?? "?"))
        }
    }
}

@Suite("Matrix product tally")
struct MatrixProductTallyTests {
    /// Other tests multiply matrices concurrently, so while the tally is on it may count
    /// their products too: the checks are lower bounds. While it is off it counts nothing.
    @Test func theTallyCountsProductsAndMultiplyAddsOnlyWhileEnabled() {
        let a = [Float](repeating: 1, count: 6 * 4), b = [Float](repeating: 2, count: 4 * 5)
        var c = [Float](repeating: 0, count: 6 * 5)
        func product() {
            MatrixMultiply.gemm(transposeA: false, transposeB: false, m: 6, n: 5, k: 4, alpha: 1, a: a, lda: 4, b: b, ldb: 5,
                                beta: 0, c: &c, ldc: 5)
        }
        MatrixProductTally.reset()
        product()
        #expect(MatrixProductTally.totals == MatrixProductTally.Totals())

        MatrixProductTally.isEnabled = true
        defer { MatrixProductTally.isEnabled = false }
        product()
        product()
        let totals = MatrixProductTally.totals
        #expect(totals.products >= 2)
        #expect(totals.multiplyAdds >= 2 * 6 * 5 * 4)
        #expect(totals.nanoseconds > 0)
        #expect(c.allSatisfy { $0 == 8 })
    }
}

@Suite("OpenBLAS core")
struct OpenBLASCoreTests {
    static let avx2: Set<String> = ["sse3", "avx", "avx2", "fma", "f16c"]
    static let avx512 = avx2.union(["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])

    @Test("the processor's instruction sets choose the core")
    func coreFollowsTheFlags() {
        #expect(OpenBLASCore.preferredCore(flags: Self.avx512) == "SkylakeX")
        #expect(OpenBLASCore.preferredCore(flags: Self.avx2) == "Haswell")
        // Xeon Phi has AVX-512 F and CD but not BW, DQ and VL: not a Skylake-X.
        #expect(OpenBLASCore.preferredCore(flags: Self.avx2.union(["avx512f", "avx512cd"])) == "Haswell")
        #expect(OpenBLASCore.preferredCore(flags: ["sse3", "avx"]) == nil)
        #expect(OpenBLASCore.preferredCore(flags: []) == nil)
    }

    @Test("a core the user set is left alone")
    func userSettingWins() {
        #expect(OpenBLASCore.requestedCore(userSetting: "Haswell", flags: Self.avx512) == nil)
        #expect(OpenBLASCore.requestedCore(userSetting: nil, flags: Self.avx512) == "SkylakeX")
        #expect(OpenBLASCore.requestedCore(userSetting: "", flags: Self.avx2) == "Haswell")
    }

    @Test("the flags line of a cpuinfo file is read")
    func readsCpuinfo() throws {
        let path = NSTemporaryDirectory() + "genrl-cpuinfo-\(getpid())"
        try "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse3 avx2 fma avx512f\nbugs\t\t: none\n\nprocessor\t: 1\nflags\t\t: fpu\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(OpenBLASCore.processorFlags(cpuinfo: path) == ["fpu", "sse3", "avx2", "fma", "avx512f"])
        #expect(OpenBLASCore.processorFlags(cpuinfo: path + "-missing") == [])
    }

    @Test("the loaded OpenBLAS runs the core the processor calls for, and the variable is not left set",
          .enabled(if: BLASLibrary.installed?.configuration != nil, "OpenBLAS is not installed"))
    func loadedLibraryUsesTheRequestedCore() throws {
        let library = try #require(BLASLibrary.installed)
        guard let core = library.requestedCore else { return }   // the user pinned one, or the processor suggests none
        #expect(getenv(OpenBLASCore.environmentVariable) == nil)
        let configuration = try #require(library.configuration)
        #expect(configuration.lowercased().contains(core.lowercased()), "\(configuration)")
    }
}
